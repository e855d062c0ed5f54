package ai.omninode.onex.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.kafka.ModelKafkaEventConfig;
import ai.omninode.onex.kafka.ModelKafkaEventInput;
import ai.omninode.onex.kafka.ModelKafkaEventOutput;
import ai.omninode.onex.node.ExecutionContext;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The deadline's timer against the other threads that may end an event at the same moment (Kafka's I/O thread, the
 * thread whose send Kafka refused). Each interleaving is forced from inside the breaker's event listener, which runs
 * in the middle of the other thread's work: the timer "fires" exactly there.
 */
class DeadlineRaceTest {
    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final Timers timers = new Timers();
    private EventPublisher publisher;

    /** Tasks run only when the test runs them, in the order they were scheduled. */
    private static final class Timers implements Scheduler {
        private final List<Runnable> tasks = new ArrayList<>();

        @Override
        public synchronized void schedule(Runnable task, long delayMs) {
            tasks.add(task);
        }

        @Override
        public void shutdown() {
        }

        /** Runs the earliest task scheduled (the deadline's timer is the first an event with a deadline schedules). */
        void runFirst() {
            Runnable task;
            synchronized (this) {
                task = tasks.remove(0);
            }
            task.run();
        }

        synchronized int pending() {
            return tasks.size();
        }
    }

    private EventPublisher start(ModelKafkaEventConfig.Builder config) {
        publisher = EventPublisher.start(config.bootstrapServers("mock:9092").topicPrefix("test").enableDlq(false).build(),
                "0123456789abcdef", props -> producer, timers, Clock.systemUTC(), null, new NodeMeters());
        return publisher;
    }

    @AfterEach
    void close() {
        if (publisher != null) {
            publisher.close();
        }
    }

    private static ModelKafkaEventInput input() {
        return ModelKafkaEventInput.builder().topic("orders.v1").eventType("ORDER_PLACED").payload("id", 7).build();
    }

    private static ExecutionContext deadlineIn(Duration d) {
        return ExecutionContext.builder().deadlineAfter(d).build();
    }

    @Test
    void anAcknowledgementRacingTheDeadlineIsNeverAnsweredAsNothingWasSent() throws Exception {
        EventPublisher p = start(ModelKafkaEventConfig.builder());
        p.breaker.transitionToOpenState();
        p.breaker.transitionToHalfOpenState(); // so that the success is told to the breaker: our window
        CompletableFuture<ModelKafkaEventOutput> result = p.publish(input(), false, deadlineIn(Duration.ofHours(1)));
        // the deadline passes while Kafka's I/O thread is between "the broker answered" and "the event ended"
        p.breaker.getEventPublisher().onSuccess(e -> timers.runFirst());

        assertThat(producer.completeNext()).isTrue();

        ModelKafkaEventOutput out = result.get();
        assertThat(producer.history()).as("the broker stored the event").hasSize(1);
        assertThat(out.success() || ModelKafkaEventOutput.OUTCOME_UNKNOWN.equals(out.errorType()))
                .as("stored, so published or outcome unknown, never 'nothing was sent': %s", out).isTrue();
    }

    @Test
    void twoDeadlineAnswersAtOnceSayNothingWasSentNotOutcomeUnknown() throws Exception {
        EventPublisher p = start(ModelKafkaEventConfig.builder().retryBackoffMs(60_000).maxRetries(3));
        producer.sendException = new TimeoutException("Topic test.orders.v1 not present in metadata after 200 ms.");
        // the refused send's thread finds the retry would come too late and answers; the timer fires meanwhile
        p.breaker.getEventPublisher().onError(e -> timers.runFirst());

        ModelKafkaEventOutput out = p.publish(input(), false, deadlineIn(Duration.ofSeconds(30))).get();

        assertThat(producer.history()).isEmpty();
        assertThat(out.errorType()).as(out.error()).isEqualTo(ModelKafkaEventOutput.DEADLINE_EXCEEDED);
        assertThat(out.retriable()).isTrue();
    }

    @Test
    void aHalfOpenTrialAnsweredAtItsDeadlineAndAcknowledgedLaterClosesTheBreaker() throws Exception {
        EventPublisher p = start(ModelKafkaEventConfig.builder());
        p.breaker.transitionToOpenState();
        p.breaker.transitionToHalfOpenState();
        CompletableFuture<ModelKafkaEventOutput> trial = p.publish(input(), false, deadlineIn(Duration.ofHours(1)));
        timers.runFirst(); // the deadline: Kafka holds the record

        assertThat(trial.get().errorType()).isEqualTo(ModelKafkaEventOutput.OUTCOME_UNKNOWN);
        assertThat(producer.completeNext()).as("the broker answers after all").isTrue();

        assertThat(p.breaker.getState()).as("the trial succeeded").isEqualTo(CircuitBreaker.State.CLOSED);
        CompletableFuture<ModelKafkaEventOutput> next = p.publish(input(), false);
        assertThat(next).as("not refused as if the trial were still under way").isNotCompletedExceptionally();
    }

    @Test
    void aHalfOpenTrialThatFailedJustBeforeItsDeadlineAnsweredOpensTheBreakerAgain() throws Exception {
        EventPublisher p = start(ModelKafkaEventConfig.builder());
        p.breaker.transitionToOpenState();
        p.breaker.transitionToHalfOpenState();
        CompletableFuture<ModelKafkaEventOutput> trial = p.publish(input(), false, deadlineIn(Duration.ofHours(1)));
        // Kafka gives up on the record (delivery.timeout.ms); the failure waits for the node's thread, and the
        // deadline's timer, scheduled earlier, runs first
        assertThat(producer.errorNext(new TimeoutException("Expiring 1 record(s): 120000 ms has passed"))).isTrue();
        assertThat(timers.pending()).isEqualTo(2);
        timers.runFirst();
        assertThat(trial.get().errorType()).isEqualTo(ModelKafkaEventOutput.OUTCOME_UNKNOWN);

        timers.runFirst(); // the failure's own step, after the event ended

        assertThat(p.breaker.getState()).as("the trial failed").isEqualTo(CircuitBreaker.State.OPEN);
    }
}
