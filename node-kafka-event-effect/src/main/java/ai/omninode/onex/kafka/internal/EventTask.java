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
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One event from its first attempt to its end; also the callback of its sends. See {@link EventPublisher} for the
 * threads it runs on and how it ends.
 */
final class EventTask implements Callback {
    private static final Logger LOG = LoggerFactory.getLogger("ai.omninode.onex.kafka.NodeKafkaEventEffect");
    private static final VarHandle DONE;
    private static final VarHandle SEND_STATE;
    private static final VarHandle BREAKER_TOLD;
    /** No record of this event in the producer: a send or the deadline may claim it. */
    private static final int IDLE = 0;
    /** The producer took the record (and may have delivered it, answered or not): past the deadline, the outcome is unknown. */
    private static final int IN_PRODUCER = 1;
    /** The deadline answered while no record was in the producer: no send may follow. */
    private static final int EXPIRED = 2;
    /** At most one warning a node logs about retries in this time; the others go to DEBUG. */
    private static final long RETRY_WARNING_INTERVAL_NANOS = 10_000_000_000L;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            DONE = lookup.findVarHandle(EventTask.class, "done", boolean.class);
            SEND_STATE = lookup.findVarHandle(EventTask.class, "sendState", int.class);
            BREAKER_TOLD = lookup.findVarHandle(EventTask.class, "breakerTold", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The node's publisher: its producer, breaker, scheduler and settings, shared by its events. */
    private final EventPublisher publisher;
    final CompletableFuture<ModelKafkaEventOutput> future = new CompletableFuture<>();
    private final ModelKafkaEventInput input;
    private final TopicRoute route;
    private final UUID eventId;
    private final byte[] envelope;
    private final ProducerRecord<byte[], byte[]> record;
    private final long startNanos;
    /** Retries made so far: the index of the current attempt. */
    private int retries;
    private Exception lastError;
    private boolean deadLetterPhase;
    private boolean deadLetterTruncated;
    private boolean deadLetterWithoutCallerHeaders;
    private boolean stoppedByBreaker;
    /** The last attempt failed after the producer took the record: the broker may have stored it. */
    private boolean outcomeUnknown;
    /**
     * The thread inside {@code producer.send} for this event, if any: a callback on that same thread is a failure
     * of send itself. Plain on purpose: only the writing thread can ever find itself here.
     */
    private Thread sendingThread;
    private String failure;
    private String failureType;
    @SuppressWarnings("unused") // through DONE
    private volatile boolean done;
    /** The event's W3C trace context headers, for its dead letter too. */
    private byte[] traceparent;
    private byte[] tracestate;
    /** Whether a caller's deadline bounds this event (only then is {@link #sendState} used). */
    final boolean hasDeadline;
    private final long deadlineNanos;
    @SuppressWarnings("unused") // through SEND_STATE
    private volatile int sendState;
    /** Whether the breaker heard how this call ended (or got its permit back); see {@link #claimBreaker}. */
    @SuppressWarnings("unused") // through BREAKER_TOLD
    private volatile boolean breakerTold;
    /** Calls the deadline timer off once the event ended. */
    private volatile Runnable cancelDeadline;

    EventTask(EventPublisher publisher, ModelKafkaEventInput input, TopicRoute route, UUID eventId, byte[] eventIdBytes,
            byte[] correlationBytes, EventType type, byte[] envelope, long startNanos, ExecutionContext context) {
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
    private String correlationId() {
        return input.correlationId().toString();
    }

    boolean isDone() {
        return done;
    }

    /** Sends the event (after its topic is ready). Any thread. */
    void send() {
        TopicGates.Gate gate = route.gate;
        if (gate != null && !gate.ready()) {
            awaitGate(gate, false);
            return;
        }
        if (hasDeadline && !SEND_STATE.compareAndSet(this, IDLE, IN_PRODUCER)) {
            return; // the deadline answered first: nothing may be sent now
        }
        sendingThread = Thread.currentThread();
        try {
            publisher.producer.send(record, this);
        } catch (RuntimeException e) { // closed producer, serializer, interrupted while blocked: the callback won't come
            onCompletion(null, e);
        } finally {
            sendingThread = null;
        }
        trackWhileHeld();
    }

    /**
     * Puts an event that a producer other than {@code KafkaProducer} still holds after {@code send} in
     * {@link EventPublisher#inFlight}, for {@code close} to fail if that producer never calls back. After the call,
     * not before it: a producer that answered inside {@code send} (a {@code MockProducer} that completes at once, the
     * benchmarks' producer) then costs no set update at all, where adding and removing each event was 7 % of the
     * caller's time in {@code NodeCpuBenchmark}. An answer that comes while the event is added is seen by the second
     * look at {@code done}: {@code finish} sets it before it removes the event, so one of the two removes it. A node
     * that closed meanwhile may have failed what the set held already: the event is failed here then, as it would
     * have been.
     */
    private void trackWhileHeld() {
        if (publisher.inFlight == null || done) {
            return;
        }
        publisher.inFlight.add(this);
        if (done) {
            publisher.inFlight.remove(this);
        } else if (publisher.inFlightFailed) {
            failShutdown(true);
            publisher.inFlight.remove(this);
        }
    }

    /**
     * A timeout reported while {@code send} itself ran, other than a full buffer, means the producer had no
     * metadata for the topic (it waited {@code max.block.ms} for it): let the topic's gate fetch it again, so
     * that the next callers do not wait too.
     */
    private void forgetMetadataIfMissing(Exception error, TopicGates.Gate gate) {
        if (gate != null && error instanceof TimeoutException && !(error instanceof BufferExhaustedException)
                && sendingThread == Thread.currentThread()) {
            gate.invalidate();
        }
    }

    private void awaitGate(TopicGates.Gate gate, boolean forDeadLetter) {
        awaitGate(gate, forDeadLetter, 0);
    }

    /** Waits for the topic's check; {@code boundMs > 0}: at most that long (the check goes on for later events). */
    private void awaitGate(TopicGates.Gate gate, boolean forDeadLetter, long boundMs) {
        publisher.parked.add(this);
        AtomicBoolean answered = new AtomicBoolean();
        if (boundMs > 0) {
            try {
                publisher.scheduler.schedule(() -> {
                    if (answered.compareAndSet(false, true)) {
                        gateAnswered(forDeadLetter, new TopicGates.NotReadyException("topic " + gate.topic()
                                + " was not ready within " + boundMs + " ms either; not waited for longer, as the"
                                + " event's own topic was not ready within delivery.timeout.ms", null));
                    }
                }, boundMs);
            } catch (RejectedExecutionException e) {
                answered.set(true);
                publisher.parked.remove(this);
                failShutdown(false);
                return;
            }
        }
        // a cluster that does not answer at all ends the wait (and opens the breaker) before delivery.timeout.ms
        Runnable unwatch = publisher.cluster.whileWaiting(unreachable -> {
            if (answered.compareAndSet(false, true)) {
                gateAnswered(forDeadLetter, unreachable);
            }
        });
        gate.await().whenComplete((ignored, error) -> {
            unwatch.run();
            if (answered.compareAndSet(false, true)) {
                gateAnswered(forDeadLetter, error);
            }
        });
    }

    private void gateAnswered(boolean forDeadLetter, Throwable error) {
        publisher.parked.remove(this);
        if (isDone()) {
            return;
        }
        if (publisher.closed) {
            failShutdown(false);
        } else if (error != null && forDeadLetter) {
            onCompletion(null, Errors.asException(Errors.unwrap(error)));
        } else if (error != null) {
            attemptFailed(Errors.asException(Errors.unwrap(error)), true); // never handed to the producer
        } else if (forDeadLetter) {
            sendDeadLetter();
        } else {
            send();
        }
    }

    /** Kafka's I/O thread (or the sending thread when send itself failed). */
    @Override
    public void onCompletion(RecordMetadata metadata, Exception error) {
        if (isDone()) {
            lateAnswer(metadata, error);
            return;
        }
        if (hasDeadline && !deadLetterPhase && error != null && sendingThread == Thread.currentThread()) {
            // refused by send itself: the record never left, so the deadline may answer "nothing was sent" (and a
            // retry may send it). Any other answer is about a record the broker may hold: the state stays
            // IN_PRODUCER, or the timer, firing before this answer ends the event, would claim it was never sent.
            // lastError first: the timer reads it after it sees IDLE.
            lastError = error;
            sendState = IDLE;
        }
        if (deadLetterPhase) {
            forgetMetadataIfMissing(error, route.dlqGate);
            if (publisher.closed || sendingThread == Thread.currentThread()) {
                onDeadLetterResult(error);
            } else {
                // off the I/O thread: completing a failure may run callers' code that reads the envelope
                later(() -> onDeadLetterResult(error), 0);
            }
            return;
        }
        if (error == null) {
            succeed(metadata);
            return;
        }
        forgetMetadataIfMissing(error, route.gate);
        // reported while send itself ran: the producer refused the record (no metadata, buffer full), so it
        // never left this process; reported later, the producer may have delivered it and lost the answer
        attemptFailed(error, sendingThread == Thread.currentThread());
    }

    /**
     * One attempt failed. The node sends the record again only if it provably never reached a broker
     * ({@code neverSent}): a second send of a record the broker may have stored (a delivery timeout whose
     * request did arrive) would store it twice, and the idempotent producer cannot tell the two sends apart.
     * Retries of a record the producer took are the producer's own, within {@code delivery.timeout.ms}.
     */
    private void attemptFailed(Exception error, boolean neverSent) {
        lastError = error;
        // no answer from Kafka: does the cluster answer at all? (else the breaker opens)
        publisher.cluster.noAnswer(error);
        if (publisher.closed) {
            // a record the producer took may have been stored (a forced close aborts requests in flight too),
            // unless the broker refused it for good
            failShutdown(!neverSent && !(error instanceof ApiException && !Errors.retriable(error)));
        } else if (neverSent && Errors.retriable(error) && retries < publisher.config.maxRetries()) {
            long delay = EventPublisher.backoffMs(publisher.config.retryBackoffMs(), retries);
            if (hasDeadline && deadlineNanos - System.nanoTime() <= TimeUnit.MILLISECONDS.toNanos(delay)) {
                expire(); // the retry would come after the deadline: answer now, nothing was sent
                return;
            }
            logRetry(error, delay);
            later(this::retry, delay);
        } else {
            outcomeUnknown = !neverSent && Errors.retriable(error);
            later(this::fail, 0);
        }
    }

    /**
     * A retry is worth a warning (a broker away, a topic that does not become ready), but thousands of events may
     * retry at once: one warning per node every 10 s, with the number of retries since the last one; the rest
     * at DEBUG.
     */
    private void logRetry(Exception error, long delay) {
        long now = System.nanoTime();
        long due = publisher.nextRetryWarning.get();
        long since = publisher.retriesSinceWarning.incrementAndGet();
        if (now - due >= 0 && publisher.nextRetryWarning.compareAndSet(due, now + RETRY_WARNING_INTERVAL_NANOS)
                && LOG.isWarnEnabled()) {
            publisher.retriesSinceWarning.addAndGet(-since);
            withMdc(() -> LOG.warn("Node {}: event {} to {} failed on attempt {} of {} ({}); retrying in {} ms{}",
                    publisher.nodeId, eventId, route.fullTopic, retries + 1, publisher.config.maxRetries() + 1,
                    Errors.describe(error, publisher.secrets), delay,
                    since > 1 ? " (" + since + " retries of this node since the last such warning)" : ""));
        } else if (LOG.isDebugEnabled()) {
            withMdc(() -> LOG.debug("Node {}: event {} to {} failed on attempt {} ({}); retrying in {} ms",
                    publisher.nodeId, eventId, route.fullTopic, retries + 1, Errors.describe(error, publisher.secrets),
                    delay));
        }
    }

    private void retry() {
        if (isDone()) {
            return;
        }
        if (publisher.breaker.getState() == CircuitBreaker.State.OPEN) {
            // other calls opened the breaker meanwhile: no more network traffic for this one either
            stoppedByBreaker = true;
            fail();
            return;
        }
        retries++;
        route.meters.retries.increment();
        send();
    }

    private void succeed(RecordMetadata metadata) {
        long nanos = System.nanoTime() - startNanos;
        if (claimBreaker()) {
            breakerSuccess(nanos);
        }
        if (retries > 0 && LOG.isInfoEnabled()) {
            withMdc(() -> LOG.info("Node {}: event {} published to {} after {} retries", publisher.nodeId, eventId,
                    route.fullTopic, retries));
        }
        // acks=0 gets no offset back
        finish(new ModelKafkaEventOutput(true, route.fullTopic, metadata.partition(),
                metadata.hasOffset() ? metadata.offset() : null, null, input.correlationId(), eventId,
                input.eventType(), retries, false, null, null, null), nanos);
    }

    /**
     * Whether this thread tells the breaker how the call ended: once per call. With a deadline, the timer may
     * answer the caller (outcome_unknown) while Kafka holds the record; Kafka's answer, whenever it comes, then
     * tells the breaker (succeed, fail or lateAnswer), or a half-open breaker waits for its trial call for ever.
     * Without a deadline only one thread ever gets here for a call.
     */
    private boolean claimBreaker() {
        return !hasDeadline || BREAKER_TOLD.compareAndSet(this, false, true);
    }

    private void breakerSuccess(long nanos) {
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

    /** After the last attempt, on the scheduler: one breaker failure, then the dead-letter topic. */
    private void fail() {
        if (isDone()) {
            // the deadline answered while Kafka's failure was on its way here: the breaker still hears of it
            if (hasDeadline && claimBreaker()) {
                publisher.breaker.onError(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS, lastError);
                publisher.metrics.breakerFailures.incrementAndGet(); // after the breaker recorded it: see breakerSuccess()
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
            withMdc(() -> LOG.warn("Node {}: event {} ({}) to {} failed: {}", publisher.nodeId, eventId, input.eventType(), route.fullTopic, failure));
            finish(failed(failure, failureType, false), -1);
            return;
        }
        deadLetterPhase = true;
        TopicGates.Gate gate = route.dlqGate;
        if (gate != null && !gate.ready()) {
            awaitGate(gate, true, error instanceof TopicGates.NotReadyException
                    ? Math.min(EventPublisher.DLQ_WAIT_AFTER_TOPIC_TIMEOUT_MS, publisher.config.deliveryTimeoutMs() / 2) : 0);
        } else {
            sendDeadLetter();
        }
    }

    /**
     * The dead letter: the caller's headers (a trace id, say) as on the event, then the dead-letter headers. A
     * caller's header named like one of those is left out, as on the event.
     */
    private void sendDeadLetter() {
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
        byte[] body = publisher.codec.deadLetter(route.fullTopic, envelope, failure, errorTime, retries, deadLetterTruncated,
                EventPublisher.DLQ_PREVIEW_BYTES);
        if (!deadLetterTruncated && body.length > publisher.dlqMaxBytes - callerHeaderBytes) {
            deadLetterTruncated = true;
            body = publisher.codec.deadLetter(route.fullTopic, envelope, failure, errorTime, retries, true, EventPublisher.DLQ_PREVIEW_BYTES);
        }
        if (callerHeaderBytes > 0 && body.length > publisher.dlqMaxBytes - callerHeaderBytes) {
            // the caller's headers alone leave no room (they may be why the event was too large): without them
            deadLetterWithoutCallerHeaders = true;
            sendDeadLetter();
            return;
        }
        sendingThread = Thread.currentThread();
        try {
            publisher.producer.send(new ProducerRecord<>(route.dlqTopic, null, null, record.key(), body, headers), this);
        } catch (RuntimeException e) {
            onDeadLetterResult(e);
        } finally {
            sendingThread = null;
        }
    }

    private void onDeadLetterResult(Exception error) {
        if (error == null) {
            withMdc(() -> LOG.warn("Node {}: event {} ({}) to {} failed: {}; sent to {}", publisher.nodeId, eventId, input.eventType(),
                    route.fullTopic, failure, route.dlqTopic));
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

    /**
     * Runs a log statement about this event with its correlation id in the MDC
     * ({@value EventPublisher#CORRELATION_ID}); the thread's own value, if it had one, is put back after.
     */
    private void withMdc(Runnable log) {
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

    /** Starts the timer that answers for this event at its deadline, {@code nanos} from now. */
    void armDeadline(long nanos) {
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
    void expire() {
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
    private void lateAnswer(RecordMetadata metadata, Exception error) {
        if (deadLetterPhase) {
            withMdc(() -> LOG.info("Node {}: the dead letter of event {} to {}, unconfirmed at the deadline, {}",
                    publisher.nodeId, eventId, route.dlqTopic,
                    error == null ? "was stored later" : "failed later: " + Errors.describe(error, publisher.secrets)));
        } else if (error == null && metadata != null) {
            withMdc(() -> LOG.info("Node {}: event {} ({}) to {}, reported at its deadline, was acknowledged later: partition {},"
                    + " offset {}", publisher.nodeId, eventId, input.eventType(), route.fullTopic, metadata.partition(),
                    metadata.hasOffset() ? metadata.offset() : "none"));
            if (claimBreaker()) {
                breakerSuccess(System.nanoTime() - startNanos);
            }
        } else if (error != null && !publisher.closed) {
            withMdc(() -> LOG.info("Node {}: event {} ({}) to {}, reported at its deadline, failed later: {}", publisher.nodeId, eventId,
                    input.eventType(), route.fullTopic, Errors.describe(error, publisher.secrets)));
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

    /**
     * Ends the event as a failure because the node shuts down. Any thread; a no-op if it already ended.
     * {@code inProducer}: the producer held its record, which may have reached the broker. The error type says
     * whether sending it again is safe: only {@code shutdown} (it never left the node) is retriable; an event the
     * broker may have stored is {@code outcome_unknown}, and one that had already failed keeps its type.
     */
    void failShutdown(boolean inProducer) {
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

    private ModelKafkaEventOutput failed(String error, String type, boolean deadLettered) {
        return new ModelKafkaEventOutput(false, route.fullTopic, null, null, error, input.correlationId(), eventId,
                input.eventType(), retries, deadLettered, deadLettered ? route.dlqTopic : null, type,
                new String(envelope, StandardCharsets.UTF_8));
    }

    /**
     * Counts and completes, once. {@code nanos >= 0}: published in that time; {@code -1}: failed; {@code -2}:
     * failed and its dead letter too. Counting comes first, so a caller that saw the future complete sees the
     * counts.
     */
    private void finish(ModelKafkaEventOutput output, long nanos) {
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
    private void later(Runnable step, long delayMs) {
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
