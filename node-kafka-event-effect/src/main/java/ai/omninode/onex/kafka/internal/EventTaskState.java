package ai.omninode.onex.kafka.internal;

import ai.omninode.onex.kafka.ModelKafkaEventInput;
import ai.omninode.onex.kafka.ModelKafkaEventOutput;
import ai.omninode.onex.node.ExecutionContext;
import ai.omninode.onex.node.TraceContext;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One event's state, and how it ends: once ({@link #finish}), at the node's shutdown ({@link #failShutdown}), and what
 * the breaker hears of it.
 *
 * <p>An event is one object of the final class {@link EventTask}, whose code is split over a chain of classes, one
 * concern each: this one; {@link EventTaskDeadLetter}, the dead-letter phase after the last attempt;
 * {@link EventTaskDeadline}, the caller's deadline and the answers that come after it; {@link EventTask}, sending
 * and the producer's answers. A chain, not objects of their own, because the event is on the node's hot path: it
 * stays one allocation, with every field declared here, and the methods called along the chain are final (the one
 * abstract step, {@code awaitGate}, has one implementation), so nothing is dispatched that was not before. The
 * order of the chain says nothing; each class uses only what is above it, and that abstract step.
 */
abstract class EventTaskState implements Callback {
    /** The node's logger (its name is the node's class), for the whole chain. */
    static final Logger LOG = LoggerFactory.getLogger("ai.omninode.onex.kafka.NodeKafkaEventEffect");
    private static final VarHandle DONE;
    static final VarHandle SEND_STATE;
    private static final VarHandle BREAKER_TOLD;
    /** No record of this event in the producer: a send or the deadline may claim it. */
    static final int IDLE = 0;
    /** The producer took the record (and may have delivered it, answered or not): past the deadline, the outcome is unknown. */
    static final int IN_PRODUCER = 1;
    /** The deadline answered while no record was in the producer: no send may follow. */
    static final int EXPIRED = 2;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            DONE = lookup.findVarHandle(EventTaskState.class, "done", boolean.class);
            SEND_STATE = lookup.findVarHandle(EventTaskState.class, "sendState", int.class);
            BREAKER_TOLD = lookup.findVarHandle(EventTaskState.class, "breakerTold", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The node's publisher: its producer, breaker, scheduler and settings, shared by its events. */
    final EventPublisher publisher;
    final CompletableFuture<ModelKafkaEventOutput> future = new CompletableFuture<>();
    final ModelKafkaEventInput input;
    final TopicRoute route;
    final UUID eventId;
    final byte[] envelope;
    final ProducerRecord<byte[], byte[]> record;
    final long startNanos;
    /** Retries made so far: the index of the current attempt. */
    int retries;
    Exception lastError;
    boolean deadLetterPhase;
    boolean deadLetterTruncated;
    boolean deadLetterWithoutCallerHeaders;
    boolean stoppedByBreaker;
    /** The last attempt failed after the producer took the record: the broker may have stored it. */
    boolean outcomeUnknown;
    /**
     * The thread inside {@code producer.send} for this event, if any: a callback on that same thread is a failure
     * of send itself. Plain on purpose: only the writing thread can ever find itself here.
     */
    Thread sendingThread;
    String failure;
    String failureType;
    @SuppressWarnings("unused") // through DONE
    volatile boolean done;
    /** The event's W3C trace context headers, for its dead letter too. */
    byte[] traceparent;
    byte[] tracestate;
    /** Whether a caller's deadline bounds this event (only then is {@link #sendState} used). */
    final boolean hasDeadline;
    final long deadlineNanos;
    @SuppressWarnings("unused") // through SEND_STATE
    volatile int sendState;
    /** Whether the breaker heard how this call ended (or got its permit back); see {@link #claimBreaker}. */
    @SuppressWarnings("unused") // through BREAKER_TOLD
    private volatile boolean breakerTold;
    /** Calls the deadline timer off once the event ended. */
    volatile Runnable cancelDeadline;

    EventTaskState(EventPublisher publisher, ModelKafkaEventInput input, TopicRoute route, UUID eventId,
            byte[] eventIdBytes, byte[] correlationBytes, EventType type, byte[] envelope, long startNanos,
            ExecutionContext context) {
        this.publisher = publisher;
        this.hasDeadline = context.hasDeadline();
        this.deadlineNanos = context.deadlineNanoTime();
        this.input = input;
        this.route = route;
        this.eventId = eventId;
        this.envelope = envelope;
        this.startNanos = startNanos;
        // the correlation id is usually the key too: one array for both (Kafka only reads them)
        // an empty key is no key, as the Python original's `key or correlation_id` reads it: "" would send every
        // such event to one partition
        byte[] key = input.key() != null && !input.key().isEmpty() ? input.key().getBytes(StandardCharsets.UTF_8)
                : correlationBytes;
        this.record = new ProducerRecord<>(route.fullTopic, null, null, key, envelope);
        addHeaders(record.headers(), eventIdBytes, correlationBytes, type, parentOf(context, input.headers()));
    }

    /**
     * The caller's headers, then the standard ones, added to the record's own (empty) headers: a {@code Headers}
     * handed to {@code ProducerRecord} is copied there, and building one first cost a quarter of the caller's time
     * in the node in {@code NodeCpuBenchmark} (two lists, two arrays and a copy per event). A caller's header
     * named like a standard one is left out: the standard one carries the envelope's value, and a second header
     * of that name would contradict it for consumers that read the first one (or all of them).
     */
    private void addHeaders(Headers headers, byte[] eventIdBytes, byte[] correlationBytes, EventType type,
            TraceContext parent) {
        Map<String, String> extra = input.headers();
        if (extra != null) {
            for (Map.Entry<String, String> h : extra.entrySet()) {
                if (!isStandardHeader(h.getKey())) {
                    headers.add(h.getKey(), h.getValue().getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        this.traceparent = Ascii.traceparent(parent);
        this.tracestate = parent == null ? null
                : parent.traceState().map(t -> t.getBytes(StandardCharsets.UTF_8)).orElse(null);
        headers.add("correlation_id", correlationBytes);
        headers.add(type.kafkaHeader());
        headers.add("event_id", eventIdBytes);
        headers.add(TraceContext.TRACEPARENT, traceparent);
        if (tracestate != null) {
            headers.add(TraceContext.TRACESTATE, tracestate);
        }
    }

    /** The correlation id's text, for the slow paths (log lines, dead letters). */
    final String correlationId() {
        return input.correlationId().toString();
    }

    final boolean isDone() {
        return done;
    }

    /**
     * Whether this thread tells the breaker how the call ended: once per call. With a deadline, the timer may
     * answer the caller (outcome_unknown) while Kafka holds the record; Kafka's answer, whenever it comes, then
     * tells the breaker (succeed, fail or lateAnswer), or a half-open breaker waits for its trial call for ever.
     * Without a deadline only one thread ever gets here for a call.
     */
    final boolean claimBreaker() {
        return !hasDeadline || BREAKER_TOLD.compareAndSet(this, false, true);
    }

    final void breakerSuccess(long nanos) {
        // The breaker opens when its last `threshold` calls all failed. A success only matters when it breaks a
        // run of failures (or is the half-open trial); recording every one costs the I/O thread about a
        // microsecond (resilience4j builds an event with a ZonedDateTime for each). A failure is counted only
        // after the breaker recorded it, and the count a success read is marked as followed only after the
        // success was recorded: so every failure in the window is either followed by a recorded success or
        // still counted, and the next success records. (Resetting a counter to 0 here could erase a failure
        // counted but not yet recorded, which would then stay in the window unbroken by later successes.)
        long failures = publisher.metrics.breakerFailures.get();
        if (failures != publisher.metrics.breakerFailuresBeforeSuccess.get()
                || publisher.breaker.getState() != CircuitBreaker.State.CLOSED) {
            publisher.breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
            publisher.metrics.breakerFailuresBeforeSuccess.accumulateAndGet(failures, Math::max);
        }
    }

    /**
     * Runs a log statement about this event with its correlation id in the MDC
     * ({@value EventPublisher#CORRELATION_ID}); the thread's own value, if it had one, is put back after.
     */
    final void withMdc(Runnable log) {
        String previous = MDC.get(EventPublisher.CORRELATION_ID);
        MDC.put(EventPublisher.CORRELATION_ID, correlationId());
        try {
            log.run();
        } finally {
            if (previous == null) {
                MDC.remove(EventPublisher.CORRELATION_ID);
            } else {
                MDC.put(EventPublisher.CORRELATION_ID, previous);
            }
        }
    }

    /**
     * Ends the event as a failure because the node shuts down. Any thread; a no-op if it already ended.
     * {@code inProducer}: the producer held its record, which may have reached the broker. The error type says
     * whether sending it again is safe: only {@code shutdown} (it never left the node) is retriable; an event the
     * broker may have stored is {@code outcome_unknown}, and one that had already failed keeps its type.
     */
    final void failShutdown(boolean inProducer) {
        if (isDone()) {
            return;
        }
        String last = lastError == null ? "" : " (last error: " + Errors.describe(lastError, publisher.secrets) + ")";
        if (failureType != null) { // it had failed for good; only its dead letter was on its way
            finish(failed(failure + "; its dead letter to " + route.dlqTopic + " was not confirmed: the node shut"
                    + " down first", failureType, false), -1);
        } else if (inProducer || outcomeUnknown) {
            finish(failed("node shut down before the broker acknowledged the event; not sent again: the broker may"
                    + " have stored it" + last, ModelKafkaEventOutput.OUTCOME_UNKNOWN, false), -1);
        } else if (lastError instanceof ApiException && !Errors.retriable(lastError)) {
            // Kafka refused it for good (not a send refused because the producer was closing: that is ours)
            finish(failed(Errors.describe(lastError, publisher.secrets)
                    + "; not dead-lettered: the node shut down first", ModelKafkaEventOutput.NON_RETRIABLE, false), -1);
        } else {
            finish(failed("node shut down before the event was delivered" + last, ModelKafkaEventOutput.SHUTDOWN,
                    false), -1);
        }
    }

    final ModelKafkaEventOutput failed(String error, String type, boolean deadLettered) {
        return new ModelKafkaEventOutput(false, route.fullTopic, null, null, error, input.correlationId(), eventId,
                input.eventType(), retries, deadLettered, deadLettered ? route.dlqTopic : null, type,
                new String(envelope, StandardCharsets.UTF_8));
    }

    /**
     * Counts and completes, once. {@code nanos >= 0}: published in that time; {@code -1}: failed; {@code -2}:
     * failed and its dead letter too. Counting comes first, so a caller that saw the future complete sees the
     * counts.
     */
    final void finish(ModelKafkaEventOutput output, long nanos) {
        if (!DONE.compareAndSet(this, false, true)) {
            return;
        }
        if (hasDeadline) {
            Runnable cancel = cancelDeadline;
            if (cancel != null) {
                cancel.run();
            }
        }
        if (publisher.inFlight != null) {
            publisher.inFlight.remove(this);
        }
        if (output.success()) {
            route.meters.published(nanos);
        } else {
            route.meters.failed(output.errorType(), output.deadLettered());
            if (nanos == -2) {
                route.meters.deadLetterFailures.increment();
            }
        }
        future.complete(output);
    }

    /** Runs {@code step} on the scheduler, parked meanwhile; fails the event if the node is shutting down. */
    final void later(Runnable step, long delayMs) {
        publisher.parked.add(this);
        try {
            publisher.scheduler.schedule(() -> {
                publisher.parked.remove(this);
                // whatever the node's thread does next sees the latencies acknowledged before
                publisher.metrics.flush();
                if (publisher.closed) {
                    failShutdown(false);
                } else {
                    step.run();
                }
            }, delayMs);
        } catch (RejectedExecutionException e) {
            publisher.parked.remove(this);
            failShutdown(false);
        }
    }

    /** Whether the node sets a header of this name on every event (so a caller's header of that name is left out). */
    static boolean isStandardHeader(String name) {
        return "correlation_id".equals(name) || "event_type".equals(name) || "event_id".equals(name)
                || TraceContext.TRACEPARENT.equals(name) || TraceContext.TRACESTATE.equals(name);
    }

    /**
     * The trace an event continues: the context's; without one, the caller's own {@code traceparent} header if it is
     * valid; else none ({@code null}: the event starts a new trace). The event carries a child of it (a new span id),
     * one per event: its dead letter carries the same.
     */
    static TraceContext parentOf(ExecutionContext context, Map<String, String> callerHeaders) {
        TraceContext parent = context.traceContext().orElse(null);
        if (parent == null && callerHeaders != null) {
            String traceparent = callerHeaders.get(TraceContext.TRACEPARENT);
            if (traceparent != null) {
                parent = TraceContext.parse(traceparent, callerHeaders.get(TraceContext.TRACESTATE)).orElse(null);
            }
        }
        return parent;
    }
}
