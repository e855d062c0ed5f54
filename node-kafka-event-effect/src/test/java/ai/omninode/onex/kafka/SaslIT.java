package ai.omninode.onex.kafka;

import static ai.omninode.onex.kafka.NodeKafkaEventEffectTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.node.NodeExecutionException;
import ai.omninode.onex.node.NodeSettingsException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node against a broker that authenticates (SASL_PLAINTEXT, mechanism PLAIN) and authorizes (Kafka's
 * StandardAuthorizer, ACLs, nothing allowed without one). User {@code svc} may write {@code sasl.allowed},
 * {@code sasl.allowed.dlq} and {@code sasl.small} (which takes records of at most 1 KiB), and nothing else.
 * Everything the node prints while these tests run (stderr, where the log goes) is captured and searched for the
 * password and the JAAS config.
 */
class SaslIT {
    static final String USER = "svc";
    static final String PASSWORD = "Pw-7f3kQ9-never-print-me";
    static final String JAAS = EmbeddedKafkaBroker.plainClientJaas(USER, PASSWORD);
    private static EmbeddedKafkaBroker broker;
    private static final ByteArrayOutputStream LOG = new ByteArrayOutputStream();
    private static PrintStream originalErr;

    @BeforeAll
    static void startBrokerWithUsersAndAcls() throws Exception {
        broker = EmbeddedKafkaBroker.builder().saslPlainUser(USER, PASSWORD).authorizer(true).build().start();
        broker.createTopic("sasl.allowed", 1);
        broker.createTopic("sasl.allowed.dlq", 1);
        broker.createTopic("sasl.forbidden", 1);
        broker.createTopic("sasl.forbidden.dlq", 1);
        broker.createTopic("sasl.small", 1, Map.of("max.message.bytes", "1024"));
        broker.createTopic("sasl.small.dlq", 1);
        List<AclBinding> acls = new ArrayList<>();
        for (String topic : List.of("sasl.allowed", "sasl.allowed.dlq", "sasl.small")) {
            acls.add(new AclBinding(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                    new AccessControlEntry("User:" + USER, "*", AclOperation.WRITE, AclPermissionType.ALLOW)));
        }
        try (Admin admin = broker.admin()) {
            admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
        }
        originalErr = System.err;
        System.setErr(new PrintStream(new TeeStream(originalErr, LOG), true, StandardCharsets.UTF_8));
    }

    @AfterAll
    static void stop() {
        System.setErr(originalErr);
        broker.close();
        String logs = LOG.toString(StandardCharsets.UTF_8);
        assertThat(logs).as("the log of every test in this class").doesNotContain(PASSWORD).doesNotContain(JAAS)
                .doesNotContain("wrong-" + PASSWORD);
    }

    private final List<NodeKafkaEventEffect> nodes = new ArrayList<>();

    @BeforeEach
    void clearNothing() {
        nodes.clear();
    }

    @AfterEach
    void shutdownNodes() {
        nodes.forEach(NodeKafkaEventEffect::shutdown);
    }

