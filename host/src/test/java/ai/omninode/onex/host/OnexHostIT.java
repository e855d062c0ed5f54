package ai.omninode.onex.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.omninode.onex.host.internal.DeadLetters;
import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowLoader;
import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The host in this JVM, on the test JVM's shared broker, serving {@code examples/document_ingestion.yaml} with the real
 * Kafka node and the example nodes (on the test classpath): delivery, poison triggers, a broker restart, a rebalance.
 */
class OnexHostIT {
    private static final Path REPO = Path.of(System.getProperty("onex.test.repo", "..")).normalize();
    private static EmbeddedKafkaBroker broker;
    private static NodeRegistry registry;
    private static Workflow workflow;
    private final List<OnexHost> hosts = new ArrayList<>();
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() {
        broker = SharedKafkaBroker.get();
        registry = NodeRegistry.builder().classLoader(OnexHostIT.class.getClassLoader()).build();
        workflow = new WorkflowLoader().load(REPO.resolve("examples/document_ingestion.yaml"));
    }

    @AfterEach
    void stopHosts() {
        hosts.forEach(OnexHost::close);
    }

    private OnexHost host(String prefix, Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>();
        settings.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        settings.put("KAFKA_TOPIC_PREFIX", prefix);
        settings.putAll(extra);
        OnexHost host = OnexHost.builder().registry(newRegistry()).settings(settings).workflow(workflow).concurrency(8)
                .drainTimeout(Duration.ofSeconds(20)).events(line -> events.add(line)).build();
        hosts.add(host);
        return host.start();
    }

    /** Each host owns its nodes, as a process would (a node is one instance, closed with its host). */
    private static NodeRegistry newRegistry() {
        return NodeRegistry.builder().classLoader(OnexHostIT.class.getClassLoader()).build();
    }

    private static double gauge(OnexHost host, String name) {
        return host.meterRegistry().get(name).gauge().value();
    }

