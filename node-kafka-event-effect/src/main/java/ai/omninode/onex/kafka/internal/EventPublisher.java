package ai.omninode.onex.kafka.internal;

import ai.omninode.onex.contract.Violation;
import ai.omninode.onex.kafka.ModelKafkaEventConfig;
import ai.omninode.onex.kafka.ModelKafkaEventInput;
import ai.omninode.onex.kafka.ModelKafkaEventOutput;
import ai.omninode.onex.kafka.ProducerFactory;
import ai.omninode.onex.node.ExecutionContext;
import ai.omninode.onex.node.NodeExecutionException;
import ai.omninode.onex.node.OnexException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running part of a {@code NodeKafkaEventEffect}: producer, circuit breaker, retries, dead letters, metrics.
 * This class starts the clients, admits each event (validation, route, envelope, deadline, breaker permit) and
 * stops; one event's way from there is {@link EventTask}'s, a topic's route {@link TopicRoute}'s, the breaker's
 * settings {@link CircuitBreakers}' and the clients' settings {@link ClientSettings}'.
 *
 * <p>Threads. The first attempt is sent on the caller's thread; {@code send} only appends to the producer's buffer
 * and blocks at most {@code max.block.ms}. Kafka's I/O thread runs the callbacks, which only complete futures,
 * count, or hand work to the node's {@link Scheduler} (retries after their backoff, dead letters, topic checks), so
 * that nothing ever blocks the I/O thread.
 *
 * <p>Every event (an {@link EventTask}) ends exactly once, through {@link EventTaskState#finish}: acknowledged,
 * dead-lettered, or failed with its envelope. Events waiting on the scheduler or on a topic check are "parked" so that
 * {@link #close()} can fail them; events inside a {@code KafkaProducer} are completed by its {@code close}, which
 * fails what it cannot deliver in time. Other producers (a {@code MockProducer}) give no such promise, so their
 * events are tracked too.
 */
public final class EventPublisher {
    private static final Logger LOG = LoggerFactory.getLogger("ai.omninode.onex.kafka.NodeKafkaEventEffect");
    public static final String NOT_INITIALIZED = "Kafka producer not initialized";
    public static final String CIRCUIT_OPEN = "Circuit breaker is open, refusing to publish events";
    public static final String INIT_FAILED = "Kafka producer initialization failed";
    /** The MDC key of log lines about an event (and about a workflow run, in the runner). */
    public static final String CORRELATION_ID = "correlation_id";
    private static final int MAX_CACHED_ROUTES = 10_000;

    final ModelKafkaEventConfig config;
    final String nodeId;
    final Producer<byte[], byte[]> producer;
    private final Admin admin;
    private final TopicGates gates;
    final CircuitBreaker breaker;
    final ClusterCheck cluster;
    final Scheduler scheduler;
    final Clock clock;
    private final InputValidator validator;
    final EnvelopeCodec codec;
    final Secrets secrets;
    final NodeMeters metrics;
    private final ConcurrentHashMap<String, TopicRoute> routes = new ConcurrentHashMap<>();
    /** The node's one breaker, in a registry so that resilience4j's Micrometer module can see it. */
    private final CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
    final Set<EventTaskState> parked = ConcurrentHashMap.newKeySet();
    /** Of {@link #parked}, the events waiting for their topic's check: the first events to a topic. */
    final Set<EventTaskState> awaitingTopic = ConcurrentHashMap.newKeySet();
    final Set<EventTaskState> inFlight;
    final int dlqMaxBytes;
    final AtomicLong nextRetryWarning = new AtomicLong(System.nanoTime());
    final AtomicLong retriesSinceWarning = new AtomicLong();
    volatile boolean closed;
    /** {@link #close} began: no new event, but those handed in waiting for their topic still go on. */
    private volatile boolean closing;
    /** Set once {@code close} fails what {@link #inFlight} holds: an event added later fails itself. */
    volatile boolean inFlightFailed;

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
        this.dlqMaxBytes = Math.max(EventTaskDeadLetter.DLQ_PREVIEW_BYTES * 4,
                config.maxRequestSize() - EventTaskDeadLetter.DLQ_HEADROOM_BYTES);
        this.breaker = CircuitBreakers.circuitBreaker(config, nodeId, metrics, breakers);
        metrics.started(producer, breakers, scheduler);
        TopicGates g = gates;
        this.cluster = new ClusterCheck(admin, breaker, scheduler, config, nodeId, secrets,
                () -> metrics.answeredByKafka() + (g == null ? 0 : g.answers()));
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
                throw ClientSettings.initFailed("cannot create the admin client for topic creation: ", e, props,
                        secrets);
            }
        }
        Scheduler s = scheduler != null ? scheduler : new ExecutorScheduler("onex-kafka-event-effect-" + nodeId.substring(0, 8));
        return new EventPublisher(config, nodeId, producer, admin, s, clock, validator, secrets, metrics);
    }

    public String breakerStatus() {
        return CircuitBreakers.status(breaker.getState());
    }

    /** ADMIN only when there is an admin client: a ProducerFactory may supply none. */
    public ModelKafkaEventConfig.TopicCreation topicCreation() {
        return gates != null && gates.createsTopics() ? ModelKafkaEventConfig.TopicCreation.ADMIN
                : ModelKafkaEventConfig.TopicCreation.BROKER;
    }

    public boolean isClosed() {
        return closed || closing;
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
        EventTask task;
        try {
            task = new EventTask(this, input, route, eventId, eventIdBytes, correlationBytes, type, envelope, start,
                    context);
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

    /** The wait before retry number {@code retry} (0-based): {@code retry_backoff_ms * 2^retry}, saturating. */
    public static long backoffMs(long retryBackoffMs, int retry) {
        if (retryBackoffMs == 0) {
            return 0;
        }
        int shift = Math.min(retry, 62);
        return retryBackoffMs > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : retryBackoffMs << shift;
    }

    // ---------------------------------------------------------------------------------------------------------
    // shutdown

    /**
     * Stops: waits (within the shutdown timeout) for events waiting for their topic's check, fails events waiting for a
     * retry, then closes the producer, which delivers what it holds within the rest of the shutdown timeout and fails
     * what is left. Never throws.
     */
    public void close() {
        if (closed || closing) {
            return;
        }
        closing = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.shutdownTimeoutMs());
        awaitTopics(deadline);
        closed = true;
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
     * The first events to a topic wait for its check (created, or its metadata known) before they reach the producer:
     * a program that hands the node its events and shuts down (a script, a batch job) expects them sent, as the
     * producer's own close sends what it holds. They get until {@code deadline}; an interrupt ends the wait. Polled
     * (every 5 ms, at shutdown only), so that the events' own path stays as it is.
     */
    private void awaitTopics(long deadline) {
        while (!awaitingTopic.isEmpty() && deadline - System.nanoTime() > 0 && !Thread.currentThread().isInterrupted()) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /**
     * Fails what {@code tasks} holds now. Each is removed by itself, never by clearing the set: an event that joins it
     * meanwhile (a task that checked {@code closed} just before it was set) stays for the next pass, and its
     * scheduled step, dropped by the scheduler's shutdown, can no longer leave it unanswered.
     */
    private static void failAll(Set<EventTaskState> tasks, boolean inProducer) {
        for (EventTaskState t : tasks.toArray(new EventTaskState[0])) {
            try {
                t.failShutdown(inProducer);
            } catch (RuntimeException e) {
                LOG.debug("failing an event at shutdown", e);
            }
            tasks.remove(t);
        }
    }
}