    /** The node's settings as an environment: SASL through ONEX_KAFKA_* variables, as a host would set them. */
    static Map<String, String> environment(String password) {
        return Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", broker.saslBootstrapServers(),
                "KAFKA_TOPIC_PREFIX", "sasl",
                "ONEX_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT",
                "ONEX_KAFKA_SASL_MECHANISM", "PLAIN",
                "ONEX_KAFKA_SASL_JAAS_CONFIG", EmbeddedKafkaBroker.plainClientJaas(USER, password),
                "KAFKA_EVENT_CIRCUIT_BREAKER_THRESHOLD", "100",
                "ONEX_KAFKA_DELIVERY_TIMEOUT_MS", "10000");
    }

    /** A node configured from the environment, with a real producer whose sends are counted. */
    NodeKafkaEventEffect node(Map<String, String> env, AtomicInteger sends, AtomicReference<Producer<?, ?>> producer) {
        ModelKafkaEventConfig config = ModelKafkaEventConfig.fromEnvironment(env);
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, config, new ProducerFactory() {
            @Override
            public Producer<byte[], byte[]> create(Map<String, Object> props) {
                KafkaProducer<byte[], byte[]> real = new KafkaProducer<>(props);
                producer.set(real);
                return ProducerSpy.onSend(real, args -> sends.incrementAndGet());
            }

            @Override
            public Admin createAdmin(Map<String, Object> adminProperties) {
                return Admin.create(adminProperties);
            }
        });
        node.initialize();
        nodes.add(node);
        return node;
    }

    static ModelKafkaEventInput event(String topic, Object text) {
        return ModelKafkaEventInput.builder().topic(topic).eventType("SECURE").payload("text", text).build();
    }

    static void assertNoSecret(Object... things) {
        for (Object thing : things) {
            assertThat(String.valueOf(thing)).doesNotContain(PASSWORD).doesNotContain("PlainLoginModule required");
        }
    }

    @Test
    void theRightCredentialsFromOnexKafkaVariablesPublish() throws Exception {
        NodeKafkaEventEffect node = node(environment(PASSWORD), new AtomicInteger(), new AtomicReference<>());

        ModelKafkaEventOutput out = node.executeEffect(event("allowed", "hello")).get(30, TimeUnit.SECONDS);

        assertThat(out.success()).as(out.error()).isTrue();
        assertThat(out.topic()).isEqualTo("sasl.allowed");
        List<ConsumerRecord<byte[], byte[]>> records = Consumers.readAll(broker.bootstrapServers(), "sasl.allowed", 1,
                Duration.ofSeconds(30));
        assertThat(records).anySatisfy(r -> assertThat(json(r.value())).containsEntry("event_id", out.eventId().toString()));
        assertNoSecret(out, node.getMetrics(), node, node.config());
    }

    /**
     * The JAAS config read by Kafka's FileConfigProvider, as a secret kept out of the environment is: the admin client
     * the node checks topics and the cluster with got the {@code ${file:...}} text unresolved, and refused it.
     */
    @Test
    void aJaasConfigFromAConfigProviderReachesEveryClientOfTheNodeAndPublishes(@TempDir Path dir) throws Exception {
        Path secrets = dir.resolve("kafka-secrets.properties");
        java.util.Properties p = new java.util.Properties();
        p.setProperty("jaas", JAAS);
        try (java.io.Writer w = Files.newBufferedWriter(secrets)) {
            p.store(w, null);
        }
        Map<String, String> env = new java.util.HashMap<>(environment(PASSWORD));
        env.put("ONEX_KAFKA_CONFIG_PROVIDERS", "file");
        env.put("ONEX_KAFKA_CONFIG_PROVIDERS_FILE_CLASS", "org.apache.kafka.common.config.provider.FileConfigProvider");
        env.put("ONEX_KAFKA_SASL_JAAS_CONFIG", "${file:" + secrets + ":jaas}");

        NodeKafkaEventEffect node = node(env, new AtomicInteger(), new AtomicReference<>());
        ModelKafkaEventOutput out = node.executeEffect(event("allowed", "from a config provider")).get(30, TimeUnit.SECONDS);

        assertThat(out.success()).as(out.error()).isTrue();
        assertNoSecret(out, node.getMetrics(), node, node.config());
    }

    @Test
    void aHostThatInitializesTheNodeWithAWrongPasswordGetsASettingsErrorBeforeAnyStep() {
        NodeKafkaEventEffect node = new NodeKafkaEventEffect();
        nodes.add(node);

        assertThatThrownBy(() -> node.initialize(environment("wrong-" + PASSWORD)))
                .isInstanceOfSatisfying(NodeSettingsException.class, e -> {
                    assertThat(e.settings()).contains("ONEX_KAFKA_SASL_JAAS_CONFIG", "ONEX_KAFKA_SASL_MECHANISM",
                            "ONEX_KAFKA_SECURITY_PROTOCOL");
                    assertNoSecret(e.getMessage());
                })
                .hasMessageContaining("refused the client's credentials")
                .hasMessageContaining("AuthenticationException");
    }

    @Test
    void aWrongPasswordFailsWithinSecondsWithAnAuthenticationErrorAndNoRetryStorm() throws Exception {
        AtomicInteger sends = new AtomicInteger();
        AtomicReference<Producer<?, ?>> producer = new AtomicReference<>();
        NodeKafkaEventEffect node = node(environment("wrong-" + PASSWORD), sends, producer);

        long t0 = System.nanoTime();
        List<CompletableFuture<ModelKafkaEventOutput>> results = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            results.add(node.executeEffect(event("allowed", "attempt " + i)));
        }
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        // what the client does on its own meanwhile: it reconnects with backoff, a handful of times, not a storm
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                .until(() -> metric(producer.get().metrics(), "connection-creation-total") <= 20);
        Map<MetricName, ? extends Metric> clientMetrics = producer.get().metrics();
        double connections = metric(clientMetrics, "connection-creation-total");
        double failedAuthentications = metric(clientMetrics, "failed-authentication-total");

        System.out.printf("wrong password: 5 events failed in %d ms, %d sends, %s retries; the client opened %.0f"
                + " connections, %.0f failed authentication, in %d ms%n", took.toMillis(), sends.get(),
                node.getMetrics().get("retries_attempted"), connections, failedAuthentications, took.toMillis() + 2000);
        assertThat(took).as("fails within seconds").isLessThan(Duration.ofSeconds(5));
        for (CompletableFuture<ModelKafkaEventOutput> f : results) {
            ModelKafkaEventOutput out = f.join();
            assertThat(out.success()).isFalse();
            assertThat(out.errorType()).isEqualTo(ModelKafkaEventOutput.NON_RETRIABLE);
            assertThat(out.retries()).isZero();
            assertThat(out.error()).contains("SaslAuthenticationException").contains("Authentication failed");
            assertNoSecret(out, out.error(), out.envelope());
        }
        assertThat(node.getMetrics()).containsEntry("retries_attempted", 0L).containsEntry("events_failed", 5L);
        assertThat(sends.get()).as("at most the event and its dead letter, once each").isLessThanOrEqualTo(10);
        assertThat(connections).as("no reconnect storm").isLessThanOrEqualTo(10);
        assertNoSecret(node.getMetrics(), node, clientMetrics.keySet());
    }

    @Test
    void aTopicThePrincipalMayNotWriteFailsAsNonRetriableAtOnceAndIsReported() throws Exception {
        AtomicInteger sends = new AtomicInteger();
        NodeKafkaEventEffect node = node(environment(PASSWORD), sends, new AtomicReference<>());

        long t0 = System.nanoTime();
        ModelKafkaEventOutput out = node.executeEffect(event("forbidden", "no")).get(30, TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        System.out.printf("forbidden topic: failed in %d ms after %d sends: %s%n", took.toMillis(), sends.get(), out.error());
        assertThat(out.success()).isFalse();
        assertThat(out.errorType()).isEqualTo(ModelKafkaEventOutput.NON_RETRIABLE);
        assertThat(out.retriable()).isFalse();
        assertThat(out.retries()).isZero();
        assertThat(out.error()).contains("TopicAuthorizationException").contains("sasl.forbidden");
        // its dead-letter topic is forbidden too: both causes, the envelope back to the caller
        assertThat(out.error()).contains("dead-letter publish to sasl.forbidden.dlq also failed");
        assertThat(out.envelope()).contains(out.eventId().toString());
        assertThat(took).isLessThan(Duration.ofSeconds(5));
        assertThat(node.getMetrics()).containsEntry("retries_attempted", 0L).containsEntry("dlq_failures", 1L);

        // through the SPI, as a workflow sees it: a NodeExecutionException that is not retriable
        CompletableFuture<Map<String, Object>> spi = node.execute(Map.of("topic", "forbidden", "event_type", "SECURE",
                "payload", Map.of("n", 1))).toCompletableFuture();
        assertThat(spi).failsWithin(Duration.ofSeconds(10)).withThrowableThat().havingCause()
                .isInstanceOfSatisfying(NodeExecutionException.class, e -> {
                    assertThat(e.retriable()).isFalse();
                    assertThat(e.getMessage()).contains("TopicAuthorizationException");
                });
    }

    @Test
    void aRecordTheTopicRefusesWhoseDeadLetterTopicIsForbiddenReportsBothCauses() throws Exception {
        NodeKafkaEventEffect node = node(environment(PASSWORD), new AtomicInteger(), new AtomicReference<>());

        // incompressible: with lz4 (the node's default) 4000 repeated characters would fit the topic's 1024 bytes
        String text = KafkaEventEffectIT.incompressible(4000);
        ModelKafkaEventOutput out = node.executeEffect(event("small", text)).get(30, TimeUnit.SECONDS);

        assertThat(out.success()).isFalse();
        assertThat(out.deadLettered()).isFalse();
        assertThat(out.error()).startsWith("RecordTooLargeException")
                .contains("dead-letter publish to sasl.small.dlq also failed: TopicAuthorizationException");
        assertThat(out.envelope()).contains(text);
        assertThat(node.getMetrics()).containsEntry("dlq_failures", 1L).containsEntry("events_sent_to_dlq", 0L);
    }

    private static double metric(Map<MetricName, ? extends Metric> metrics, String name) {
        return metrics.entrySet().stream()
                .filter(e -> e.getKey().name().equals(name) && e.getKey().group().equals("producer-metrics"))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
    }
}
