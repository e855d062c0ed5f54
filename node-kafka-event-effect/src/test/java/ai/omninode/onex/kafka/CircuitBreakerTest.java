package ai.omninode.onex.kafka;

import static ai.omninode.onex.kafka.RetryAndDeadLetterTest.fail;
import static ai.omninode.onex.kafka.RetryAndDeadLetterTest.input;
import static ai.omninode.onex.kafka.RetryAndDeadLetterTest.noMetadata;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.omninode.onex.node.NodeExecutionException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;

/** The circuit breaker: one failure per call, open after the threshold, fail fast, half-open, closed. */
class CircuitBreakerTest {

    static ModelKafkaEventConfig.Builder config(int threshold, int maxRetries) {
        return MockNode.config().circuitBreakerThreshold(threshold).circuitBreakerTimeoutS(1).maxRetries(maxRetries)
                .enableDlq(false);
    }

    /** A call whose every attempt but the last is refused by send itself (so retried), and whose last one fails. */
    static ModelKafkaEventOutput failedCall(MockNode m, int attempts) throws Exception {
        m.producer.sendException = attempts > 1 ? noMetadata("test.quality.assessed.v1") : null;
        CompletableFuture<ModelKafkaEventOutput> f = m.node.executeEffect(input());
        for (int i = 2; i < attempts; i++) {
            m.scheduler.runNext();
        }
        m.producer.sendException = null;
        if (attempts > 1) {
            m.scheduler.runNext();
        }
        fail(m, new NetworkException("broker unreachable"));
        return f.get();
    }

    @Test
    void opensAfterThresholdConsecutiveFailedCallsThenFailsFastWithoutSending() throws Exception {
        try (MockNode m = new MockNode(config(3, 0).build(), false)) {
            for (int i = 0; i < 2; i++) {
                failedCall(m, 1);
            }
            assertThat(m.metrics()).containsEntry("circuit_breaker_status", "closed").containsEntry("current_failures", 2L);
            failedCall(m, 1);
            assertThat(m.metrics()).containsEntry("circuit_breaker_status", "open").containsEntry("circuit_breaker_opens", 1L)
                    .containsEntry("current_failures", 3L);
            int sent = m.producer.history().size();

            CompletableFuture<ModelKafkaEventOutput> refused = m.node.executeEffect(input());

            assertThat(refused).isCompletedExceptionally();
            assertThat(m.producer.history()).hasSize(sent);
            org.assertj.core.api.Assertions.assertThatThrownBy(refused::get)
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("Circuit breaker is open")
                    .cause().isInstanceOf(NodeExecutionException.class)
                    .satisfies(e -> assertThat(((NodeExecutionException) e).details())
                            .containsEntry("error_type", "circuit_open").containsKey("envelope"));
            assertThat(m.metrics()).containsEntry("circuit_breaker_rejections", 1L).containsEntry("events_failed", 3L);
        }
    }

    @Test
    void countsOneFailurePerCallNotPerAttempt() throws Exception {
        try (MockNode m = new MockNode(config(2, 3).build(), false)) {
            ModelKafkaEventOutput out = failedCall(m, 4);

            assertThat(out.retries()).isEqualTo(3);
            assertThat(m.metrics()).containsEntry("current_failures", 1L).containsEntry("circuit_breaker_status", "closed")
                    .containsEntry("retries_attempted", 3L);
        }
    }

    @Test
    void aSuccessResetsTheRunOfFailures() throws Exception {
        try (MockNode m = new MockNode(config(2, 0).build(), false)) {
            failedCall(m, 1);
            CompletableFuture<ModelKafkaEventOutput> ok = m.node.executeEffect(input());
            m.ack();
            assertThat(ok.get().success()).isTrue();
            failedCall(m, 1);

            assertThat(m.metrics()).containsEntry("circuit_breaker_status", "closed").containsEntry("current_failures", 1L);
        }
    }

    @Test
    void aNonRetriableFailureAlsoCountsAsAFailedCall() throws Exception {
        try (MockNode m = new MockNode(config(1, 3).build(), false)) {
            CompletableFuture<ModelKafkaEventOutput> f = m.node.executeEffect(input());
            fail(m, new RecordTooLargeException("too large"));

            assertThat(f.get().retries()).isZero();
            assertThat(m.metrics()).containsEntry("circuit_breaker_status", "open");
        }
    }

