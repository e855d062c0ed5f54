package ai.omninode.onex.kafka.internal;

import ai.omninode.onex.kafka.ModelKafkaEventInput;
import ai.omninode.onex.kafka.ModelKafkaEventOutput;
import ai.omninode.onex.node.ExecutionContext;
import ai.omninode.onex.node.TraceContext;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The dead-letter phase of an event (see {@link EventTaskState} for the chain): after its last attempt failed, the
 * failure is decided once, the breaker hears of it, and the event goes to its topic's dead-letter topic (when
 * enabled), smaller each time that topic refuses it as too large.
 */
abstract class EventTaskDeadLetter extends EventTaskState {
    /** Bytes of payload JSON kept in a truncated dead letter. */
    static final int DLQ_PREVIEW_BYTES = 1024;
    /** Room left for headers and record overhead below {@code max.request.size}. */
    static final int DLQ_HEADROOM_BYTES = 1024;
    /**
     * The longest wait for a dead-letter topic to become ready after the event's own topic did not become ready in a
     * whole {@code delivery.timeout.ms} (at most half of that): the same brokers would most likely keep it waiting as
     * long again, and the caller waits for the answer.
     */
    static final long DLQ_WAIT_AFTER_TOPIC_TIMEOUT_MS = 5_000;

    EventTaskDeadLetter(EventPublisher publisher, ModelKafkaEventInput input, TopicRoute route, UUID eventId,
            byte[] eventIdBytes, byte[] correlationBytes, EventType type, byte[] envelope, long startNanos,
            ExecutionContext context) {
        super(publisher, input, route, eventId, eventIdBytes, correlationBytes, type, envelope, startNanos, context);
    }

    /** Waits for {@code gate}'s topic, then sends (or, {@code forDeadLetter}, sends the dead letter). */
    abstract void awaitGate(TopicGates.Gate gate, boolean forDeadLetter, long boundMs);

    /** After the last attempt, on the scheduler: one breaker failure, then the dead-letter topic. */
    final void fail() {
        if (isDone()) {
            // the deadline answered while Kafka's failure was on its way here: the breaker still hears of it
            if (hasDeadline && claimBreaker()) {
                publisher.breaker.onError(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS, lastError);
                // after the breaker recorded it: see breakerSuccess()
                publisher.metrics.breakerFailures.incrementAndGet();
            }
            return;
        }
        Exception error = lastError;
        boolean retriable = Errors.retriable(error);
        failureType = !retriable ? ModelKafkaEventOutput.NON_RETRIABLE
                : outcomeUnknown ? ModelKafkaEventOutput.OUTCOME_UNKNOWN : ModelKafkaEventOutput.RETRIES_EXHAUSTED;
        failure = Errors.describe(error, publisher.secrets) + (!retriable ? ""
                : stoppedByBreaker ? " (after " + retries + " retries; no more: the circuit breaker opened)"
                : outcomeUnknown ? " (after " + retries + " retries; not sent again: the producer gave up within"
                        + " delivery.timeout.ms, and the broker may have stored it)"
                : " (after " + retries + " retries)");
        if (claimBreaker()) {
            publisher.breaker.onError(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS, error);
            publisher.metrics.breakerFailures.incrementAndGet(); // after the breaker recorded it: see breakerSuccess()
        }
        if (!publisher.config.enableDlq()) {
            withMdc(() -> LOG.warn("Node {}: event {} ({}) to {} failed: {}", publisher.nodeId, eventId,
                    input.eventType(), route.fullTopic, failure));
            finish(failed(failure, failureType, false), -1);
            return;
        }
        deadLetterPhase = true;
        TopicGates.Gate gate = route.dlqGate;
        if (gate != null && !gate.ready()) {
            awaitGate(gate, true, error instanceof TopicGates.NotReadyException
                    ? Math.min(DLQ_WAIT_AFTER_TOPIC_TIMEOUT_MS, publisher.config.deliveryTimeoutMs() / 2) : 0);
        } else {
            sendDeadLetter();
        }
    }