    private static double count(OnexHost host, String outcome) {
        Counter c = host.meterRegistry().find("onex.host.runs").tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void twoHostsInOneGroupSplitThePartitionsAndEveryTriggerPublishesOneEventAndIsCommitted() throws Exception {
        String prefix = Triggers.prefix("split");
        String topic = prefix + "." + Triggers.REQUEST_TOPIC;
        broker.createTopic(topic, 6);
        broker.createTopic(prefix + "." + Triggers.COMPLETED_TOPIC, 3);
        int n = 1200;
        try (KafkaProducer<byte[], byte[]> producer = Triggers.producer(broker.bootstrapServers());
                Admin admin = broker.admin()) {
            OnexHost a = host(prefix, Map.of());
            Triggers.send(producer, topic, 0, n / 2);
            OnexHost b = host(prefix, Map.of());
            // a rebalance while the first half runs: the second host takes partitions from the first
            await().atMost(Duration.ofMinutes(1)).until(() -> !b.status().get(0).partitions().isEmpty());
            Triggers.send(producer, topic, n / 2, n);
            try (Triggers.Reader reader = new Triggers.Reader(broker.bootstrapServers(),
                    prefix + "." + Triggers.COMPLETED_TOPIC)) {
                await().atMost(Duration.ofMinutes(3)).until(() -> reader.poll() == n);
                String group = OnexHost.defaultGroupId(prefix, workflow);
                await().atMost(Duration.ofMinutes(1)).until(() -> Triggers.allCommitted(
                        Triggers.committedAndEnd(admin, group, topic)));
                reader.poll();
                await().atMost(Duration.ofMinutes(1)).until(() -> a.status().get(0).partitions().size()
                        + b.status().get(0).partitions().size() == 6);

                assertThat(reader.inconsistent()).as("every copy of a document's event has one event_id").isEmpty();
                assertThat(reader.distinctEventIds()).as("one distinct event_id per trigger").isEqualTo(n);
                assertThat(a.status().get(0).partitions()).as("each host holds partitions").isNotEmpty();
                assertThat(b.status().get(0).partitions()).isNotEmpty();
                Set<String> held = new TreeSet<>(a.status().get(0).partitions());
                held.addAll(b.status().get(0).partitions());
                assertThat(held).hasSize(6);
                assertThat(Collections.disjoint(a.status().get(0).partitions(), b.status().get(0).partitions())).isTrue();
                assertThat(count(a, "succeeded") + count(b, "succeeded")).isGreaterThanOrEqualTo(n);
                assertThat(a.meterRegistry().find("onex.kafka.events").meters())
                        .as("the Kafka node's own meters, bound by the runner, in the host's registry").isNotEmpty();
                assertThat(a.meterRegistry().find("onex.workflow.runs").timers()).isNotEmpty();
                System.out.printf("split: %d triggers, %d events (%d repeats), host A ran %.0f, host B ran %.0f%n", n,
                        reader.copies, reader.copies - n, count(a, "succeeded"), count(b, "succeeded"));
            }
        }
    }

    /**
     * A read_committed consumer never returns a transaction's commit or abort marker, nor aborted triggers: committing
     * one past the last trigger it ran left a partition that ends with a marker at a lag of one (five after an aborted
     * transaction of four) for ever, where a lag alert or a scale-to-zero rule waits for zero.
     */
    @Test
    void triggersFromTransactionsAreCommittedPastTheirMarkersAndAbortedOnesNeverRun() throws Exception {
        String prefix = Triggers.prefix("txn");
        String topic = prefix + "." + Triggers.REQUEST_TOPIC;
        broker.createTopic(topic, 1);
        broker.createTopic(prefix + "." + Triggers.COMPLETED_TOPIC, 1);
        Map<String, Object> settings = new HashMap<>();
        settings.put(org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        settings.put(org.apache.kafka.clients.producer.ProducerConfig.TRANSACTIONAL_ID_CONFIG, prefix + ".tx");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(settings,
                new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer());
                Admin admin = broker.admin();
                Triggers.Reader reader = new Triggers.Reader(broker.bootstrapServers(),
                        prefix + "." + Triggers.COMPLETED_TOPIC)) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(topic, Triggers.envelope("committed-" + i)));
            }
            producer.commitTransaction();
            producer.beginTransaction();
            for (int i = 0; i < 4; i++) {
                producer.send(new ProducerRecord<>(topic, Triggers.envelope("aborted-" + i)));
            }
            producer.flush();
            producer.abortTransaction();
            host(prefix, Map.of());

            String group = OnexHost.defaultGroupId(prefix, workflow);
            await().atMost(Duration.ofMinutes(1)).until(() -> reader.poll() >= 3
                    && Triggers.allCommitted(Triggers.committedAndEnd(admin, group, topic)));

