package ai.omninode.onex.kafka.internal;

import ai.omninode.onex.kafka.ModelKafkaEventInput;
import ai.omninode.onex.kafka.ModelKafkaEventOutput;
import ai.omninode.onex.node.ExecutionContext;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * An event's deadline (see {@link EventTaskState} for the chain): the timer that answers the caller when it passes,
 * what that answer says (nothing was sent, or the outcome is unknown), and what the producer's answers that come
 * after it still tell the breaker.
 */
abstract class EventTaskDeadline extends EventTaskDeadLetter {
    EventTaskDeadline(EventPublisher publisher, ModelKafkaEventInput input, TopicRoute route, UUID eventId,
            byte[] eventIdBytes, byte[] correlationBytes, EventType type, byte[] envelope, long startNanos,
            ExecutionContext context) {
        super(publisher, input, route, eventId, eventIdBytes, correlationBytes, type, envelope, startNanos, context);
    }

    /** Starts the timer that answers for this event at its deadline, {@code nanos} from now. */
    final void armDeadline(long nanos) {
        try {
            cancelDeadline = publisher.scheduler.scheduleCancellable(this::expire,
                    Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999)));
        } catch (RejectedExecutionException e) {
            // the node is shutting down: send() or the shutdown answers for the event
        }
    }

    /**
     * The deadline passed (the timer, or a retry that would come too late): answers for the event unless it ended.
     * A record in the producer may yet be stored, so that is {@code outcome_unknown}; an event with no record in
     * the producer never left the node ({@code deadline_exceeded}, safe to send again); a failed event whose dead
     * letter is on its way keeps its failure, with the dead letter unconfirmed.
     */
    final void expire() {
        if (isDone()) {
            return;
        }
        long ms = Math.max(0, (System.nanoTime() - startNanos) / 1_000_000);
        if (deadLetterPhase && failureType != null) {
            finish(failed(failure + "; its dead letter to " + route.dlqTopic + " was not confirmed by the deadline",
                    failureType, false), -1);
            return;
        }
        // the timer and a thread whose retry would come too late may both get here: one answers
        int was = (int) SEND_STATE.compareAndExchange(this, IDLE, EXPIRED);
        if (was == EXPIRED) {
            return;
        }
        if (was == IDLE && !outcomeUnknown) {
            recordBreaker(lastError);
            String last = lastError == null ? "" : " (" + (retries + 1) + (retries == 0 ? " attempt" : " attempts")
                    + " refused before the record left the node; last: " + Errors.describe(lastError, publisher.secrets)
                    + ")";
            finish(failed("the deadline passed " + ms + " ms after the event was handed to the node, before it"
                    + " reached Kafka" + last + "; nothing was sent, so sending it again is safe",
                    ModelKafkaEventOutput.DEADLINE_EXCEEDED, false), -1);
        } else {
            finish(failed("the deadline passed " + ms + " ms after the event was handed to the node, while Kafka"
                    + " held it unacknowledged; not sent again: the broker may store it",
                    ModelKafkaEventOutput.OUTCOME_UNKNOWN, false), -1);
        }
    }

    /** A deadline failure: one breaker failure if Kafka failed the event, else the call's permit back. */
    private void recordBreaker(Exception error) {
        if (!claimBreaker()) {
            return;
        }
        if (error != null && Errors.retriable(error)) {
            publisher.breaker.onError(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS, error);
            publisher.metrics.breakerFailures.incrementAndGet(); // after the breaker recorded it: see breakerSuccess()
        } else {
            publisher.breaker.releasePermission();
        }
    }

    /**
     * The producer's answer for an event the node already answered for at its deadline. It still goes to the
     * breaker: a broker that stops answering opens it even when every caller gives up first, and a half-open
     * breaker's trial call ends only here.
     */
    final void lateAnswer(RecordMetadata metadata, Exception error) {
        if (deadLetterPhase) {
            withMdc(() -> LOG.info("Node {}: the dead letter of event {} to {}, unconfirmed at the deadline, {}",
                    publisher.nodeId, eventId, route.dlqTopic,
                    error == null ? "was stored later" : "failed later: " + Errors.describe(error, publisher.secrets)));
        } else if (error == null && metadata != null) {
            withMdc(() -> LOG.info("Node {}: event {} ({}) to {}, reported at its deadline, was acknowledged later:"
                    + " partition {}, offset {}", publisher.nodeId, eventId, input.eventType(), route.fullTopic,
                    metadata.partition(), metadata.hasOffset() ? metadata.offset() : "none"));
            if (claimBreaker()) {
                breakerSuccess(System.nanoTime() - startNanos);
            }
        } else if (error != null && !publisher.closed) {
            withMdc(() -> LOG.info("Node {}: event {} ({}) to {}, reported at its deadline, failed later: {}",
                    publisher.nodeId, eventId, input.eventType(), route.fullTopic,
                    Errors.describe(error, publisher.secrets)));
            if (claimBreaker()) {
                if (Errors.retriable(error)) {
                    publisher.breaker.onError(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS, error);
                    publisher.metrics.breakerFailures.incrementAndGet();
                } else {
                    publisher.breaker.releasePermission();
                }
            }
        }
    }
}
