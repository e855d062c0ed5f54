package ai.omninode.onex.kafka;

import static ai.omninode.onex.kafka.NodeKafkaEventEffectTest.json;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The node against a real in-process broker: what a consumer sees, dead letters, many events in flight. */
class KafkaEventEffectIT {
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void broker() {
        broker = SharedKafkaBroker.get();
    }

    static ModelKafkaEventConfig.Builder config(String prefix) {
        return ModelKafkaEventConfig.builder().bootstrapServers(broker.bootstrapServers()).topicPrefix(prefix)
                .retryBackoffMs(100);
    }

    @Test
    void aPublishedEventIsConsumedWithItsEnvelopeHeadersKeyAndPosition() throws Exception {
        String prefix = Topics.unique("it");
        broker.createTopic(prefix + ".quality.assessed.v1", 3);
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, config(prefix).build());
        node.initialize();
        try {
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("quality_score", 0.87);
            payload.put("entities_count", 42);
            payload.put("offset_big", 9_007_199_254_740_993L);
            payload.put("vectorized", true);
            payload.put("missing", null);
            payload.put("tags", List.of("a", 1, false));
            payload.put("nested", Map.of("name", "ünïcødé ✓"));
            UUID correlation = UUID.randomUUID();
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("trace_id", "t-1");
            headers.put("tenant", "acme");
            ModelKafkaEventOutput out = node.executeEffect(new ModelKafkaEventInput("quality.assessed.v1",
                    "QUALITY_ASSESSED", payload, correlation, "entity-42", headers)).get(30, TimeUnit.SECONDS);

            assertThat(out.success()).as("published: %s", out.error()).isTrue();
            assertThat(out.topic()).isEqualTo(prefix + ".quality.assessed.v1");
            List<ConsumerRecord<byte[], byte[]>> records = Consumers.readAll(broker.bootstrapServers(), out.topic(), 1,
                    Duration.ofSeconds(30));
            assertThat(records).hasSize(1);
            ConsumerRecord<byte[], byte[]> record = records.get(0);
            assertThat(record.partition()).isEqualTo(out.partition());
            assertThat(record.offset()).isEqualTo(out.offset());
            assertThat(new String(record.key(), UTF_8)).isEqualTo("entity-42");
            Map<String, Object> envelope = json(record.value());
            assertThat(envelope.keySet()).containsExactly("event_id", "event_type", "correlation_id", "timestamp",
                    "version", "source", "payload");
            assertThat(envelope).containsEntry("event_id", out.eventId().toString())
                    .containsEntry("event_type", "QUALITY_ASSESSED").containsEntry("correlation_id", correlation.toString())
                    .containsEntry("version", "1.0.0")
                    .containsEntry("source", Map.of("service", "omniintelligence", "node_type", "kafka_event_effect",
                            "node_id", node.nodeId()));
            assertThat((Double) envelope.get("timestamp")).isCloseTo(System.currentTimeMillis() / 1000.0,
                    org.assertj.core.data.Offset.offset(60.0));
            assertThat(envelope.get("payload")).isEqualTo(payload);
            Map<String, String> received = Consumers.headers(record);
            String traceparent = received.get("traceparent");
            assertThat(traceparent).as("a new trace: the caller gave none").matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
            assertThat(received).containsExactly(Map.entry("trace_id", "t-1"), Map.entry("tenant", "acme"),
                    Map.entry("correlation_id", correlation.toString()), Map.entry("event_type", "QUALITY_ASSESSED"),
                    Map.entry("event_id", out.eventId().toString()), Map.entry("traceparent", traceparent));
        } finally {
            node.shutdown();
        }
    }

    @Test
    void theNodeCreatesAMissingTopicAndWaitsForItBeforeProducing() throws Exception {
        String prefix = Topics.unique("it");
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, config(prefix).topicPartitions(3).build());
        node.initialize();
        try {
            List<CompletableFuture<ModelKafkaEventOutput>> results = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                results.add(node.executeEffect(ModelKafkaEventInput.builder().topic("fresh").eventType("E")
                        .payload("i", i).key("k" + i).build()));
            }
            CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

            assertThat(results).allSatisfy(f -> assertThat(f.join().success()).isTrue());
            assertThat(results).allSatisfy(f -> assertThat(f.join().retries()).isZero());
            try (Admin admin = broker.admin()) {
                assertThat(admin.describeTopics(List.of(prefix + ".fresh")).allTopicNames().get()
                        .get(prefix + ".fresh").partitions()).hasSize(3);
            }
            assertThat(node.getMetrics()).containsEntry("events_published", 2000L).containsEntry("retries_attempted", 0L);
        } finally {
            node.shutdown();
        }
    }

    /** Text that lz4 (the node's default compression) cannot shrink below the topic's limit, unlike "x".repeat(n). */
    static String incompressible(int length) {
        java.util.Random random = new java.util.Random(7);
        StringBuilder sb = new StringBuilder(length);
        String chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        for (int i = 0; i < length; i++) {
            sb.append(chars.charAt(random.nextInt(chars.length())));
        }
        return sb.toString();
    }

    @Test
    void aRecordTooLargeForItsTopicLandsInTheDeadLetterTopicWithoutRetries() throws Exception {
        String prefix = Topics.unique("it");
        broker.createTopic(prefix + ".small", 1, Map.of("max.message.bytes", "1024"));
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, config(prefix).maxRetries(3).build());
        node.initialize();
        try {
            ModelKafkaEventOutput out = node.executeEffect(ModelKafkaEventInput.builder().topic("small")
                    .eventType("TOO_BIG").payload("text", incompressible(4000)).key("doc-7")
                    .header("trace_id", "t-7").build()).get(30, TimeUnit.SECONDS);

            assertThat(out.success()).isFalse();
            assertThat(out.deadLettered()).isTrue();
            assertThat(out.retries()).isZero();
            assertThat(out.errorType()).isEqualTo(ModelKafkaEventOutput.NON_RETRIABLE);
            assertThat(out.dlqTopic()).isEqualTo(prefix + ".small.dlq");
            assertThat(out.error()).startsWith("RecordTooLargeException");
            assertThat(node.getMetrics()).containsEntry("retries_attempted", 0L).containsEntry("events_failed", 1L)
                    .containsEntry("events_sent_to_dlq", 1L).containsEntry("dlq_failures", 0L);

            List<ConsumerRecord<byte[], byte[]>> dead = Consumers.readAll(broker.bootstrapServers(), out.dlqTopic(), 1,
                    Duration.ofSeconds(30));
            assertThat(dead).hasSize(1);
            assertThat(new String(dead.get(0).key(), UTF_8)).isEqualTo("doc-7");
            Map<String, Object> body = json(dead.get(0).value());
            assertThat(body.keySet()).containsExactly("original_topic", "original_envelope", "error_message",
                    "error_timestamp", "node_id", "retry_count");
            assertThat(body).containsEntry("original_topic", prefix + ".small").containsEntry("error_message", out.error())
                    .containsEntry("node_id", node.nodeId()).containsEntry("retry_count", 0);
            assertThat(body.get("error_timestamp")).isInstanceOf(Double.class);
            assertThat(body.get("original_envelope")).isEqualTo(json(out.envelope().getBytes(UTF_8)));
            assertThat(Consumers.headers(dead.get(0))).containsEntry("dead-letter-reason", out.error())
                    .containsEntry("dead-letter-exception-class-name", RecordTooLargeException.class.getName())
                    .containsEntry("dead-letter-topic", prefix + ".small")
                    .containsEntry("correlation_id", out.correlationId().toString())
                    .as("the caller's header travels with the dead letter").containsEntry("trace_id", "t-7");
            try (Admin admin = broker.admin()) {
                TopicPartition small = new TopicPartition(prefix + ".small", 0);
                assertThat(admin.listOffsets(Map.of(small, OffsetSpec.latest())).all().get().get(small).offset())
                        .as("nothing was written to the original topic").isZero();
            }
        } finally {
            node.shutdown();
        }
    }

    @Test
    void aDeadLetterTooLargeForTheProducerKeepsMetadataWithATruncatedPayload() throws Exception {
        String prefix = Topics.unique("it");
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, config(prefix).build());
        node.initialize();
        try {
            String big = "y".repeat(1_200_000); // larger than max.request.size (1 MiB): refused before it is sent
            ModelKafkaEventOutput out = node.executeEffect(ModelKafkaEventInput.builder().topic("huge")
                    .eventType("HUGE").payload("blob", big).build()).get(30, TimeUnit.SECONDS);

            assertThat(out.deadLettered()).as(out.error()).isTrue();
            List<ConsumerRecord<byte[], byte[]>> dead = Consumers.readAll(broker.bootstrapServers(), out.dlqTopic(), 1,
                    Duration.ofSeconds(30));
            Map<String, Object> body = json(dead.get(0).value());
            assertThat(body).containsEntry("truncated", true);
            @SuppressWarnings("unchecked")
            Map<String, Object> envelope = (Map<String, Object>) body.get("original_envelope");
            byte[] payloadJson = ("{\"blob\":\"" + big + "\"}").getBytes(UTF_8);
            assertThat(envelope).containsEntry("event_id", out.eventId().toString())
                    .containsEntry("payload_size_bytes", payloadJson.length)
                    .containsEntry("payload_sha256", java.util.HexFormat.of().formatHex(
                            MessageDigest.getInstance("SHA-256").digest(payloadJson)));
            assertThat((String) envelope.get("payload_truncated")).hasSize(1024).startsWith("{\"blob\":\"yyy");
            assertThat(dead.get(0).value().length).isLessThan(4096);
        } finally {
            node.shutdown();
        }
    }

    /**
     * A program that hands the node its events and shuts down without waiting for them (a script, a batch job): the
     * first events to a topic wait for its creation, and shutdown lets them go on within its bound; the producer's
     * own close sends what it holds. Then no new event is taken.
     */
    @Test
    void shutdownSendsTheEventsHandedInEvenTheFirstOnesToANewTopic() throws Exception {
        String prefix = Topics.unique("it");
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, config(prefix).build());
        node.initialize();
        int n = 500;
        List<CompletableFuture<ModelKafkaEventOutput>> results = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            results.add(node.executeEffect(ModelKafkaEventInput.builder().topic(i % 2 == 0 ? "new.a" : "new.b")
                    .eventType("E").payload("i", i).build()));
        }

        node.shutdown();

        for (CompletableFuture<ModelKafkaEventOutput> f : results) {
            ModelKafkaEventOutput out = f.get(30, TimeUnit.SECONDS);
            assertThat(out.success()).as(out.error()).isTrue();
        }
        assertThat(Consumers.readAll(broker.bootstrapServers(), prefix + ".new.a", n / 2, Duration.ofSeconds(60)))
                .hasSize(n / 2);
        assertThat(Consumers.readAll(broker.bootstrapServers(), prefix + ".new.b", n / 2, Duration.ofSeconds(60)))
                .hasSize(n / 2);
        assertThatThrownBy(() -> node.executeEffect(ModelKafkaEventInput.builder().topic("new.a").eventType("E")
                .build())).isInstanceOf(IllegalStateException.class).hasMessageContaining("Kafka producer not initialized");
    }

    @Test
    void tenThousandEventsInFlightAllConfirmAndTheConsumerSeesEachEventIdOnce() throws Exception {
        String prefix = Topics.unique("it");
        broker.createTopic(prefix + ".bulk", 3);
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, config(prefix).build());
        node.initialize();
        try {
            int n = 10_000;
            List<CompletableFuture<ModelKafkaEventOutput>> results = new ArrayList<>(n);
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                results.add(node.executeEffect(ModelKafkaEventInput.builder().topic("bulk").eventType("BULK")
                        .payload("i", i).payload("document_id", "doc-" + i).build()));
            }
            long submitted = System.nanoTime();
            CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            long confirmed = System.nanoTime();
            System.out.printf("10k in flight: submitted in %d ms, all confirmed after %d ms; p50 %.3f ms, p99 %.3f ms%n",
                    (submitted - t0) / 1_000_000, (confirmed - t0) / 1_000_000,
                    node.getMetrics().get("p50_publish_time_ms"), node.getMetrics().get("p99_publish_time_ms"));

            Set<String> ids = new HashSet<>();
            for (CompletableFuture<ModelKafkaEventOutput> f : results) {
                ModelKafkaEventOutput out = f.join();
                assertThat(out.success()).as(out.error()).isTrue();
                ids.add(out.eventId().toString());
            }
            assertThat(ids).hasSize(n);
            List<ConsumerRecord<byte[], byte[]>> records = Consumers.readAll(broker.bootstrapServers(), prefix + ".bulk", n,
                    Duration.ofSeconds(60));
            List<String> seen = records.stream().map(r -> (String) json(r.value()).get("event_id")).toList();
            assertThat(seen).hasSize(n).doesNotHaveDuplicates();
            assertThat(new HashSet<>(seen)).isEqualTo(ids);
            assertThat(node.getMetrics()).containsEntry("events_published", (long) n).containsEntry("events_failed", 0L);
        } finally {
            node.shutdown();
        }
    }
}
