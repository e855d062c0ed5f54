package ai.omninode.onex.kafka;

import static ai.omninode.onex.kafka.NodeKafkaEventEffectTest.headers;
import static ai.omninode.onex.kafka.NodeKafkaEventEffectTest.json;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.kafka.internal.EventPublisher;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

/** Retries, their backoff, and dead letters, on MockProducer with a scheduler that never waits. */
class RetryAndDeadLetterTest {

    static ModelKafkaEventInput input() {
        return ModelKafkaEventInput.builder().topic("quality.assessed.v1").eventType("QUALITY_ASSESSED")
                .payload("quality_score", 0.87).key("entity-1").build();
    }

    /** What KafkaProducer.send reports by itself when it has no metadata for the topic: the record never left. */
    static TimeoutException noMetadata(String topic) {
        return new TimeoutException("Topic " + topic + " not present in metadata after 200 ms.");
    }

    /** Fails the pending send with {@code error}, then runs what the node scheduled (the retry, the dead letter). */
    static void fail(MockNode m, RuntimeException error) {
        assertThat(m.producer.errorNext(error)).as("a send was pending").isTrue();
        m.scheduler.runAll();
    }

    static List<ProducerRecord<byte[], byte[]>> sentTo(MockNode m, String topic) {
        return m.producer.history().stream().filter(r -> r.topic().equals(topic)).toList();
    }

