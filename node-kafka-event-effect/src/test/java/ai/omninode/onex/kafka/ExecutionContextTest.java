package ai.omninode.onex.kafka;

import static ai.omninode.onex.kafka.NodeKafkaEventEffectTest.json;
import static ai.omninode.onex.kafka.RetryAndDeadLetterTest.input;
import static ai.omninode.onex.kafka.RetryAndDeadLetterTest.noMetadata;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.omninode.onex.node.ExecutionContext;
import ai.omninode.onex.node.NodeExecutionException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** What the node does with a host's {@link ExecutionContext}: event ids from idempotency keys, and deadlines. */
class ExecutionContextTest {
    /** Python: uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, "urn:onex:kafka_event_effect:event_id"), key). */
    private static final String KEY = "run-1/publish_completion_event";
    private static final UUID EVENT_ID_OF_KEY = UUID.fromString("ed479d2b-d0e2-5599-a4d6-50284d71256d");

    private static ExecutionContext keyed(String key) {
        return ExecutionContext.builder().idempotencyKey(key).build();
    }

    private static String header(ProducerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), UTF_8);
    }

    @Test
    void everyCopyOfOneLogicalEventCarriesTheEventIdItsIdempotencyKeyNames() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().build(), true)) {
            ModelKafkaEventOutput first = m.node.executeEffect(input(), keyed(KEY)).get();
            ModelKafkaEventOutput again = m.node.executeEffect(input(), keyed(KEY)).get();
            ModelKafkaEventOutput other = m.node.executeEffect(input(), keyed("run-2/publish_completion_event")).get();

            assertThat(first.eventId()).isEqualTo(EVENT_ID_OF_KEY).isEqualTo(again.eventId());
            assertThat(other.eventId()).isNotEqualTo(EVENT_ID_OF_KEY);
            assertThat(EVENT_ID_OF_KEY.version()).isEqualTo(5);
            ProducerRecord<byte[], byte[]> sent = m.producer.history().get(0);
            assertThat(header(sent, "event_id")).isEqualTo(EVENT_ID_OF_KEY.toString());
            assertThat(json(sent.value()).get("event_id")).isEqualTo(EVENT_ID_OF_KEY.toString());
        }
    }

    @Test
    void withoutAKeyEveryEventGetsARandomIdAsBefore() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().build(), true)) {
            UUID a = m.node.executeEffect(input()).get().eventId();
            UUID b = m.node.executeEffect(input(), ExecutionContext.none()).get().eventId();
            assertThat(a).isNotEqualTo(b);
            assertThat(a.version()).isEqualTo(4);
            assertThat(b.version()).isEqualTo(4);
        }
    }

    @Test
    void aDeadlineThatHadPassedSendsNothingAndSaysSendingAgainIsSafe() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().build(), true)) {
            ModelKafkaEventOutput out = m.node.executeEffect(input(),
                    ExecutionContext.builder().deadlineAfter(Duration.ZERO).idempotencyKey(KEY).build()).get();

            assertThat(out.success()).isFalse();
            assertThat(out.errorType()).isEqualTo(ModelKafkaEventOutput.DEADLINE_EXCEEDED);
            assertThat(out.retriable()).isTrue();
            assertThat(out.error()).contains("nothing was sent");
            assertThat(json(out.envelope().getBytes(UTF_8)).get("event_id"))
                    .as("the failure carries the envelope it would have sent").isEqualTo(EVENT_ID_OF_KEY.toString());
            assertThat(m.producer.history()).isEmpty();
            assertThat(m.metrics()).containsEntry("events_failed", 1L).containsEntry("current_failures", 0L);
        }
    }

    @Test
    void theDeadlinePassingWhileTheProducerHoldsTheRecordIsOutcomeUnknownAndALateAckChangesNothing() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().build(), false)) {
            CompletableFuture<ModelKafkaEventOutput> result = m.node.executeEffect(input(),
                    ExecutionContext.builder().deadlineAfter(Duration.ofHours(1)).build());
            assertThat(result).isNotDone();
            assertThat(m.scheduler.pending()).as("the deadline's timer").isEqualTo(1);

            m.scheduler.runAll(); // virtual time reaches the deadline: the producer still holds the record

            ModelKafkaEventOutput out = result.get();
            assertThat(out.errorType()).isEqualTo(ModelKafkaEventOutput.OUTCOME_UNKNOWN);
            assertThat(out.retriable()).isFalse();
            assertThat(out.error()).contains("while Kafka held it unacknowledged", "not sent again");
            assertThat(m.ack()).as("the broker answers after all").isTrue();
            assertThat(m.producer.history()).hasSize(1);
            assertThat(m.metrics()).containsEntry("events_published", 0L).containsEntry("events_failed", 1L);
        }
    }

    @Test
    void anEventAnsweredInTimeLeavesNoTimerBehind() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().build(), false)) {
            CompletableFuture<ModelKafkaEventOutput> result = m.node.executeEffect(input(),
                    ExecutionContext.builder().deadlineAfter(Duration.ofHours(1)).build());
            m.producer.completeNext();

            assertThat(result.get().success()).isTrue();
            m.scheduler.runAll(); // the cancelled timer runs as a no-op on the manual scheduler
            assertThat(result.get().success()).isTrue();
        }
    }

    @Test
    void aRetryThatWouldComeAfterTheDeadlineIsNotWaitedForNothingWasSent() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().retryBackoffMs(60_000).maxRetries(3).build(), false)) {
            m.producer.sendException = noMetadata("test.quality.assessed.v1");

            ModelKafkaEventOutput out = m.node.executeEffect(input(),
                    ExecutionContext.builder().deadlineAfter(Duration.ofSeconds(30)).build()).get();

            assertThat(out.errorType()).isEqualTo(ModelKafkaEventOutput.DEADLINE_EXCEEDED);
            assertThat(out.error()).contains("1 attempt refused before the record left the node",
                    "nothing was sent, so sending it again is safe");
            assertThat(m.producer.history()).isEmpty();
            assertThat(m.scheduler.delays()).as("only the deadline's timer; no backoff was waited for")
                    .singleElement().satisfies(d -> assertThat(d).isBetween(29_000L, 30_000L));
            assertThat(m.metrics()).as("Kafka failed the call: the breaker counts it").containsEntry("current_failures", 1L);
        }
    }

    @Test
    void underTheSpiTheContextGivesTheCorrelationIdTheEventIdAndOutcomeUnknownIsNotRetriable() throws Exception {
        try (MockNode m = new MockNode(MockNode.config().build(), false)) {
            UUID correlation = UUID.randomUUID();
            Map<String, Object> in = new LinkedHashMap<>();
            in.put("topic", "quality.assessed.v1");
            in.put("event_type", "QUALITY_ASSESSED");
            in.put("payload", Map.of("score", 1));
            CompletableFuture<Map<String, Object>> result = m.node.execute(in, ExecutionContext.builder()
                    .idempotencyKey(KEY).correlationId(correlation).deadlineAfter(Duration.ofHours(1)).build())
                    .toCompletableFuture();
            ProducerRecord<byte[], byte[]> sent = m.producer.history().get(0);
            assertThat(header(sent, "correlation_id")).isEqualTo(correlation.toString());
            assertThat(header(sent, "event_id")).isEqualTo(EVENT_ID_OF_KEY.toString());

            m.scheduler.runAll();

            NodeExecutionException e = (NodeExecutionException) catchThrowableOfType(CompletionException.class,
                    result::join).getCause();
            assertThat(e.isOutcomeUnknown()).isTrue();
            assertThat(e.retriable()).isFalse();
            assertThat(e.details()).containsEntry("error_type", "outcome_unknown")
                    .containsEntry("event_id", EVENT_ID_OF_KEY.toString());
        }
    }
}