    /**
     * The dead letter: the caller's headers (a trace id, say) as on the event, then the dead-letter headers. A
     * caller's header named like one of those is left out, as on the event.
     */
    final void sendDeadLetter() {
        RecordHeaders headers = new RecordHeaders();
        int callerHeaderBytes = 0;
        if (input.headers() != null && !deadLetterWithoutCallerHeaders) {
            for (Map.Entry<String, String> h : input.headers().entrySet()) {
                if (!isStandardHeader(h.getKey()) && !h.getKey().startsWith("dead-letter-") && h.getValue() != null) {
                    byte[] value = h.getValue().getBytes(StandardCharsets.UTF_8);
                    headers.add(h.getKey(), value);
                    callerHeaderBytes += h.getKey().length() * 3 + value.length + 8;
                }
            }
        }
        headers.add("dead-letter-reason", failure.getBytes(StandardCharsets.UTF_8));
        headers.add("dead-letter-exception-class-name", Errors.className(lastError).getBytes(StandardCharsets.UTF_8));
        headers.add("dead-letter-topic", route.fullTopic.getBytes(StandardCharsets.UTF_8));
        headers.add("correlation_id", correlationId().getBytes(StandardCharsets.UTF_8));
        headers.add("event_id", eventId.toString().getBytes(StandardCharsets.UTF_8));
        headers.add(TraceContext.TRACEPARENT, traceparent);
        if (tracestate != null) {
            headers.add(TraceContext.TRACESTATE, tracestate);
        }
        String errorTime = EnvelopeCodec.timestamp(publisher.clock.instant());
        byte[] body = publisher.codec.deadLetter(route.fullTopic, envelope, failure, errorTime, retries,
                deadLetterTruncated, DLQ_PREVIEW_BYTES);
        if (!deadLetterTruncated && body.length > publisher.dlqMaxBytes - callerHeaderBytes) {
            deadLetterTruncated = true;
            body = publisher.codec.deadLetter(route.fullTopic, envelope, failure, errorTime, retries, true,
                    DLQ_PREVIEW_BYTES);
        }
        if (callerHeaderBytes > 0 && body.length > publisher.dlqMaxBytes - callerHeaderBytes) {
            // the caller's headers alone leave no room (they may be why the event was too large): without them
            deadLetterWithoutCallerHeaders = true;
            sendDeadLetter();
            return;
        }
        sendingThread = Thread.currentThread();
        try {
            publisher.producer.send(new ProducerRecord<>(route.dlqTopic, null, null, record.key(), body, headers),
                    this);
        } catch (RuntimeException e) {
            onDeadLetterResult(e);
        } finally {
            sendingThread = null;
        }
    }

    final void onDeadLetterResult(Exception error) {
        if (error == null) {
            withMdc(() -> LOG.warn("Node {}: event {} ({}) to {} failed: {}; sent to {}", publisher.nodeId, eventId,
                    input.eventType(), route.fullTopic, failure, route.dlqTopic));
            finish(failed(failure, failureType, true), -1);
        } else if (error instanceof RecordTooLargeException && !deadLetterTruncated && !publisher.closed) {
            deadLetterTruncated = true; // the dead-letter topic allows less than the producer: keep metadata only
            later(this::sendDeadLetter, 0);
        } else if (error instanceof RecordTooLargeException && !deadLetterWithoutCallerHeaders
                && input.headers() != null && !input.headers().isEmpty() && !publisher.closed) {
            deadLetterWithoutCallerHeaders = true; // still too large: the caller's headers go too
            later(this::sendDeadLetter, 0);
        } else {
            String both = failure + "; dead-letter publish to " + route.dlqTopic + " also failed: "
                    + Errors.describe(error, publisher.secrets);
            withMdc(() -> LOG.error("Node {}: event {} ({}) to {} failed: {}", publisher.nodeId, eventId,
                    input.eventType(), route.fullTopic, both));
            finish(failed(both, failureType, false), -2);
        }
    }
}