            assertThat(Triggers.committedAndEnd(admin, group, topic).get(0))
                    .as("3 triggers, their commit marker, 4 aborted ones and their abort marker: all committed")
                    .containsExactly(9, 9);
            reader.poll();
            assertThat(reader.eventIds.keySet()).as("the committed triggers ran, the aborted ones did not")
                    .containsExactlyInAnyOrder("committed-0", "committed-1", "committed-2");
        }
    }

    @Test
    void poisonTriggersGoToTheDeadLetterTopicWithTheirHeadersWhileGoodOnesOnTheSamePartitionFlow() throws Exception {
        String prefix = Triggers.prefix("poison");
        String topic = prefix + "." + Triggers.REQUEST_TOPIC;
        broker.createTopic(topic, 1);
        broker.createTopic(prefix + "." + Triggers.COMPLETED_TOPIC, 1);
        Map<String, byte[]> poison = new LinkedHashMap<>();
        poison.put("not-json", "this is not JSON".getBytes(StandardCharsets.UTF_8));
        poison.put("array", "[{\"document_id\":\"a\"}]".getBytes(StandardCharsets.UTF_8));
        poison.put("string", "\"just text\"".getBytes(StandardCharsets.UTF_8));
        poison.put("empty", new byte[0]);
        poison.put("bad-utf8", new byte[] {'{', '"', 'x', '"', ':', '"', (byte) 0xFF, (byte) 0xFE, '"', '}'});
        poison.put("missing-fields", "{\"document_id\":\"p1\"}".getBytes(StandardCharsets.UTF_8));
        poison.put("wrong-types", "{\"document_id\":7,\"content\":[\"x\"],\"metadata\":{\"language\":\"en\"}}"
                .getBytes(StandardCharsets.UTF_8));
        poison.put("huge", ("{\"document_id\":\"big\",\"content\":\"" + "x".repeat(OnexHost.DEFAULT_MAX_TRIGGER_BYTES)
                + "\",\"metadata\":{\"language\":\"en\"}}").getBytes(StandardCharsets.UTF_8));
        poison.put("duplicate-keys", "{\"document_id\":\"a\",\"document_id\":\"b\",\"content\":\"c\",\"metadata\":{}}"
                .getBytes(StandardCharsets.UTF_8));
        poison.put("nan", "{\"document_id\":\"a\",\"content\":NaN}".getBytes(StandardCharsets.UTF_8));
        poison.put("too-deep", "[".repeat(5000).getBytes(StandardCharsets.UTF_8));
        String envelope = "{\"event_id\":\"" + java.util.UUID.randomUUID() + "\",\"timestamp\":1.5,";
        poison.put("envelope-payload-not-object", (envelope + "\"event_type\":\"X\",\"payload\":\"doc\"}")
                .getBytes(StandardCharsets.UTF_8));
        poison.put("envelope-bad-correlation-id", (envelope + "\"event_type\":\"X\",\"correlation_id\":42,\"payload\":"
                + "{\"document_id\":\"a\",\"content\":\"c\",\"metadata\":{\"language\":\"en\"}}}").getBytes(StandardCharsets.UTF_8));
        poison.put("trailing-content", "{\"document_id\":\"a\"} {}".getBytes(StandardCharsets.UTF_8));

        Map<String, String> settings = Map.of("ONEX_KAFKA_MAX_REQUEST_SIZE", "4194304");
        OnexHost host = host(prefix, settings);
        try (KafkaProducer<byte[], byte[]> producer = producerFor(4 << 20); Admin admin = broker.admin()) {
            admin.incrementalAlterConfigs(Map.of(new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic), List.of(
                    new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry(
                            "max.message.bytes", "4194304"), org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET))))
                    .all().get();
            int good = 0;
            for (Map.Entry<String, byte[]> p : poison.entrySet()) {
                String id = "doc-" + good++;
                producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), Triggers.envelope(id))).get();
                ProducerRecord<byte[], byte[]> bad = new ProducerRecord<>(topic, ("poison-" + p.getKey())
                        .getBytes(StandardCharsets.UTF_8), p.getValue());
                bad.headers().add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
                        .getBytes(StandardCharsets.UTF_8));
                producer.send(bad).get();
            }
            producer.send(new ProducerRecord<>(topic, "tombstone".getBytes(StandardCharsets.UTF_8), null)).get();
            poison.put("tombstone", null);
            String id = "doc-" + good++;
            producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), Triggers.envelope(id))).get();
            int goodCount = good;

            try (Triggers.Reader events = new Triggers.Reader(broker.bootstrapServers(),
                    prefix + "." + Triggers.COMPLETED_TOPIC)) {
                await().atMost(Duration.ofMinutes(2)).until(() -> events.poll() == goodCount);
            }
            String dlq = topic + DeadLetters.SUFFIX;
            try (Triggers.Reader dead = new Triggers.Reader(broker.bootstrapServers(), dlq)) {
                await().atMost(Duration.ofMinutes(1)).until(() -> {
                    dead.poll();
                    return dead.records.size() >= poison.size();
                });
                assertThat(dead.records).hasSize(poison.size());
                Map<String, ConsumerRecord<byte[], byte[]>> byKey = new HashMap<>();
                dead.records.forEach(r -> byKey.put(new String(r.key(), StandardCharsets.UTF_8), r));
                for (Map.Entry<String, byte[]> p : poison.entrySet()) {
                    ConsumerRecord<byte[], byte[]> r = byKey.get("poison-" + p.getKey());
                    if (p.getKey().equals("tombstone")) {
                        r = byKey.get("tombstone");
                    }
                    assertThat(r).as(p.getKey()).isNotNull();
                    if (p.getKey().equals("huge")) {
                        assertThat(header(r, DeadLetters.TRUNCATED)).isEqualTo("true");
                        assertThat(header(r, DeadLetters.VALUE_BYTES)).isEqualTo(Integer.toString(p.getValue().length));
                        assertThat(r.value()).isEqualTo(java.util.Arrays.copyOf(p.getValue(), 1024));
                    } else {
                        assertThat(r.value()).as(p.getKey() + ": the original value").isEqualTo(p.getValue());
                    }
                    assertThat(header(r, DeadLetters.TOPIC)).isEqualTo(topic);
                    assertThat(header(r, DeadLetters.PARTITION)).isEqualTo("0");
                    assertThat(header(r, DeadLetters.OFFSET)).matches("\\d+");
                    assertThat(header(r, DeadLetters.WORKFLOW)).isEqualTo("document_ingestion");
                    assertThat(header(r, DeadLetters.REASON)).as(p.getKey()).isNotBlank();
                    if (!p.getKey().equals("tombstone")) {
                        assertThat(header(r, "traceparent")).as("the original headers stay")
                                .isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
                    }
                    System.out.printf("dead letter %-28s %s%n", p.getKey(), header(r, DeadLetters.REASON)
                            .substring(0, Math.min(110, header(r, DeadLetters.REASON).length())));
                }
            }
            await().atMost(Duration.ofMinutes(1)).until(() -> Triggers.allCommitted(Triggers.committedAndEnd(admin,
                    OnexHost.defaultGroupId(prefix, workflow), topic)));
            Counter dead = host.meterRegistry().find("onex.host.triggers.dead.lettered").counter();
            assertThat(host.meterRegistry().find("onex.host.triggers.dead.lettered").counters().stream()
                    .mapToDouble(Counter::count).sum()).isEqualTo(poison.size());
            assertThat(dead).isNotNull();
            assertThat(host.ready()).isTrue();
        }
    }

    @Test
    void aBrokerRestartWhileServingIsRiddenOutAndNoTriggerIsSkipped() throws Exception {
        String prefix = Triggers.prefix("restart");
        String topic = prefix + "." + Triggers.REQUEST_TOPIC;
        broker.createTopic(topic, 3);
        broker.createTopic(prefix + "." + Triggers.COMPLETED_TOPIC, 3);
        Map<String, String> quick = Map.of("ONEX_KAFKA_DELIVERY_TIMEOUT_MS", "2000", "ONEX_KAFKA_REQUEST_TIMEOUT_MS",
                "1000", "ONEX_KAFKA_RECONNECT_BACKOFF_MAX_MS", "200", "KAFKA_EVENT_MAX_RETRIES", "1",
                "KAFKA_EVENT_RETRY_BACKOFF_MS", "100", "KAFKA_EVENT_CIRCUIT_BREAKER_TIMEOUT_S", "1");
        int n = 600;
        OnexHost host = host(prefix, quick);
        try (Triggers.Reader reader = new Triggers.Reader(broker.bootstrapServers(),
                prefix + "." + Triggers.COMPLETED_TOPIC); Admin admin = broker.admin()) {
            try (KafkaProducer<byte[], byte[]> producer = Triggers.producer(broker.bootstrapServers())) {
                Triggers.send(producer, topic, 0, n);
            }
            await().atMost(Duration.ofMinutes(1)).until(() -> reader.poll() >= 50);
            broker.stop();
            try {
                await().atMost(Duration.ofMinutes(1)).until(() -> count(host, "infrastructure") > 0);
                assertThat(host.ready()).as("health says runs wait for the infrastructure").isFalse();
                // many keys wait out a backoff, on at most the 3 partitions held
                await().atMost(Duration.ofMinutes(1)).until(() -> gauge(host, "onex.host.key.queues.retrying") > 3
                        && gauge(host, "onex.host.partitions.retrying") > 0);
                assertThat(gauge(host, "onex.host.partitions.retrying")).isBetween(1.0, 3.0);
            } finally {
                broker.start();
            }
            await().atMost(Duration.ofMinutes(3)).until(() -> reader.poll() == n);
            await().atMost(Duration.ofMinutes(1)).until(() -> Triggers.allCommitted(Triggers.committedAndEnd(admin,
                    OnexHost.defaultGroupId(prefix, workflow), topic)));
            reader.poll();

            assertThat(reader.inconsistent()).as("repeats share the first copy's event_id").isEmpty();
            assertThat(reader.distinctEventIds()).isEqualTo(n);
            await().atMost(Duration.ofMinutes(1)).until(host::ready);
            System.out.printf("broker restart: %d triggers, %.0f runs failed for the infrastructure and ran again,"
                    + " %d events (%d repeats, each with its first event_id)%n", n, count(host, "infrastructure"),
                    reader.copies, reader.copies - n);
        }
    }

    @Test
    void triggersWithOneKeyRunInOffsetOrderWhileOtherKeysRunBetweenThem() throws Exception {
        String prefix = Triggers.prefix("order");
        String topic = prefix + "." + Triggers.REQUEST_TOPIC;
        broker.createTopic(topic, 1);
        // one partition for the events too: their offsets are the order in which the runs published them
        broker.createTopic(prefix + "." + Triggers.COMPLETED_TOPIC, 1);
        int keys = 4;
        int perKey = 60;
        try (KafkaProducer<byte[], byte[]> producer = Triggers.producer(broker.bootstrapServers())) {
            for (int i = 0; i < perKey; i++) {
                for (int k = 0; k < keys; k++) {
                    String id = "key" + k + "-" + i;
                    producer.send(new ProducerRecord<>(topic, ("key" + k).getBytes(StandardCharsets.UTF_8),
                            Triggers.envelope(id)));
                }
            }
            producer.flush();
        }
        host(prefix, Map.of());
        try (Triggers.Reader reader = new Triggers.Reader(broker.bootstrapServers(), prefix + "."
                + Triggers.COMPLETED_TOPIC)) {
            await().atMost(Duration.ofMinutes(2)).until(() -> reader.poll() == keys * perKey);
            Map<String, List<Integer>> order = new HashMap<>();
            List<String> all = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : reader.records) {
                String doc = tools.jackson.databind.json.JsonMapper.builder().build().readTree(r.value())
                        .at("/payload/document_id").asString();
                all.add(doc);
                order.computeIfAbsent(doc.substring(0, doc.indexOf('-')), k -> new ArrayList<>())
                        .add(Integer.parseInt(doc.substring(doc.indexOf('-') + 1)));
            }
            for (List<Integer> seq : order.values()) {
                assertThat(seq).as("one key's runs, in the order they published").isSorted().hasSize(perKey);
            }
            long switches = java.util.stream.IntStream.range(1, all.size())
                    .filter(i -> !all.get(i).startsWith(all.get(i - 1).substring(0, 4))).count();
            assertThat(switches).as("other keys ran in between (concurrently)").isGreaterThan(keys);
        }
    }

    @Test
    void healthAndPrometheusMetricsAreServedWithTheNodesOwnMetersAndNoSetting() throws Exception {
        String prefix = Triggers.prefix("http");
        Workflow metered = new WorkflowLoader().load("metered.yaml", """
                name: metered
                version: {major: 3, minor: 0, patch: 0}
                event_bus:
                  subscribe_topics: [metered.requested.v1]
                steps:
                  - name: echo
                    type: compute
                    compute_node: test_metered
                    input: {value: "${input.value}"}
                """);
        OnexHost host = OnexHost.builder().registry(newRegistry()).workflow(metered).httpPort(0)
                .settings(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "KAFKA_TOPIC_PREFIX", prefix,
                        "MY_API_TOKEN", "s3cr3t-value-never-served"))
                .events(events::add).build();
        hosts.add(host);
        host.start();
        String base = "http://127.0.0.1:" + host.httpPort();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.util.function.Function<String, java.net.http.HttpResponse<String>> get = path -> {
            try {
                return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + path)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        await().atMost(Duration.ofMinutes(1)).until(() -> get.apply("/health/ready").statusCode() == 200);
        try (KafkaProducer<byte[], byte[]> producer = Triggers.producer(broker.bootstrapServers())) {
            producer.send(new ProducerRecord<>(prefix + ".metered.requested.v1", null,
                    "{\"value\":\"a\"}".getBytes(StandardCharsets.UTF_8))).get();
        }
        await().atMost(Duration.ofMinutes(1)).until(() -> count(host, "succeeded") == 1);

        var live = get.apply("/health/live");
        var health = get.apply("/health");
        var metrics = get.apply("/metrics");
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"ready\"", "\"group\":\"" + prefix + ".metered.consume.v3\"",
                prefix + ".metered.requested.v1-0");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("test_metered_calls_total 1.0",
                "onex_host_runs_total{outcome=\"succeeded\",workflow=\"metered\"} 1.0",
                "onex_host_consumer_lag{partition=\"0\",topic=\"" + prefix + ".metered.requested.v1\",workflow=\"metered\"}",
                "onex_host_trigger_latency_seconds_count{workflow=\"metered\"} 1", "jvm_memory_used_bytes",
                "onex_workflow_runs_seconds_count{outcome=\"succeeded\",workflow=\"metered\"} 1");
        assertThat(ai.omninode.onex.host.testnodes.MeteredEcho.BOUND_WITH.get())
                .isSameAs(ai.omninode.onex.host.testnodes.MeteredEcho.class.getClassLoader());
        for (String body : List.of(health.body(), metrics.body(), String.join("\n", events))) {
            assertThat(body).doesNotContain("s3cr3t");
        }
        assertThat(get.apply("/nope").statusCode()).isEqualTo(404);
    }

    @Test
    void healthNamesANodeStuckInCallsThatStepsGaveUpOnAndTheGaugeCountsThem() throws Exception {
        String prefix = Triggers.prefix("stuck");
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        ai.omninode.onex.host.testnodes.GateCompute.ON_COMPUTE.set(() -> { // a node that blocks on through interrupts
            while (release.getCount() > 0) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    // carelessly ignored
                }
            }
        });
        Workflow stuck = new WorkflowLoader().load("stuck.yaml", """
                name: stuck
                version: {major: 1, minor: 0, patch: 0}
                event_bus:
                  subscribe_topics: [stuck.requested.v1]
                steps:
                  - {name: call, type: compute, compute_node: test_gate, timeout_ms: 100}
                """);
        try {
            OnexHost host = OnexHost.builder().registry(newRegistry()).workflow(stuck).httpPort(0)
                    .settings(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "KAFKA_TOPIC_PREFIX",
                            prefix))
                    .events(events::add).build();
            hosts.add(host);
            host.start();
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.http.HttpRequest health = java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + host.httpPort() + "/health")).build();
            assertThat(http.send(health, java.net.http.HttpResponse.BodyHandlers.ofString()).body())
                    .contains("\"unanswered_calls\":{}");
            try (KafkaProducer<byte[], byte[]> producer = Triggers.producer(broker.bootstrapServers())) {
                producer.send(new ProducerRecord<>(prefix + ".stuck.requested.v1", null,
                        "{}".getBytes(StandardCharsets.UTF_8))).get();
            }

            await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(
                    http.send(health, java.net.http.HttpResponse.BodyHandlers.ofString()).body())
                    .contains("\"unanswered_calls\":{\"test_gate\":1}"));
            assertThat(host.meterRegistry().get("onex.workflow.steps.unanswered").tag("node", "test_gate").gauge()
                    .value()).isEqualTo(1);
        } finally {
            release.countDown();
            ai.omninode.onex.host.testnodes.GateCompute.ON_COMPUTE.set(() -> { });
        }
    }

    private KafkaProducer<byte[], byte[]> producerFor(int maxRequest) {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("key.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        p.put("value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        p.put("max.request.size", maxRequest);
        return new KafkaProducer<>(p);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
