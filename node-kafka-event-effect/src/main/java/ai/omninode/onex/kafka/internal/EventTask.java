package ai.omninode.onex.kafka.internal;

import ai.omninode.onex.kafka.ModelKafkaEventInput;
import ai.omninode.onex.kafka.ModelKafkaEventOutput;
import ai.omninode.onex.node.ExecutionContext;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * One event from its first attempt to its end; also the callback of its sends. See {@link EventPublisher} for the
 * threads it runs on and how it ends. This last class of the chain ({@link EventTaskState}) sends: it waits for the
 * topic's gate, takes the producer's answers, and retries what never left the node.
 */
final class EventTask extends EventTaskDeadline {
    /** At most one warning a node logs about retries in this time; the others go to DEBUG. */
    private static final long RETRY_WARNING_INTERVAL_NANOS = 10_000_000_000L;

    EventTask(EventPublisher publisher, ModelKafkaEventInput input, TopicRoute route, UUID eventId,
            byte[] eventIdBytes, byte[] correlationBytes, EventType type, byte[] envelope, long startNanos,
            ExecutionContext context) {
        super(publisher, input, route, eventId, eventIdBytes, correlationBytes, type, envelope, startNanos, context);
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
    @Override
    void awaitGate(TopicGates.Gate gate, boolean forDeadLetter, long boundMs) {
        publisher.parked.add(this);
        publisher.awaitingTopic.add(this);
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
                publisher.awaitingTopic.remove(this);
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
        publisher.awaitingTopic.remove(this);
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
}