    @Test
    void halfOpensAfterTheTimeoutAndClosesOnASuccessfulTrial() throws Exception {
        try (MockNode m = new MockNode(config(1, 0).build(), false)) {
            failedCall(m, 1);
            assertThat(m.metrics()).containsEntry("circuit_breaker_status", "open");

            await().atMost(Duration.ofSeconds(5))
                    .until(() -> "half_open".equals(m.metrics().get("circuit_breaker_status")));
            CompletableFuture<ModelKafkaEventOutput> trial = m.node.executeEffect(input());
            CompletableFuture<ModelKafkaEventOutput> second = m.node.executeEffect(input());
            assertThat(second).as("one trial call at a time").isCompletedExceptionally();
            m.ack();

            assertThat(trial.get().success()).isTrue();
            assertThat(m.metrics()).containsEntry("circuit_breaker_status", "closed").containsEntry("current_failures", 0L)
                    .containsEntry("circuit_breaker_opens", 1L);
        }
    }

    @Test
    void aFailedTrialOpensTheBreakerAgain() throws Exception {
        try (MockNode m = new MockNode(config(1, 0).build(), false)) {
            failedCall(m, 1);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> "half_open".equals(m.metrics().get("circuit_breaker_status")));

            failedCall(m, 1);

            Map<String, Object> metrics = m.metrics();
            assertThat(metrics).containsEntry("circuit_breaker_status", "open").containsEntry("circuit_breaker_opens", 2L);
        }
    }

    @Test
    void retriesStopOnceOtherCallsOpenedTheBreaker() throws Exception {
        try (MockNode m = new MockNode(config(1, 3).build(), false)) {
            // the first send is refused (no metadata) and retried later; the second fails for good and opens the breaker
            m.producer.sendException = noMetadata("test.quality.assessed.v1");
            CompletableFuture<ModelKafkaEventOutput> first = m.node.executeEffect(input());
            m.producer.sendException = null;
            CompletableFuture<ModelKafkaEventOutput> second = m.node.executeEffect(input());
            assertThat(m.producer.errorNext(new RecordTooLargeException("too large"))).isTrue();
            m.scheduler.runAll();

            assertThat(second.get().retries()).isZero();
            ModelKafkaEventOutput out = first.get();
            assertThat(out.success()).isFalse();
            assertThat(out.retries()).isZero();
            assertThat(out.error()).contains("the circuit breaker opened");
            assertThat(m.producer.history()).as("only the second reached the producer").hasSize(1);
        }
    }
    /**
     * A failure whose cause the breaker reads before it records the failure (resilience4j unwraps a
     * CompletionException first): it holds the failing thread there, between "the call failed" and "the breaker
     * knows", the window a success on Kafka's I/O thread can fall into.
     */
    static final class HeldFailure extends CompletionException {
        final CountDownLatch reached = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private volatile boolean held;

        HeldFailure() {
            super("broker unreachable", new NetworkException("broker unreachable"));
        }

        @Override
        public synchronized Throwable getCause() {
            if (!held) {
                held = true;
                reached.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.getCause();
        }
    }

    @Test
    void aSuccessRacingAFailureDoesNotHideThatFailureFromLaterSuccesses() throws Exception {
        try (MockNode m = new MockNode(config(3, 0).build(), false)) {
            CompletableFuture<ModelKafkaEventOutput> a = m.node.executeEffect(input());
            HeldFailure held = new HeldFailure();
            assertThat(m.producer.errorNext(held)).isTrue();
            CompletableFuture<Void> failing = CompletableFuture.runAsync(m.scheduler::runAll);
            assertThat(held.reached.await(10, TimeUnit.SECONDS)).as("the failure is being recorded").isTrue();

            // meanwhile another call succeeds on the I/O thread
            CompletableFuture<ModelKafkaEventOutput> b = m.node.executeEffect(input());
            assertThat(m.producer.completeNext()).isTrue();
            assertThat(b.get().success()).isTrue();
            held.release.countDown();
            failing.get(10, TimeUnit.SECONDS);
            assertThat(a.get().success()).isFalse();

            // a success after both: the failure of call a no longer counts
            CompletableFuture<ModelKafkaEventOutput> c = m.node.executeEffect(input());
            m.ack();
            assertThat(c.get().success()).isTrue();
            failedCall(m, 1);
            failedCall(m, 1);

            assertThat(m.metrics()).as("2 consecutive failures, threshold 3")
                    .containsEntry("circuit_breaker_status", "closed").containsEntry("current_failures", 2L);
        }
    }
}