    @Test
    void retriesTwiceThenSucceedsWaitingBackoffTimesTwoToTheAttempt() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().retryBackoffMs(100).maxRetries(3).build(), false)) {
            m.producer.sendException = noMetadata("test.quality.assessed.v1");
            CompletableFuture<ModelKafkaEventOutput> result = m.node.executeEffect(input());
            assertThat(m.scheduler.runNext()).isTrue(); // retry 1, refused again
            m.producer.sendException = null;
            assertThat(m.scheduler.runNext()).isTrue(); // retry 2, taken
            assertThat(m.ack()).isTrue();

            ModelKafkaEventOutput out = result.get();
            assertThat(out.success()).isTrue();
            assertThat(out.retries()).isEqualTo(2);
            assertThat(out.offset()).isZero();
            assertThat(m.scheduler.delays()).containsExactly(100L, 200L);
            assertThat(sentTo(m, "test.quality.assessed.v1")).as("the two refused sends never reached the producer")
                    .hasSize(1);
            assertThat(m.metrics()).containsEntry("retries_attempted", 2L).containsEntry("events_published", 1L)
                    .containsEntry("events_failed", 0L).containsEntry("current_failures", 0L);
        }
    }

    @Test
    void retriesExactlyMaxRetriesThenSendsToTheDeadLetterTopic() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().retryBackoffMs(1000).maxRetries(3).build(), false)) {
            m.producer.sendException = noMetadata("test.quality.assessed.v1");
            CompletableFuture<ModelKafkaEventOutput> result = m.node.executeEffect(input());
            for (int retry = 1; retry <= 3; retry++) {
                assertThat(m.scheduler.runNext()).isTrue();
            }
            m.producer.sendException = null; // the dead letter goes through
            m.scheduler.runAll();
            assertThat(result).isNotDone(); // the dead letter is not acknowledged yet
            assertThat(m.ack()).isTrue();

            ModelKafkaEventOutput out = result.get();
            assertThat(m.scheduler.delays()).containsExactly(1000L, 2000L, 4000L);
            assertThat(sentTo(m, "test.quality.assessed.v1")).isEmpty();
            assertThat(out.success()).isFalse();
            assertThat(out.retries()).isEqualTo(3);
            assertThat(out.deadLettered()).isTrue();
            assertThat(out.dlqTopic()).isEqualTo("test.quality.assessed.v1.dlq");
            assertThat(out.errorType()).isEqualTo(ModelKafkaEventOutput.RETRIES_EXHAUSTED);
            assertThat(out.retriable()).as("it never left the node: sending it later is safe").isTrue();
            assertThat(out.error()).isEqualTo("TimeoutException: Topic test.quality.assessed.v1 not present in metadata"
                    + " after 200 ms. (after 3 retries)");
            assertThat(m.metrics()).containsEntry("retries_attempted", 3L).containsEntry("events_failed", 1L)
                    .containsEntry("events_sent_to_dlq", 1L).containsEntry("dlq_failures", 0L)
                    .containsEntry("events_published", 0L);

            ProducerRecord<byte[], byte[]> dead = sentTo(m, "test.quality.assessed.v1.dlq").get(0);
            assertThat(new String(dead.key(), UTF_8)).isEqualTo("entity-1");
            Map<String, Object> body = json(dead.value());
            assertThat(body.keySet()).containsExactly("original_topic", "original_envelope", "error_message",
                    "error_timestamp", "node_id", "retry_count");
            assertThat(body).containsEntry("original_topic", "test.quality.assessed.v1")
                    .containsEntry("error_message", out.error()).containsEntry("node_id", m.node.nodeId())
                    .containsEntry("retry_count", 3).containsEntry("error_timestamp", 1764604800.123456);
            assertThat(body.get("original_envelope")).isEqualTo(json(out.envelope().getBytes(UTF_8)));
            assertThat(headers(dead)).containsEntry("dead-letter-reason", out.error())
                    .containsEntry("dead-letter-exception-class-name", TimeoutException.class.getName())
                    .containsEntry("dead-letter-topic", "test.quality.assessed.v1")
                    .containsEntry("correlation_id", out.correlationId().toString())
                    .containsEntry("event_id", out.eventId().toString());
        }
    }

    @Test
    void aRetriableFailureAfterTheProducerTookTheRecordIsNotSentAgainButDeadLettered() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().maxRetries(3).build(), false)) {
            CompletableFuture<ModelKafkaEventOutput> result = m.node.executeEffect(input());
            // Kafka's own retries ran out; the request may have been stored with its answer lost
            fail(m, new TimeoutException("Expiring 1 record(s) for test.quality.assessed.v1-0:30001 ms has passed since"
                    + " batch creation"));
            m.ack();

            ModelKafkaEventOutput out = result.get();
            assertThat(out.retries()).isZero();
            assertThat(out.deadLettered()).isTrue();
            assertThat(out.errorType()).isEqualTo(ModelKafkaEventOutput.OUTCOME_UNKNOWN);
            assertThat(out.retriable()).isFalse();
            assertThat(out.error()).endsWith("(after 0 retries; not sent again: the producer gave up within"
                    + " delivery.timeout.ms, and the broker may have stored it)");
            assertThat(m.scheduler.delays()).isEmpty();
            assertThat(sentTo(m, "test.quality.assessed.v1")).hasSize(1);
            assertThat(m.metrics()).containsEntry("retries_attempted", 0L).containsEntry("events_sent_to_dlq", 1L);
        }
    }

    @Test
    void aNonRetriableErrorGoesToTheDeadLetterTopicAtOnceWithoutRetries() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().build(), false)) {
            CompletableFuture<ModelKafkaEventOutput> result = m.node.executeEffect(input());
            fail(m, new RecordTooLargeException("The request included a message larger than the max message size the server will accept."));
            m.ack();

            ModelKafkaEventOutput out = result.get();
            assertThat(out.deadLettered()).isTrue();
            assertThat(out.retries()).isZero();
            assertThat(out.errorType()).isEqualTo(ModelKafkaEventOutput.NON_RETRIABLE);
            assertThat(m.scheduler.delays()).isEmpty();
            assertThat(sentTo(m, "test.quality.assessed.v1")).hasSize(1);
            assertThat(headers(sentTo(m, "test.quality.assessed.v1.dlq").get(0)))
                    .containsEntry("dead-letter-exception-class-name", RecordTooLargeException.class.getName());
            assertThat(m.metrics()).containsEntry("retries_attempted", 0L).containsEntry("events_sent_to_dlq", 1L);
        }
    }

    @Test
    void aDeadLetterKeepsTheCallersHeadersButNeverLetsThemPassForItsOwn() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().build(), false)) {
            CompletableFuture<ModelKafkaEventOutput> result = m.node.executeEffect(ModelKafkaEventInput.builder()
                    .topic("quality.assessed.v1").eventType("QUALITY_ASSESSED").payload("quality_score", 0.87)
                    .headers(Map.of("trace_id", "t-42", "dead-letter-reason", "spoofed", "event_id", "spoofed"))
                    .build());
            fail(m, new RecordTooLargeException("too large"));
            m.ack();

            ModelKafkaEventOutput out = result.get();
            assertThat(out.deadLettered()).isTrue();
            ProducerRecord<byte[], byte[]> dead = sentTo(m, "test.quality.assessed.v1.dlq").get(0);
            assertThat(dead.headers().toArray()).extracting(h -> h.key()).containsExactly("trace_id",
                    "dead-letter-reason", "dead-letter-exception-class-name", "dead-letter-topic", "correlation_id",
                    "event_id", "traceparent");
            assertThat(headers(dead).get("traceparent")).as("the event's own trace context")
                    .isEqualTo(headers(sentTo(m, "test.quality.assessed.v1").get(0)).get("traceparent"));
            assertThat(headers(dead)).containsEntry("trace_id", "t-42").containsEntry("dead-letter-reason", out.error())
                    .containsEntry("event_id", out.eventId().toString());
        }
    }

    @Test
    void callerHeadersTooLargeForTheDeadLetterAreLeftOutRatherThanLosingTheDeadLetter() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().producerProperty("max.request.size", "65536").build(), false)) {
            CompletableFuture<ModelKafkaEventOutput> result = m.node.executeEffect(ModelKafkaEventInput.builder()
                    .topic("quality.assessed.v1").eventType("QUALITY_ASSESSED").payload("quality_score", 0.87)
                    .headers(Map.of("trace_id", "t-42", "blob", "x".repeat(70_000))).build());
            // the event itself was too large because of its headers
            fail(m, new RecordTooLargeException("The message is 70321 bytes when serialized"));
            m.ack();

            ModelKafkaEventOutput out = result.get();
            assertThat(out.deadLettered()).as(out.error()).isTrue();
            ProducerRecord<byte[], byte[]> dead = sentTo(m, "test.quality.assessed.v1.dlq").get(0);
            assertThat(headers(dead)).doesNotContainKeys("blob", "trace_id")
                    .containsEntry("dead-letter-reason", out.error()).containsEntry("event_id", out.eventId().toString());
        }
    }

    @Test
    void anAuthorizationErrorIsNotRetried() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().enableDlq(false).build(), false)) {
            CompletableFuture<ModelKafkaEventOutput> result = m.node.executeEffect(input());
            fail(m, new TopicAuthorizationException("Not authorized to access topics: [test.quality.assessed.v1]"));

            ModelKafkaEventOutput out = result.get();
            assertThat(out.success()).isFalse();
            assertThat(out.deadLettered()).isFalse();
            assertThat(out.retries()).isZero();
            assertThat(out.envelope()).contains("\"quality_score\":0.87");
            assertThat(m.producer.history()).hasSize(1);
        }
    }

    @Test
    void withoutDeadLettersAFailedEventComesBackWithItsWholeEnvelope() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().maxRetries(1).enableDlq(false).build(), false)) {
            m.producer.sendException = noMetadata("test.quality.assessed.v1");
            CompletableFuture<ModelKafkaEventOutput> result = m.node.executeEffect(input());
            m.producer.sendException = null;
            m.scheduler.runAll();
            fail(m, new NetworkException("still down"));

            ModelKafkaEventOutput out = result.get();
            assertThat(out.success()).isFalse();
            assertThat(out.error()).startsWith("NetworkException: still down (after 1 retries");
            assertThat(json(out.envelope().getBytes(UTF_8))).containsEntry("event_id", out.eventId().toString())
                    .containsEntry("payload", Map.of("quality_score", 0.87));
            assertThat(m.metrics()).containsEntry("events_failed", 1L).containsEntry("events_sent_to_dlq", 0L);
        }
    }

    @Test
    void aFailedDeadLetterIsReportedWithBothCauses() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().build(), false)) {
            CompletableFuture<ModelKafkaEventOutput> result = m.node.executeEffect(input());
            fail(m, new RecordTooLargeException("too large for topic"));
            fail(m, new TopicAuthorizationException("Not authorized to access topics: [test.quality.assessed.v1.dlq]"));

            ModelKafkaEventOutput out = result.get();
            assertThat(out.deadLettered()).isFalse();
            assertThat(out.error()).contains("RecordTooLargeException: too large for topic")
                    .contains("dead-letter publish to test.quality.assessed.v1.dlq also failed")
                    .contains("TopicAuthorizationException: Not authorized");
            assertThat(out.envelope()).isNotNull();
            assertThat(m.metrics()).containsEntry("dlq_failures", 1L).containsEntry("events_failed", 1L)
                    .containsEntry("events_sent_to_dlq", 0L);
        }
    }

    @Test
    void aSendThatThrowsCountsAsAFailedAttempt() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().maxRetries(2).build(), true)) {
            m.producer.sendException = new TimeoutException("Topic test.quality.assessed.v1 not present in metadata after 200 ms.");
            CompletableFuture<ModelKafkaEventOutput> result = m.node.executeEffect(input());
            m.scheduler.runAll();

            ModelKafkaEventOutput out = result.get();
            assertThat(out.retries()).isEqualTo(2);
            assertThat(out.error()).contains("not present in metadata").contains("dead-letter publish");
            assertThat(m.scheduler.delays()).containsExactly(100L, 200L);
            assertThat(m.metrics()).containsEntry("retries_attempted", 2L).containsEntry("dlq_failures", 1L);
        }
    }

    @Test
    void anOversizedDeadLetterKeepsTheMetadataWithATruncatedPayloadItsSizeAndHash() throws Exception {
        ModelKafkaEventConfig config = MockNode.config().producerProperty("max.request.size", "8192").build();
        try (MockNode m = new MockNode(config, false)) {
            String big = "é".repeat(6000); // 12000 bytes of UTF-8, 2 bytes a character
            CompletableFuture<ModelKafkaEventOutput> result = m.node.executeEffect(ModelKafkaEventInput.builder()
                    .topic("t").eventType("BIG").payload("text", big).build());
            fail(m, new RecordTooLargeException("The message is 12200 bytes when serialized which is larger than 8192"));
            m.ack();

            ModelKafkaEventOutput out = result.get();
            assertThat(out.deadLettered()).isTrue();
            ProducerRecord<byte[], byte[]> dead = sentTo(m, "test.t.dlq").get(0);
            assertThat(dead.value().length).isLessThan(8192 - 1024);
            Map<String, Object> body = json(dead.value());
            assertThat(body).containsEntry("truncated", true).containsEntry("retry_count", 0);
            @SuppressWarnings("unchecked")
            Map<String, Object> envelope = (Map<String, Object>) body.get("original_envelope");
            assertThat(envelope.keySet()).containsExactly("event_id", "event_type", "correlation_id", "timestamp",
                    "version", "source", "payload_truncated", "payload_size_bytes", "payload_sha256");
            assertThat(envelope).containsEntry("event_id", out.eventId().toString()).containsEntry("event_type", "BIG");
            byte[] payloadJson = ("{\"text\":\"" + big + "\"}").getBytes(UTF_8);
            assertThat(envelope).containsEntry("payload_size_bytes", payloadJson.length).containsEntry("payload_sha256",
                    HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payloadJson)));
            String preview = (String) envelope.get("payload_truncated");
            assertThat(preview).startsWith("{\"text\":\"éé").doesNotContain("\uFFFD");
            assertThat(preview.getBytes(UTF_8).length).isBetween(1020, 1024);
        }
    }

    @Test
    void aDeadLetterTheBrokerFindsTooLargeIsSentAgainTruncated() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().build(), false)) {
            CompletableFuture<ModelKafkaEventOutput> result = m.node.executeEffect(ModelKafkaEventInput.builder()
                    .topic("t").eventType("BIG").payload("text", "x".repeat(5000)).build());
            fail(m, new RecordTooLargeException("too large for t"));
            fail(m, new RecordTooLargeException("too large for t.dlq"));
            m.ack();

            ModelKafkaEventOutput out = result.get();
            assertThat(out.deadLettered()).isTrue();
            List<ProducerRecord<byte[], byte[]>> dead = sentTo(m, "test.t.dlq");
            assertThat(dead).hasSize(2);
            assertThat(json(dead.get(0).value())).doesNotContainKey("truncated");
            assertThat(json(dead.get(1).value())).containsEntry("truncated", true);
            assertThat(m.metrics()).containsEntry("dlq_failures", 0L).containsEntry("events_sent_to_dlq", 1L);
        }
    }

    @Test
    void backoffDoublesPerRetryAndSaturatesInsteadOfOverflowing() {
        assertThat(EventPublisher.backoffMs(1000, 0)).isEqualTo(1000);
        assertThat(EventPublisher.backoffMs(1000, 1)).isEqualTo(2000);
        assertThat(EventPublisher.backoffMs(1000, 3)).isEqualTo(8000);
        assertThat(EventPublisher.backoffMs(0, 5)).isZero();
        assertThat(EventPublisher.backoffMs(3_600_000, 99)).isEqualTo(Long.MAX_VALUE);
    }
}
