package ai.omninode.onex.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.node.NodeExecutionException;
import ai.omninode.onex.node.NodeSettingsException;
import ai.omninode.onex.node.OnexException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

class NodeKafkaEventEffectTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    static Map<String, Object> json(byte[] bytes) {
        return JSON.readValue(bytes, new TypeReference<LinkedHashMap<String, Object>>() { });
    }

    static Map<String, String> headers(ProducerRecord<byte[], byte[]> record) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Header h : record.headers()) {
            out.put(h.key(), new String(h.value(), UTF_8));
        }
        return out;
    }

    static ModelKafkaEventInput input(String topic) {
        return ModelKafkaEventInput.builder().topic(topic).eventType("QUALITY_ASSESSED")
                .payload("quality_score", 0.87).payload("entity_id", "abc-123").build();
    }

    @Test
    void publishesTheEnvelopeWithItsKeysInOrderToThePrefixedTopic() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().build(), true)) {
            UUID correlation = UUID.randomUUID();
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("quality_score", 0.87);
            payload.put("count", 42);
            payload.put("big", 9_007_199_254_740_993L);
            payload.put("ok", true);
            payload.put("nothing", null);
            payload.put("tags", List.of("a", "b"));
            payload.put("nested", Map.of("x", 1));
            ModelKafkaEventOutput out = m.node.executeEffect(new ModelKafkaEventInput("quality.assessed.v1",
                    "QUALITY_ASSESSED", payload, correlation, null, Map.of("source", "test"))).get();

            assertThat(out.success()).isTrue();
            assertThat(out.topic()).isEqualTo("test.quality.assessed.v1");
            assertThat(out.correlationId()).isEqualTo(correlation);
            assertThat(out.partition()).isZero();
            assertThat(out.offset()).isZero();
            assertThat(out.error()).isNull();
            assertThat(out.envelope()).isNull();
            ProducerRecord<byte[], byte[]> sent = m.producer.history().get(0);
            assertThat(sent.topic()).isEqualTo("test.quality.assessed.v1");
            assertThat(new String(sent.key(), UTF_8)).isEqualTo(correlation.toString());
            Map<String, Object> envelope = json(sent.value());
            assertThat(envelope.keySet()).containsExactly("event_id", "event_type", "correlation_id", "timestamp",
                    "version", "source", "payload");
            assertThat(envelope.get("event_id")).isEqualTo(out.eventId().toString());
            assertThat(envelope.get("event_type")).isEqualTo("QUALITY_ASSESSED");
            assertThat(envelope.get("correlation_id")).isEqualTo(correlation.toString());
            assertThat(new String(sent.value(), UTF_8)).contains("\"timestamp\":1764604800.123456,");
            assertThat(envelope.get("version")).isEqualTo("1.0.0");
            assertThat(envelope.get("source")).isEqualTo(Map.of("service", "omniintelligence",
                    "node_type", "kafka_event_effect", "node_id", m.node.nodeId()));
            assertThat(envelope.get("payload")).isEqualTo(payload);
            assertThat(headers(sent)).containsKeys("source", "correlation_id", "event_type", "event_id", "traceparent")
                    .hasSize(5);
            assertThat(headers(sent)).containsEntry("source", "test").containsEntry("correlation_id", correlation.toString())
                    .containsEntry("event_type", "QUALITY_ASSESSED").containsEntry("event_id", out.eventId().toString());
            assertThat(headers(sent).get("traceparent")).as("a new trace: the caller gave none")
                    .matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        }
    }

    @Test
    void manyEventTypesTakingTurnsOnOneTopicEachCarryTheirOwnTypeInHeaderAndEnvelope() throws Exception {
        // the node keeps the bytes of a topic's recent event types: types that share its slots, and equal types in
        // distinct String objects, must never get another type's bytes
        List<String> types = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            types.add("TYPE_" + i + (i % 3 == 0 ? " \"quoted\"\n" : "") + (i % 4 == 1 ? " \u00e9" : ""));
        }
        try (MockNode m = new MockNode(MockNode.config().build(), true)) {
            for (int round = 0; round < 3; round++) {
                for (String type : types) {
                    String copy = new String(type.toCharArray());
                    m.node.executeEffect(ModelKafkaEventInput.builder().topic("mixed").eventType(copy)
                            .payload("n", round).build()).get();
                }
            }
            List<ProducerRecord<byte[], byte[]>> sent = m.producer.history();
            assertThat(sent).hasSize(3 * types.size());
            for (int i = 0; i < sent.size(); i++) {
                String type = types.get(i % types.size());
                assertThat(headers(sent.get(i))).containsEntry("event_type", type);
                assertThat(json(sent.get(i).value())).containsEntry("event_type", type);
            }
        }
    }

    @Test
    void aCustomHeaderNamedLikeAStandardOneIsNotSentNextToIt() throws Exception {
        // a consumer that reads the first header of a name (or all of them, as kcat and confluent_kafka do) must not
        // see a second correlation_id, event_type or event_id that contradicts the envelope
        try (MockNode m = new MockNode(MockNode.config().build(), true)) {
            UUID correlation = UUID.randomUUID();
            Map<String, String> custom = new LinkedHashMap<>();
            custom.put("trace_id", "t-1");
            custom.put("event_type", "SPOOFED");
            custom.put("correlation_id", "not-the-envelope-one");
            custom.put("event_id", "nope");
            custom.put("traceparent", "not a trace context");
            custom.put("tenant", "acme");
            ModelKafkaEventOutput out = m.node.executeEffect(new ModelKafkaEventInput("t", "REAL", Map.of(),
                    correlation, null, custom)).get();

            assertThat(out.success()).isTrue();
            List<Map.Entry<String, String>> sent = new ArrayList<>();
            for (Header h : m.producer.history().get(0).headers()) {
                sent.add(Map.entry(h.key(), new String(h.value(), UTF_8)));
            }
            assertThat(sent.subList(0, 5)).containsExactly(Map.entry("trace_id", "t-1"), Map.entry("tenant", "acme"),
                    Map.entry("correlation_id", correlation.toString()), Map.entry("event_type", "REAL"),
                    Map.entry("event_id", out.eventId().toString()));
            assertThat(sent).hasSize(6);
            assertThat(sent.get(5).getKey()).isEqualTo("traceparent");
            assertThat(sent.get(5).getValue()).as("the caller's is invalid: a new trace, and only one header")
                    .matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        }
    }

    @Test
    void partitionKeyIsTheGivenKeyElseTheCorrelationId() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().build(), true)) {
            ModelKafkaEventInput keyed = ModelKafkaEventInput.builder().topic("t").eventType("E").payload(Map.of())
                    .key("entity-123").build();
            ModelKafkaEventInput unkeyed = ModelKafkaEventInput.builder().topic("t").eventType("E").payload(Map.of()).build();
            ModelKafkaEventInput emptyKey = ModelKafkaEventInput.builder().topic("t").eventType("E").payload(Map.of())
                    .key("").build();
            m.node.executeEffect(keyed).get();
            m.node.executeEffect(unkeyed).get();
            m.node.executeEffect(emptyKey).get();

            assertThat(new String(m.producer.history().get(0).key(), UTF_8)).isEqualTo("entity-123");
            assertThat(new String(m.producer.history().get(1).key(), UTF_8)).isEqualTo(unkeyed.correlationId().toString());
            assertThat(new String(m.producer.history().get(2).key(), UTF_8)).as("an empty key is no key")
                    .isEqualTo(emptyKey.correlationId().toString());
        }
    }

    @Test
    void anEmptyPrefixPublishesToTheBareTopic() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().topicPrefix("").build(), true)) {
            ModelKafkaEventOutput out = m.node.executeEffect(input("quality.assessed.v1")).get();

            assertThat(out.topic()).isEqualTo("quality.assessed.v1");
            assertThat(m.producer.history().get(0).topic()).isEqualTo("quality.assessed.v1");
        }
    }

    @Test
    void aMissingCorrelationIdGetsARandomOne() {
        ModelKafkaEventInput a = new ModelKafkaEventInput("t", "E", Map.of());
        ModelKafkaEventInput b = ModelKafkaEventInput.builder().topic("t").eventType("E").payload(Map.of()).build();

        assertThat(a.correlationId()).isNotNull().isNotEqualTo(b.correlationId());
        assertThat(a.correlationId().version()).isEqualTo(4);
    }

    @Test
    void executeEffectBeforeInitializeThrowsNotInitialized() {
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, MockNode.config().build());

        assertThatThrownBy(() -> node.executeEffect(input("t")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Kafka producer not initialized");
    }

    @Test
    void executeEffectAfterShutdownThrowsNotInitialized() {
        MockNode m = new MockNode(MockNode.config().build(), true);
        m.node.shutdown();

        assertThatThrownBy(() -> m.node.executeEffect(input("t")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Kafka producer not initialized");
    }

    @Test
    void aFailingProducerFactoryMakesInitializeFailWithTheDocumentedMessage() {
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, MockNode.config().build(), props -> {
            throw new KafkaException("Failed to construct kafka producer");
        });

        assertThatThrownBy(node::initialize)
                .isInstanceOf(OnexException.class)
                .hasMessageContaining("Kafka producer initialization failed")
                .hasMessageContaining("Failed to construct kafka producer");
    }

    @Test
    void theRealProducerFailsToInitializeOnAnUnresolvableBootstrapServer() {
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, ModelKafkaEventConfig.builder()
                .bootstrapServers("no-such-host.invalid:9092").build());

        assertThatThrownBy(node::initialize).hasMessageContaining("Kafka producer initialization failed")
                .hasMessageContaining("No resolvable bootstrap urls given in bootstrap.servers");
        node.shutdown();
    }

    @Test
    void aProducerKafkaCannotBuildSaysWhyWithoutQuotingTheSecret() {
        NodeKafkaEventEffect node = new NodeKafkaEventEffect();
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" "
                + "password=\"s3cr3t-pass\""; // no closing semicolon

        assertThatThrownBy(() -> node.initialize(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9",
                "ONEX_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT", "ONEX_KAFKA_SASL_MECHANISM", "PLAIN",
                "ONEX_KAFKA_SASL_JAAS_CONFIG", jaas)))
                .isInstanceOfSatisfying(NodeSettingsException.class, e -> assertThat(e.settings())
                        .containsExactly("ONEX_KAFKA_SASL_JAAS_CONFIG"))
                .hasMessageContaining("Kafka producer initialization failed")
                .hasMessageContaining("Kafka refused ONEX_KAFKA_SASL_JAAS_CONFIG")
                .hasMessageContaining("JAAS config entry not terminated by semi-colon")
                .hasMessageNotContaining("s3cr3t");
        node.shutdown();
    }

    @Test
    void settingsKafkaRefusesWhenItBuildsItsClientAreASettingsErrorNamingTheVariable() {
        for (String address : List.of("localhost", "127.0.0.1:99999")) {
            NodeKafkaEventEffect node = new NodeKafkaEventEffect();
            assertThatThrownBy(() -> node.initialize(Map.of("KAFKA_BOOTSTRAP_SERVERS", address)))
                    .as(address)
                    .isInstanceOfSatisfying(NodeSettingsException.class, e -> assertThat(e.settings())
                            .contains("KAFKA_BOOTSTRAP_SERVERS"))
                    .hasMessageContaining("Kafka refused KAFKA_BOOTSTRAP_SERVERS: ConfigException: Invalid")
                    .hasMessageContaining(address);
            node.shutdown();
        }
    }

    @Test
    void aTruststoreThatIsNotAReadableFileIsRefusedBeforeAnyClientIsBuiltAndABadOneByKafkaNamingTheVariable()
            throws Exception {
        java.nio.file.Path empty = java.nio.file.Files.createTempFile("onex-truststore", ".jks");
        try {
            Map<String, String> tls = Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9", "ONEX_KAFKA_SECURITY_PROTOCOL",
                    "SSL", "ONEX_KAFKA_SSL_TRUSTSTORE_PASSWORD", "tr0ub4dor-pass");
            int[] clients = {0};
            NodeKafkaEventEffect missing = new NodeKafkaEventEffect(null, null, props -> {
                clients[0]++;
                throw new AssertionError("no client is built for a truststore that is not there");
            });
            Map<String, String> settings = new LinkedHashMap<>(tls);
            settings.put("ONEX_KAFKA_SSL_TRUSTSTORE_LOCATION", empty + ".missing");
            assertThatThrownBy(() -> missing.initialize(settings))
                    .isInstanceOfSatisfying(NodeSettingsException.class, e -> assertThat(e.settings())
                            .containsExactly("ONEX_KAFKA_SSL_TRUSTSTORE_LOCATION"))
                    .hasMessageContaining("ONEX_KAFKA_SSL_TRUSTSTORE_LOCATION (ssl.truststore.location): no such file: "
                            + empty + ".missing");
            assertThat(clients[0]).isZero();

            // a file that is there but no keystore: Kafka's own words, with the variable that names it
            NodeKafkaEventEffect bad = new NodeKafkaEventEffect();
            settings.put("ONEX_KAFKA_SSL_TRUSTSTORE_LOCATION", empty.toString());
            assertThatThrownBy(() -> bad.initialize(settings))
                    .isInstanceOfSatisfying(NodeSettingsException.class, e -> assertThat(e.settings())
                            .containsExactly("ONEX_KAFKA_SSL_TRUSTSTORE_LOCATION"))
                    .hasMessageContaining("Kafka refused ONEX_KAFKA_SSL_TRUSTSTORE_LOCATION: KafkaException: Failed to"
                            + " load SSL keystore " + empty)
                    .hasMessageNotContaining("tr0ub4dor");
            bad.shutdown();
        } finally {
            java.nio.file.Files.delete(empty);
        }
    }

    @Test
    void aProducerFactorysOwnFailureIsNoSettingsError() {
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, MockNode.config().build(), props -> {
            throw new IllegalStateException("the factory broke");
        });

        assertThatThrownBy(node::initialize).isInstanceOf(OnexException.class)
                .isNotInstanceOf(NodeSettingsException.class)
                .hasMessageContaining("Kafka producer initialization failed: IllegalStateException: the factory broke");
    }

    @Test
    void spiInitializeReadsItsSettingsAndNamesABadOne() {
        NodeKafkaEventEffect node = new NodeKafkaEventEffect();

        assertThatThrownBy(() -> node.initialize(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9",
                "KAFKA_EVENT_MAX_RETRIES", "lots")))
                .isInstanceOf(OnexException.class)
                .hasMessageContaining("Kafka producer initialization failed")
                .hasMessageContaining("maxRetries (from KAFKA_EVENT_MAX_RETRIES) must be an integer, but was 'lots'");
    }

    @Test
    void spiInitializeUsesTheSettingsForANodeBuiltWithoutConfig() {
        NodeKafkaEventEffect node = new NodeKafkaEventEffect();
        try {
            node.initialize(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9", "KAFKA_TOPIC_PREFIX", "",
                    "KAFKA_EVENT_TOPIC_CREATION", "broker"));

            assertThat(node.config().bootstrapServers()).isEqualTo("127.0.0.1:9");
            assertThat(node.config().topicPrefix()).isEmpty();
            assertThat(node.toString()).contains("initialized");
        } finally {
            node.shutdown();
        }
    }

    @Test
    void theNoArgumentConstructorIsFoundByServiceLoaderAndConnectsNowhere() {
        List<EffectNode> nodes = new ArrayList<>();
        ServiceLoader.load(EffectNode.class).forEach(nodes::add);

        assertThat(nodes).hasSize(1).first().isInstanceOf(NodeKafkaEventEffect.class);
        NodeKafkaEventEffect node = (NodeKafkaEventEffect) nodes.get(0);
        assertThat(node.contractLocation()).isNotNull();
        assertThat(node.getMetrics()).containsEntry("circuit_breaker_status", "closed").containsEntry("events_published", 0L);
        assertThat(node.toString()).contains("not initialized");
        node.close();
    }

    @Test
    void shutdownFailsAnEventTheProducerHoldsAsOutcomeUnknownWithItsEnvelope() throws Exception {
        MockNode m = new MockNode(MockNode.config().build(), false);
        CompletableFuture<ModelKafkaEventOutput> pending = m.node.executeEffect(input("t"));
        assertThat(pending).isNotDone();

        m.node.shutdown();

        ModelKafkaEventOutput out = pending.get();
        assertThat(out.success()).isFalse();
        assertThat(out.errorType()).as("the producer had it: the broker may have stored it")
                .isEqualTo(ModelKafkaEventOutput.OUTCOME_UNKNOWN);
        assertThat(out.retriable()).isFalse();
        assertThat(out.error()).contains("shut down");
        assertThat(json(out.envelope().getBytes(UTF_8))).containsEntry("event_id", out.eventId().toString())
                .containsEntry("payload", Map.of("quality_score", 0.87, "entity_id", "abc-123"));
        assertThat(m.producer.closed()).isTrue();
        assertThat(m.metrics()).containsEntry("events_failed", 1L);
    }

    @Test
    void anEventTheProducerStillHoldsWhenShutdownEndsBetweenItsSendAndTheNodeNotingItFailsAsOutcomeUnknown()
            throws Exception {
        // a producer other than KafkaProducer that keeps the record; the node shuts down as send returns, before the
        // node notes the event as held (the node's close runs on another thread in life: here, inside the send)
        NodeKafkaEventEffect[] node = new NodeKafkaEventEffect[1];
        MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(),
                new ByteArraySerializer()) {
            @Override
            public synchronized java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> send(
                    ProducerRecord<byte[], byte[]> record, org.apache.kafka.clients.producer.Callback callback) {
                var held = super.send(record, callback);
                node[0].shutdown();
                return held;
            }
        };
        node[0] = new NodeKafkaEventEffect(null, MockNode.config().build(), props -> producer, new ManualScheduler(),
                java.time.Clock.systemUTC());
        node[0].initialize();

        ModelKafkaEventOutput out = node[0].executeEffect(input("t")).get(10, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(producer.history()).hasSize(1);
        assertThat(out.errorType()).as(out.error()).isEqualTo(ModelKafkaEventOutput.OUTCOME_UNKNOWN);
        assertThat(out.retriable()).isFalse();
    }

    @Test
    void shutdownFailsEventsWaitingForARetry() throws Exception {
        MockNode m = new MockNode(MockNode.config().build(), false);
        m.producer.sendException = RetryAndDeadLetterTest.noMetadata("test.t");
        CompletableFuture<ModelKafkaEventOutput> pending = m.node.executeEffect(input("t"));
        assertThat(m.scheduler.pending()).isEqualTo(1);

        m.node.shutdown();

        ModelKafkaEventOutput out = pending.get();
        assertThat(out.errorType()).isEqualTo(ModelKafkaEventOutput.SHUTDOWN);
        assertThat(out.retriable()).as("it never left the node: sending it again is safe").isTrue();
        assertThat(out.error()).contains("TimeoutException: Topic test.t not present in metadata");
        assertThat(out.envelope()).contains(out.eventId().toString());
    }

    @Test
    void anEventThatReachesTheProducerOnlyAfterShutdownClosedItFailsAsShutdownAndMaySafelyBeSentAgain() throws Exception {
        MockNode m = new MockNode(MockNode.config().build(), true);
        // the node shuts down between the call's check that it runs and its send (here: while the envelope is written)
        Map<String, Object> payload = new LinkedHashMap<>(Map.of("n", 1)) {
            private boolean shutDown;

            @Override
            public java.util.Set<Map.Entry<String, Object>> entrySet() {
                if (!shutDown) {
                    shutDown = true;
                    m.node.shutdown();
                }
                return super.entrySet();
            }
        };

        ModelKafkaEventOutput out = m.node.executeEffect(ModelKafkaEventInput.builder().topic("t").eventType("E")
                .payload(payload).build()).get();

        assertThat(m.producer.history()).isEmpty();
        assertThat(out.errorType()).as(out.error()).isEqualTo(ModelKafkaEventOutput.SHUTDOWN);
        assertThat(out.retriable()).isTrue();
        assertThat(out.error()).contains("shut down");
    }

    @Test
    void shutdownKeepsAnUnknownOutcomeOfAnEventOnItsWayToTheDeadLetterTopicNotRetriable() throws Exception {
        MockNode m = new MockNode(MockNode.config().build(), false);
        CompletableFuture<ModelKafkaEventOutput> pending = m.node.executeEffect(input("t"));
        // the producer gave up after it took the record; the dead letter is scheduled, not yet sent
        assertThat(m.producer.errorNext(new org.apache.kafka.common.errors.TimeoutException("Expiring 1 record(s)")))
                .isTrue();
        assertThat(pending).isNotDone();

        m.node.shutdown();

        ModelKafkaEventOutput out = pending.get();
        assertThat(out.errorType()).isEqualTo(ModelKafkaEventOutput.OUTCOME_UNKNOWN);
        assertThat(out.retriable()).isFalse();
        assertThat(out.error()).contains("Expiring 1 record(s)").contains("shut down");
        assertThat(out.envelope()).contains(out.eventId().toString());
    }

    @Test
    void shutdownKeepsTheErrorOfAnEventKafkaRefusedForGoodOnItsWayToTheDeadLetterTopic() throws Exception {
        MockNode m = new MockNode(MockNode.config().build(), false);
        CompletableFuture<ModelKafkaEventOutput> pending = m.node.executeEffect(input("t"));
        assertThat(m.producer.errorNext(new org.apache.kafka.common.errors.RecordTooLargeException("too large")))
                .isTrue();

        m.node.shutdown();

        ModelKafkaEventOutput out = pending.get();
        assertThat(out.errorType()).isEqualTo(ModelKafkaEventOutput.NON_RETRIABLE);
        assertThat(out.retriable()).isFalse();
        assertThat(out.error()).contains("RecordTooLargeException: too large").contains("shut down");
    }

    @Test
    void shutdownNeverThrowsEvenWhenTheProducerFailsToClose() {
        MockNode m = new MockNode(MockNode.config().build(), true);
        m.producer.closeException = new KafkaException("close failed");

        m.node.shutdown();
        m.node.shutdown();

        assertThat(m.node.toString()).contains("shut down");
    }

    @Test
    void spiExecuteReturnsTheSnakeCaseOutput() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().build(), true)) {
            String correlation = UUID.randomUUID().toString();
            Map<String, Object> in = new LinkedHashMap<>();
            in.put("topic", "enrichment.completed.v1");
            in.put("event_type", "DOCUMENT_INGESTED");
            in.put("payload", Map.of("document_id", "doc-123", "entities_count", 42));
            in.put("correlation_id", correlation);
            in.put("key", null);
            in.put("headers", Map.of("h", "v"));

            Map<String, Object> out = m.node.execute(in).toCompletableFuture().get();

            assertThat(out).containsEntry("success", true).containsEntry("topic", "test.enrichment.completed.v1")
                    .containsEntry("partition", 0).containsEntry("offset", 0L).containsEntry("error", null)
                    .containsEntry("correlation_id", correlation).containsEntry("event_type", "DOCUMENT_INGESTED")
                    .containsEntry("retries", 0).containsEntry("dead_lettered", false);
            assertThat(out.get("event_id")).isInstanceOf(String.class);
            assertThat(m.node.metrics()).containsEntry("events_published", 1L);
        }
    }

    enum Kind { DOCUMENT_INGESTED }

    record Document(String id, int pages) {
    }

    @Test
    void spiExecutePublishesValuesThatTheContractAcceptsByTheirJsonForm() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().build(), true)) {
            UUID correlation = UUID.randomUUID();
            Map<String, Object> in = new LinkedHashMap<>();
            in.put("topic", new StringBuilder("enrichment.completed.v1"));
            in.put("event_type", Kind.DOCUMENT_INGESTED);
            in.put("payload", new Document("doc-1", 3));
            in.put("correlation_id", correlation);
            in.put("key", 'k');
            in.put("headers", Map.of("h", 'v'));

            Map<String, Object> out = m.node.execute(in).toCompletableFuture().get();

            assertThat(out).containsEntry("success", true).containsEntry("topic", "test.enrichment.completed.v1")
                    .containsEntry("event_type", "DOCUMENT_INGESTED").containsEntry("correlation_id", correlation.toString());
            ProducerRecord<byte[], byte[]> sent = m.producer.history().get(0);
            assertThat(new String(sent.key(), UTF_8)).isEqualTo("k");
            assertThat(headers(sent)).containsEntry("h", "v").containsEntry("event_type", "DOCUMENT_INGESTED");
            assertThat(json(sent.value())).containsEntry("payload", Map.of("id", "doc-1", "pages", 3));
        }
    }

    @Test
    void spiExecuteFailsWithANodeExecutionExceptionCarryingTheEnvelope() {
        try (MockNode m = new MockNode(MockNode.config().maxRetries(0).enableDlq(false).build(), false)) {
            CompletionStage<Map<String, Object>> stage = m.node.execute(Map.of("topic", "t", "event_type", "E",
                    "payload", Map.of("n", 1)));
            m.producer.errorNext(new org.apache.kafka.common.errors.TimeoutException("Expiring 1 record(s)"));
            m.scheduler.runAll();

            assertThatThrownBy(() -> stage.toCompletableFuture().get())
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(NodeExecutionException.class)
                    .hasMessageContaining("TimeoutException: Expiring 1 record(s)")
                    .satisfies(e -> {
                        NodeExecutionException n = (NodeExecutionException) e;
                        assertThat(n.retriable()).as("the broker may have stored it: not safe to send again")
                                .isFalse();
                        assertThat(n.details()).containsEntry("success", false)
                                .containsEntry("error_type", "outcome_unknown");
                        @SuppressWarnings("unchecked")
                        Map<String, Object> envelope = (Map<String, Object>) n.details().get("envelope");
                        assertThat(envelope).containsEntry("event_type", "E").containsEntry("payload", Map.of("n", 1));
                    });
        }
    }

    /** Jackson writes numbers of any length, but reads at most 1000 digits by default. */
    static final java.math.BigInteger LONG_NUMBER = new java.math.BigInteger("9".repeat(1500));

    @Test
    void spiExecuteCompletesAFailureWhoseEnvelopeHoldsANumberOfMoreThanAThousandDigits() {
        try (MockNode m = new MockNode(MockNode.config().maxRetries(0).enableDlq(false).build(), false)) {
            CompletableFuture<Map<String, Object>> stage = m.node.execute(Map.of("topic", "t", "event_type", "E",
                    "payload", Map.of("n", LONG_NUMBER))).toCompletableFuture();
            m.producer.errorNext(new org.apache.kafka.common.errors.RecordTooLargeException("too large"));
            m.scheduler.runAll();

            assertThat(stage).as("every stage completes").isCompletedExceptionally();
            assertThatThrownBy(stage::get).cause().isInstanceOf(NodeExecutionException.class)
                    .satisfies(e -> assertThat(((NodeExecutionException) e).details().get("envelope"))
                            .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                            .containsEntry("payload", Map.of("n", LONG_NUMBER)));
        }
    }

    @Test
    void anOpenBreakerFailsTheFutureRatherThanThrowingWhateverThePayloadHolds() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().maxRetries(0).enableDlq(false).circuitBreakerThreshold(1).build(),
                false)) {
            CompletableFuture<ModelKafkaEventOutput> first = m.node.executeEffect(input("t"));
            m.producer.errorNext(new org.apache.kafka.common.errors.RecordTooLargeException("too large"));
            m.scheduler.runAll();
            assertThat(first.get().success()).isFalse();
            assertThat(m.metrics()).containsEntry("circuit_breaker_status", "open");

            CompletableFuture<ModelKafkaEventOutput> refused = m.node.executeEffect(ModelKafkaEventInput.builder()
                    .topic("t").eventType("E").payload("n", LONG_NUMBER).build());

            assertThat(refused).isCompletedExceptionally();
            assertThatThrownBy(refused::get).hasMessageContaining("Circuit breaker is open");
        }
    }

    @Test
    void metricsHaveEveryDocumentedKey() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().build(), true)) {
            for (int i = 0; i < 5; i++) {
                m.node.executeEffect(input("t")).get();
            }
            Map<String, Object> metrics = m.metrics();

            assertThat(metrics.keySet()).containsExactly("events_published", "events_failed", "events_sent_to_dlq",
                    "total_publish_time_ms", "circuit_breaker_opens", "retries_attempted", "avg_publish_time_ms",
                    "circuit_breaker_status", "current_failures", "node_id", "events_rejected", "dlq_failures",
                    "p50_publish_time_ms", "p99_publish_time_ms", "circuit_breaker_rejections");
            assertThat(metrics).containsEntry("events_published", 5L).containsEntry("events_failed", 0L)
                    .containsEntry("circuit_breaker_status", "closed").containsEntry("node_id", m.node.nodeId());
            double total = (Double) metrics.get("total_publish_time_ms");
            assertThat(total).isPositive();
            assertThat((Double) metrics.get("avg_publish_time_ms")).isCloseTo(total / 5, org.assertj.core.data.Offset.offset(1e-9));
            assertThat((Double) metrics.get("p50_publish_time_ms")).isPositive()
                    .isLessThanOrEqualTo((Double) metrics.get("p99_publish_time_ms"));
        }
    }

    @Test
    void eachNodeGetsItsOwnClientIdAndTheConfiguredProducerProperties() {
        try (MockNode m = new MockNode(MockNode.config().producerProperty("compression.type", "lz4").build(), true)) {
            assertThat(m.producerProperties).containsEntry("compression.type", "lz4")
                    .containsEntry("linger.ms", "0").containsEntry("acks", "all").containsEntry("enable.idempotence", true)
                    .containsEntry("max.block.ms", 200L).containsEntry("bootstrap.servers", "mock:9092");
            assertThat((String) m.producerProperties.get("client.id")).startsWith("onex-kafka-event-effect-");
        }
    }

    @Test
    void shutdownIsBoundedEvenIfAProducerNeverAnswers() {
        MockNode m = new MockNode(MockNode.config().shutdownTimeoutMs(100).build(), false);
        m.node.executeEffect(input("t"));
        long t0 = System.nanoTime();

        m.node.shutdown();

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    }
}
