package ai.omninode.onex.kafka.internal;

import ai.omninode.onex.contract.Violation;
import ai.omninode.onex.kafka.ModelKafkaEventConfig;
import ai.omninode.onex.kafka.ModelKafkaEventInput;
import ai.omninode.onex.kafka.ModelKafkaEventOutput;
import ai.omninode.onex.kafka.ProducerFactory;
import ai.omninode.onex.node.ExecutionContext;
import ai.omninode.onex.node.NodeExecutionException;
import ai.omninode.onex.node.OnexException;
import ai.omninode.onex.node.TraceContext;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
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
 * The running part of a {@code NodeKafkaEventEffect}: producer, circuit breaker, retries, dead letters, metrics.
 *
 * <p>Threads. The first attempt is sent on the caller's thread; {@code send} only appends to the producer's buffer
 * and blocks at most {@code max.block.ms}. Kafka's I/O thread runs the callbacks, which only complete futures,
 * count, or hand work to the node's {@link Scheduler} (retries after their backoff, dead letters, topic checks), so
 * that nothing ever blocks the I/O thread.
 *
 * <p>Every event ends exactly once, through {@link Task#finish}: acknowledged, dead-lettered, or failed with its
 * envelope. Events waiting on the scheduler or on a topic check are "parked" so that {@link #close()} can fail
 * them; events inside a {@code KafkaProducer} are completed by its {@code close}, which fails what it cannot
 * deliver in time. Other producers (a {@code MockProducer}) give no such promise, so their events are tracked too.
 */
public final class EventPublisher {
    private static final Logger LOG = LoggerFactory.getLogger("ai.omninode.onex.kafka.NodeKafkaEventEffect");
    public static final String NOT_INITIALIZED = "Kafka producer not initialized";
    public static final String CIRCUIT_OPEN = "Circuit breaker is open, refusing to publish events";
    public static final String INIT_FAILED = "Kafka producer initialization failed";
    /** The MDC key of log lines about an event (and about a workflow run, in the runner). */
    public static final String CORRELATION_ID = "correlation_id";
    /** Bytes of payload JSON kept in a truncated dead letter. */
    static final int DLQ_PREVIEW_BYTES = 1024;
    /** Room left for headers and record overhead below {@code max.request.size}. */
    static final int DLQ_HEADROOM_BYTES = 1024;
    private static final int MAX_CACHED_ROUTES = 10_000;
    /**
     * The longest wait for a dead-letter topic to become ready after the event's own topic did not become ready in a
     * whole {@code delivery.timeout.ms} (at most half of that): the same brokers would most likely keep it waiting as
     * long again, and the caller waits for the answer.
     */
    static final long DLQ_WAIT_AFTER_TOPIC_TIMEOUT_MS = 5_000;
    /** At most one warning a node logs about retries in this time; the others go to DEBUG. */
    private static final long RETRY_WARNING_INTERVAL_NANOS = 10_000_000_000L;

    final ModelKafkaEventConfig config;
    final String nodeId;
    final Producer<byte[], byte[]> producer;
    private final Admin admin;
    private final TopicGates gates;
    final CircuitBreaker breaker;
    private final ClusterCheck cluster;
    final Scheduler scheduler;
    private final Clock clock;
    private final InputValidator validator;
    private final EnvelopeCodec codec;
    final Secrets secrets;
    final NodeMeters metrics;
    private final ConcurrentHashMap<String, TopicRoute> routes = new ConcurrentHashMap<>();
    /** The node's one breaker, in a registry so that resilience4j's Micrometer module can see it. */
    private final CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
    private final Set<Task> parked = ConcurrentHashMap.newKeySet();
    private final Set<Task> inFlight;
    private final int dlqMaxBytes;
    private final AtomicLong nextRetryWarning = new AtomicLong(System.nanoTime());
    private final AtomicLong retriesSinceWarning = new AtomicLong();
    private volatile boolean closed;
    /** Set once {@code close} fails what {@link #inFlight} holds: an event added later fails itself. */
    private volatile boolean inFlightFailed;

    private EventPublisher(ModelKafkaEventConfig config, String nodeId, Producer<byte[], byte[]> producer, Admin admin,
            Scheduler scheduler, Clock clock, InputValidator validator, Secrets secrets, NodeMeters metrics) {
        this.config = config;
        this.nodeId = nodeId;
        this.producer = producer;
        this.admin = admin;
        this.scheduler = scheduler;
        this.clock = clock;
        this.validator = validator;
        this.secrets = secrets;
        this.metrics = metrics;
        this.codec = new EnvelopeCodec(EnvelopeCodec.MAPPER, config.serviceName(), nodeId);
        // a KafkaProducer blocks a first send to a topic on metadata; other producers (a MockProducer) do not
        this.gates = admin == null && !(producer instanceof KafkaProducer) ? null : new TopicGates(admin, producer,
                scheduler, config.topicPartitions(), config.topicReplicationFactor(), config.deliveryTimeoutMs(),
                config.bootstrapServers());
        this.inFlight = producer instanceof KafkaProducer ? null : ConcurrentHashMap.newKeySet();
        this.dlqMaxBytes = Math.max(DLQ_PREVIEW_BYTES * 4, config.maxRequestSize() - DLQ_HEADROOM_BYTES);
        this.breaker = circuitBreaker(config, nodeId, metrics, breakers);
        metrics.started(producer, breakers, scheduler);
        this.cluster = new ClusterCheck(admin, breaker, scheduler, config, nodeId, secrets);
    }

    /**
     * Creates the producer (and the admin client for topic creation) and starts. Throws {@link OnexException} with
     * "Kafka producer initialization failed" when the factory fails.
     *
     * @param scheduler the scheduler to use, or {@code null} for the node's own thread
     */
    public static EventPublisher start(ModelKafkaEventConfig config, String nodeId, ProducerFactory factory,
            Scheduler scheduler, Clock clock, InputValidator validator, NodeMeters metrics) {
        Map<String, Object> props = new LinkedHashMap<>(config.kafkaProperties());
        props.putIfAbsent("client.id", "onex-kafka-event-effect-" + nodeId.substring(0, 8));
        Secrets secrets = Secrets.of(props);
        Producer<byte[], byte[]> producer;
        try {
            producer = Objects.requireNonNull(factory.create(props), "the ProducerFactory returned null");
        } catch (RuntimeException | LinkageError e) {
            throw ClientSettings.initFailed("", e, props, secrets);
        }
        Admin admin = null;
        if (config.topicCreation() == ModelKafkaEventConfig.TopicCreation.ADMIN) {
            try {
                admin = factory.createAdmin(ClientSettings.adminProperties(props, config));
            } catch (RuntimeException | LinkageError e) {
                ClientSettings.closeQuietly(producer);
                throw ClientSettings.initFailed("cannot create the admin client for topic creation: ", e, props, secrets);
            }
        }
        Scheduler s = scheduler != null ? scheduler : new ExecutorScheduler("onex-kafka-event-effect-" + nodeId.substring(0, 8));
        return new EventPublisher(config, nodeId, producer, admin, s, clock, validator, secrets, metrics);
    }

    static CircuitBreaker circuitBreaker(ModelKafkaEventConfig config, String nodeId, NodeMeters metrics,
            CircuitBreakerRegistry registry) {
        int threshold = config.circuitBreakerThreshold();
        // the last `threshold` calls all failed <=> `threshold` consecutive failures; a success breaks the run
        CircuitBreakerConfig cbConfig = CircuitBreakerConfig.custom()
                .slidingWindow(threshold, threshold, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(100f)
                // resilience4j also opens when every call in the window took over 60 s, successes included: with a
                // long delivery.timeout.ms that would open the breaker on the very success that ends an outage
                .slowCallDurationThreshold(Duration.ofNanos(Long.MAX_VALUE))
                .waitDurationInOpenState(Duration.ofSeconds(config.circuitBreakerTimeoutS()))
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .permittedNumberOfCallsInHalfOpenState(1)
                .writableStackTraceEnabled(false)
                .build();
        CircuitBreaker breaker = registry.circuitBreaker(NodeMeters.NODE, cbConfig);
        breaker.getEventPublisher().onStateTransition(event -> {
            CircuitBreaker.State to = event.getStateTransition().getToState();
            CircuitBreaker.State from = event.getStateTransition().getFromState();
            if (to == CircuitBreaker.State.OPEN) {
                metrics.breakerOpens.increment();
                String why = ClusterCheck.openingReason();
                LOG.warn("Node {}: circuit breaker {} -> open after {}; refusing to publish for {} s", nodeId,
                        status(from), why != null ? why : from == CircuitBreaker.State.HALF_OPEN ? "a failed trial publish"
                                : threshold + " consecutive failed publishes", config.circuitBreakerTimeoutS());
            } else {
                LOG.info("Node {}: circuit breaker {} -> {}", nodeId, status(from), status(to));
            }
        });
        return breaker;
    }

    /** {@code closed}, {@code open} or {@code half_open} (and resilience4j's other states in lower case). */
    public static String status(CircuitBreaker.State state) {
        return switch (state) {
            case CLOSED -> "closed";
            case OPEN -> "open";
            case HALF_OPEN -> "half_open";
            default -> state.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    public String breakerStatus() {
        return status(breaker.getState());
    }

    /** ADMIN only when there is an admin client: a ProducerFactory may supply none. */
    public ModelKafkaEventConfig.TopicCreation topicCreation() {
        return gates != null && gates.createsTopics() ? ModelKafkaEventConfig.TopicCreation.ADMIN
                : ModelKafkaEventConfig.TopicCreation.BROKER;
    }

    public boolean isClosed() {
        return closed;
    }

    // ---------------------------------------------------------------------------------------------------------
    // publishing

    /** Validates (unless the caller did), then publishes, with no deadline and a random event id. Returns at once. */
    public CompletableFuture<ModelKafkaEventOutput> publish(ModelKafkaEventInput input, boolean validate) {
        return publish(input, validate, ExecutionContext.none());
    }

    /**
     * Validates (unless the caller did), then publishes. Returns at once. The event id is derived from the context's
     * idempotency key when it has one ({@link Uuids#eventId}), else random; the context's deadline bounds the
     * answer: past it, an event that never reached the producer fails as {@code deadline_exceeded} (nothing was sent),
     * and one the producer holds as {@code outcome_unknown}.
     */
    public CompletableFuture<ModelKafkaEventOutput> publish(ModelKafkaEventInput input, boolean validate,
            ExecutionContext context) {
        Objects.requireNonNull(input, "input");
        if (closed) {
            throw new IllegalStateException(NOT_INITIALIZED + ": the node was shut down");
        }
        long start = System.nanoTime();
        if (validate) {
            List<Violation> violations = validator.validate(input);
            if (!violations.isEmpty()) {
                return rejected(input, violations);
            }
        }
        TopicRoute route = route(input.topic());
        if (route.problems != null) {
            return rejected(input, route.problems);
        }
        String key = context.idempotencyKey().orElse(null);
        UUID eventId = key == null ? Uuids.random() : Uuids.eventId(key);
        // the ids' and the event type's bytes serve the envelope, the headers and the key alike
        byte[] eventIdBytes = Ascii.uuid(eventId);
        byte[] correlationBytes = Ascii.uuid(input.correlationId());
        EventType type = route.eventType(input.eventType());
        byte[] envelope;
        try {
            envelope = codec.envelope(eventIdBytes, input.eventType(), type.json(), correlationBytes, clock.instant(),
                    input.payload());
        } catch (RuntimeException e) {
            return rejected(input, List.of(InputValidator.unwritablePayload(e, secrets)));
        }
        if (context.isExpired()) {
            route.meters.failed(ModelKafkaEventOutput.DEADLINE_EXCEEDED, false);
            return CompletableFuture.completedFuture(new ModelKafkaEventOutput(false, route.fullTopic, null, null,
                    "the deadline had passed when the event was handed to the node; nothing was sent",
                    input.correlationId(), eventId, input.eventType(), 0, false, null,
                    ModelKafkaEventOutput.DEADLINE_EXCEEDED, new String(envelope, StandardCharsets.UTF_8)));
        }
        if (!breaker.tryAcquirePermission()) {
            metrics.breakerRejections.increment();
            String refusal = CIRCUIT_OPEN + cluster.whyOpen();
            ModelKafkaEventOutput out = new ModelKafkaEventOutput(false, route.fullTopic, null, null, refusal,
                    input.correlationId(), eventId, input.eventType(), 0, false, null, ModelKafkaEventOutput.CIRCUIT_OPEN,
                    new String(envelope, StandardCharsets.UTF_8));
            return CompletableFuture.failedFuture(new NodeExecutionException(refusal, out.toMap(), true, null));
        }
        Task task;
        try {
            task = new Task(input, route, eventId, eventIdBytes, correlationBytes, type, envelope, start, context);
        } catch (RuntimeException e) { // an input that skipped validation; give the breaker its permit back
            breaker.releasePermission();
            throw e;
        }
        if (task.hasDeadline) {
            task.armDeadline(context.timeRemaining(TimeUnit.NANOSECONDS));
        }
        task.send();
        return task.future;
    }

    private CompletableFuture<ModelKafkaEventOutput> rejected(ModelKafkaEventInput input, List<Violation> violations) {
        return CompletableFuture.completedFuture(reject(input.topic(), input.eventType(), input.correlationId(), violations));
    }

    /** The output for an input that broke the contract: counted, logged at debug, never sent. */
    public ModelKafkaEventOutput reject(String topic, String eventType, UUID correlationId, List<Violation> violations) {
        metrics.rejected.increment();
        String error = secrets.redact(InputValidator.describe(violations));
        if (LOG.isDebugEnabled()) {
            LOG.debug("Node {}: rejected an event for topic {}: {}", nodeId, topic, error);
        }
        return new ModelKafkaEventOutput(false, fullTopic(topic), null, null, error, correlationId, null, eventType, 0,
                false, null, ModelKafkaEventOutput.INVALID_INPUT, null);
    }

    private String fullTopic(String topic) {
        String t = topic == null ? "" : topic;
        return config.topicPrefix().isEmpty() ? t : config.topicPrefix() + "." + t;
    }

    /** Where events for {@code topic} go, and what is wrong with that name, cached per topic. */
    private TopicRoute route(String topic) {
        TopicRoute route = routes.get(topic);
        if (route == null) {
            route = new TopicRoute(fullTopic(topic), config.enableDlq(), gates, metrics, codec);
            if (routes.size() < MAX_CACHED_ROUTES) {
                TopicRoute raced = routes.putIfAbsent(topic, route);
                route = raced != null ? raced : route;
            }
        }
        return route;
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

    /** The wait before retry number {@code retry} (0-based): {@code retry_backoff_ms * 2^retry}, saturating. */
    public static long backoffMs(long retryBackoffMs, int retry) {
        if (retryBackoffMs == 0) {
            return 0;
        }
        int shift = Math.min(retry, 62);
        return retryBackoffMs > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : retryBackoffMs << shift;
    }

    // ---------------------------------------------------------------------------------------------------------
    // one event

    /** One event from its first attempt to its end; also the callback of its sends. */
    final class Task implements Callback {
        private static final VarHandle DONE;
        private static final VarHandle SEND_STATE;
        private static final VarHandle BREAKER_TOLD;
        /** No record of this event in the producer: a send or the deadline may claim it. */
        private static final int IDLE = 0;
        /** The producer took the record (and may have delivered it, answered or not): past the deadline, the outcome is unknown. */
        private static final int IN_PRODUCER = 1;
        /** The deadline answered while no record was in the producer: no send may follow. */
        private static final int EXPIRED = 2;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                DONE = lookup.findVarHandle(Task.class, "done", boolean.class);
                SEND_STATE = lookup.findVarHandle(Task.class, "sendState", int.class);
                BREAKER_TOLD = lookup.findVarHandle(Task.class, "breakerTold", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

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

        Task(ModelKafkaEventInput input, TopicRoute route, UUID eventId, byte[] eventIdBytes, byte[] correlationBytes,
                EventType type, byte[] envelope, long startNanos, ExecutionContext context) {
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
                producer.send(record, this);
            } catch (RuntimeException e) { // closed producer, serializer, interrupted while blocked: the callback won't come
                onCompletion(null, e);
            } finally {
                sendingThread = null;
            }
            trackWhileHeld();
        }

        /**
         * Puts an event that a producer other than {@code KafkaProducer} still holds after {@code send} in
         * {@link #inFlight}, for {@code close} to fail if that producer never calls back. After the call, not before it:
         * a producer that answered inside {@code send} (a {@code MockProducer} that completes at once, the benchmarks'
         * producer) then costs no set update at all, where adding and removing each event was 7 % of the caller's time
         * in {@code NodeCpuBenchmark}. An answer that comes while the event is added is seen by the second look at
         * {@code done}: {@code finish} sets it before it removes the event, so one of the two removes it. A node that
         * closed meanwhile may have failed what the set held already: the event is failed here then, as it would have been.
         */
        private void trackWhileHeld() {
            if (inFlight == null || done) {
                return;
            }
            inFlight.add(this);
            if (done) {
                inFlight.remove(this);
            } else if (inFlightFailed) {
                failShutdown(true);
                inFlight.remove(this);
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
            parked.add(this);
            AtomicBoolean answered = new AtomicBoolean();
            if (boundMs > 0) {
                try {
                    scheduler.schedule(() -> {
                        if (answered.compareAndSet(false, true)) {
                            gateAnswered(forDeadLetter, new TopicGates.NotReadyException("topic " + gate.topic()
                                    + " was not ready within " + boundMs + " ms either; not waited for longer, as the"
                                    + " event's own topic was not ready within delivery.timeout.ms", null));
                        }
                    }, boundMs);
                } catch (RejectedExecutionException e) {
                    answered.set(true);
                    parked.remove(this);
                    failShutdown(false);
                    return;
                }
            }
            // a cluster that does not answer at all ends the wait (and opens the breaker) before delivery.timeout.ms
            Runnable unwatch = cluster.whileWaiting(unreachable -> {
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
            parked.remove(this);
            if (isDone()) {
                return;
            }
            if (closed) {
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
                if (closed || sendingThread == Thread.currentThread()) {
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
            cluster.noAnswer(error); // no answer from Kafka: does the cluster answer at all? (else the breaker opens)
            if (closed) {
                // a record the producer took may have been stored (a forced close aborts requests in flight too),
                // unless the broker refused it for good
                failShutdown(!neverSent && !(error instanceof ApiException && !Errors.retriable(error)));
            } else if (neverSent && Errors.retriable(error) && retries < config.maxRetries()) {
                long delay = backoffMs(config.retryBackoffMs(), retries);
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
            long due = nextRetryWarning.get();
            long since = retriesSinceWarning.incrementAndGet();
            if (now - due >= 0 && nextRetryWarning.compareAndSet(due, now + RETRY_WARNING_INTERVAL_NANOS)
                    && LOG.isWarnEnabled()) {
                retriesSinceWarning.addAndGet(-since);
                withMdc(() -> LOG.warn("Node {}: event {} to {} failed on attempt {} of {} ({}); retrying in {} ms{}", nodeId, eventId,
                        route.fullTopic, retries + 1, config.maxRetries() + 1, Errors.describe(error, secrets), delay,
                        since > 1 ? " (" + since + " retries of this node since the last such warning)" : ""));
            } else if (LOG.isDebugEnabled()) {
                withMdc(() -> LOG.debug("Node {}: event {} to {} failed on attempt {} ({}); retrying in {} ms", nodeId, eventId,
                        route.fullTopic, retries + 1, Errors.describe(error, secrets), delay));
            }
        }

        private void retry() {
            if (isDone()) {
                return;
            }
            if (breaker.getState() == CircuitBreaker.State.OPEN) {
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
                withMdc(() -> LOG.info("Node {}: event {} published to {} after {} retries", nodeId, eventId, route.fullTopic, retries));
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
            long failures = metrics.breakerFailures.get();
            if (failures != metrics.breakerFailuresBeforeSuccess.get()
                    || breaker.getState() != CircuitBreaker.State.CLOSED) {
                breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
                metrics.breakerFailuresBeforeSuccess.accumulateAndGet(failures, Math::max);
            }
        }

        /** After the last attempt, on the scheduler: one breaker failure, then the dead-letter topic. */
        private void fail() {
            if (isDone()) {
                // the deadline answered while Kafka's failure was on its way here: the breaker still hears of it
                if (hasDeadline && claimBreaker()) {
                    breaker.onError(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS, lastError);
                    metrics.breakerFailures.incrementAndGet(); // after the breaker recorded it: see breakerSuccess()
                }
                return;
            }
            Exception error = lastError;
            boolean retriable = Errors.retriable(error);
            failureType = !retriable ? ModelKafkaEventOutput.NON_RETRIABLE
                    : outcomeUnknown ? ModelKafkaEventOutput.OUTCOME_UNKNOWN : ModelKafkaEventOutput.RETRIES_EXHAUSTED;
            failure = Errors.describe(error, secrets) + (!retriable ? ""
                    : stoppedByBreaker ? " (after " + retries + " retries; no more: the circuit breaker opened)"
                    : outcomeUnknown ? " (after " + retries + " retries; not sent again: the producer gave up within"
                            + " delivery.timeout.ms, and the broker may have stored it)"
                    : " (after " + retries + " retries)");
            if (claimBreaker()) {
                breaker.onError(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS, error);
                metrics.breakerFailures.incrementAndGet(); // after the breaker recorded it: see breakerSuccess()
            }
            if (!config.enableDlq()) {
                withMdc(() -> LOG.warn("Node {}: event {} ({}) to {} failed: {}", nodeId, eventId, input.eventType(), route.fullTopic, failure));
                finish(failed(failure, failureType, false), -1);
                return;
            }
            deadLetterPhase = true;
            TopicGates.Gate gate = route.dlqGate;
            if (gate != null && !gate.ready()) {
                awaitGate(gate, true, error instanceof TopicGates.NotReadyException
                        ? Math.min(DLQ_WAIT_AFTER_TOPIC_TIMEOUT_MS, config.deliveryTimeoutMs() / 2) : 0);
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
            String errorTime = EnvelopeCodec.timestamp(clock.instant());
            byte[] body = codec.deadLetter(route.fullTopic, envelope, failure, errorTime, retries, deadLetterTruncated,
                    DLQ_PREVIEW_BYTES);
            if (!deadLetterTruncated && body.length > dlqMaxBytes - callerHeaderBytes) {
                deadLetterTruncated = true;
                body = codec.deadLetter(route.fullTopic, envelope, failure, errorTime, retries, true, DLQ_PREVIEW_BYTES);
            }
            if (callerHeaderBytes > 0 && body.length > dlqMaxBytes - callerHeaderBytes) {
                // the caller's headers alone leave no room (they may be why the event was too large): without them
                deadLetterWithoutCallerHeaders = true;
                sendDeadLetter();
                return;
            }
            sendingThread = Thread.currentThread();
            try {
                producer.send(new ProducerRecord<>(route.dlqTopic, null, null, record.key(), body, headers), this);
            } catch (RuntimeException e) {
                onDeadLetterResult(e);
            } finally {
                sendingThread = null;
            }
        }

        private void onDeadLetterResult(Exception error) {
            if (error == null) {
                withMdc(() -> LOG.warn("Node {}: event {} ({}) to {} failed: {}; sent to {}", nodeId, eventId, input.eventType(),
                        route.fullTopic, failure, route.dlqTopic));
                finish(failed(failure, failureType, true), -1);
            } else if (error instanceof RecordTooLargeException && !deadLetterTruncated && !closed) {
                deadLetterTruncated = true; // the dead-letter topic allows less than the producer: keep metadata only
                later(this::sendDeadLetter, 0);
            } else if (error instanceof RecordTooLargeException && !deadLetterWithoutCallerHeaders
                    && input.headers() != null && !input.headers().isEmpty() && !closed) {
                deadLetterWithoutCallerHeaders = true; // still too large: the caller's headers go too
                later(this::sendDeadLetter, 0);
            } else {
                String both = failure + "; dead-letter publish to " + route.dlqTopic + " also failed: "
                        + Errors.describe(error, secrets);
                withMdc(() -> LOG.error("Node {}: event {} ({}) to {} failed: {}", nodeId, eventId, input.eventType(), route.fullTopic, both));
                finish(failed(both, failureType, false), -2);
            }
        }

        /**
         * Runs a log statement about this event with its correlation id in the MDC ({@value #CORRELATION_ID}); the
         * thread's own value, if it had one, is put back after.
         */
        private void withMdc(Runnable log) {
            String previous = MDC.get(CORRELATION_ID);
            MDC.put(CORRELATION_ID, correlationId());
            try {
                log.run();
            } finally {
                if (previous == null) {
                    MDC.remove(CORRELATION_ID);
                } else {
                    MDC.put(CORRELATION_ID, previous);
                }
            }
        }

        /** Starts the timer that answers for this event at its deadline, {@code nanos} from now. */
        void armDeadline(long nanos) {
            try {
                cancelDeadline = scheduler.scheduleCancellable(this::expire,
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
                        + " refused before the record left the node; last: " + Errors.describe(lastError, secrets) + ")";
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
                breaker.onError(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS, error);
                metrics.breakerFailures.incrementAndGet(); // after the breaker recorded it: see breakerSuccess()
            } else {
                breaker.releasePermission();
            }
        }

        /**
         * The producer's answer for an event the node already answered for at its deadline. It still goes to the
         * breaker: a broker that stops answering opens it even when every caller gives up first, and a half-open
         * breaker's trial call ends only here.
         */
        private void lateAnswer(RecordMetadata metadata, Exception error) {
            if (deadLetterPhase) {
                withMdc(() -> LOG.info("Node {}: the dead letter of event {} to {}, unconfirmed at the deadline, {}", nodeId, eventId,
                        route.dlqTopic, error == null ? "was stored later" : "failed later: " + Errors.describe(error, secrets)));
            } else if (error == null && metadata != null) {
                withMdc(() -> LOG.info("Node {}: event {} ({}) to {}, reported at its deadline, was acknowledged later: partition {},"
                        + " offset {}", nodeId, eventId, input.eventType(), route.fullTopic, metadata.partition(),
                        metadata.hasOffset() ? metadata.offset() : "none"));
                if (claimBreaker()) {
                    breakerSuccess(System.nanoTime() - startNanos);
                }
            } else if (error != null && !closed) {
                withMdc(() -> LOG.info("Node {}: event {} ({}) to {}, reported at its deadline, failed later: {}", nodeId, eventId,
                        input.eventType(), route.fullTopic, Errors.describe(error, secrets)));
                if (claimBreaker()) {
                    if (Errors.retriable(error)) {
                        breaker.onError(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS, error);
                        metrics.breakerFailures.incrementAndGet();
                    } else {
                        breaker.releasePermission();
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
            String last = lastError == null ? "" : " (last error: " + Errors.describe(lastError, secrets) + ")";
            if (failureType != null) { // it had failed for good; only its dead letter was on its way
                finish(failed(failure + "; its dead letter to " + route.dlqTopic + " was not confirmed: the node shut"
                        + " down first", failureType, false), -1);
            } else if (inProducer || outcomeUnknown) {
                finish(failed("node shut down before the broker acknowledged the event; not sent again: the broker may"
                        + " have stored it" + last, ModelKafkaEventOutput.OUTCOME_UNKNOWN, false), -1);
            } else if (lastError instanceof ApiException && !Errors.retriable(lastError)) {
                // Kafka refused it for good (not a send refused because the producer was closing: that is ours)
                finish(failed(Errors.describe(lastError, secrets) + "; not dead-lettered: the node shut down first",
                        ModelKafkaEventOutput.NON_RETRIABLE, false), -1);
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
            if (inFlight != null) {
                inFlight.remove(this);
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
            parked.add(this);
            try {
                scheduler.schedule(() -> {
                    parked.remove(this);
                    metrics.flush(); // whatever the node's thread does next sees the latencies acknowledged before
                    if (closed) {
                        failShutdown(false);
                    } else {
                        step.run();
                    }
                }, delayMs);
            } catch (RejectedExecutionException e) {
                parked.remove(this);
                failShutdown(false);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // shutdown

    /**
     * Stops: fails events waiting for a retry or a topic, then closes the producer, which delivers what it holds within
     * the shutdown timeout and fails the rest. Never throws.
     */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.shutdownTimeoutMs());
        try {
            failAll(parked, false);
            scheduler.shutdown();
            long left = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
            producer.close(Duration.ofMillis(left));
        } catch (RuntimeException e) {
            LOG.warn("Node {}: error closing the Kafka producer: {}", nodeId, Errors.describe(e, secrets));
        } finally {
            failAll(parked, false);
            if (inFlight != null) { // what a producer other than KafkaProducer still holds
                inFlightFailed = true;
                failAll(inFlight, true);
            }
            if (admin != null) {
                try {
                    admin.close(Duration.ofMillis(Math.max(0, Math.min(1000, (deadline - System.nanoTime()) / 1_000_000))));
                } catch (RuntimeException e) {
                    LOG.debug("Node {}: error closing the admin client", nodeId, e);
                }
            }
        }
        metrics.stopped();
        long[] ended = metrics.totals();
        LOG.info("Node {} shut down: {} published, {} failed, {} sent to dead-letter topics, {} rejected", nodeId,
                ended[0], ended[1], ended[2], metrics.rejected.sum());
    }

    /**
     * Fails what {@code tasks} holds now. Each is removed by itself, never by clearing the set: an event that joins it
     * meanwhile (a task that checked {@code closed} just before it was set) stays for the next pass, and its
     * scheduled step, dropped by the scheduler's shutdown, can no longer leave it unanswered.
     */
    private static void failAll(Set<Task> tasks, boolean inProducer) {
        for (Task t : tasks.toArray(new Task[0])) {
            try {
                t.failShutdown(inProducer);
            } catch (RuntimeException e) {
                LOG.debug("failing an event at shutdown", e);
            }
            tasks.remove(t);
        }
    }
}
