package ai.omninode.onex.kafka;

import ai.omninode.onex.contract.ContractLoader;
import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Violation;
import ai.omninode.onex.kafka.internal.ClientSettings;
import ai.omninode.onex.kafka.internal.ClusterCheck;
import ai.omninode.onex.kafka.internal.EnvelopeCodec;
import ai.omninode.onex.kafka.internal.Errors;
import ai.omninode.onex.kafka.internal.EventPublisher;
import ai.omninode.onex.kafka.internal.InputValidator;
import ai.omninode.onex.kafka.internal.NodeMeters;
import ai.omninode.onex.kafka.internal.Scheduler;
import ai.omninode.onex.kafka.internal.Secrets;
import ai.omninode.onex.kafka.internal.Uuids;
import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.node.ExecutionContext;
import ai.omninode.onex.node.NodeExecutionException;
import ai.omninode.onex.node.NodeSettingsException;
import ai.omninode.onex.node.OnexException;
import java.net.URL;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.type.TypeReference;

/**
 * ONEX effect node that publishes events to Kafka (or Redpanda): topic prefix routing, the ONEX event envelope,
 * partition keys, Kafka headers, delivery confirmation with partition and offset, retries with exponential backoff
 * for retriable errors, a circuit breaker, and dead-letter ({@code .dlq}) topics.
 *
 * <p>Lifecycle: construct (cheap: nothing connects, nothing is checked), {@link #initialize()}, then any number of
 * concurrent {@link #executeEffect} calls, then {@link #shutdown()}. The no-argument constructor reads its
 * configuration from the environment (see {@link ModelKafkaEventConfig#fromEnvironment(Map)}) when it initializes;
 * under the {@link EffectNode} SPI, from the settings the host passes to {@link #initialize(Map)}.
 *
 * <p>{@link #executeEffect} returns at once. Its future completes on Kafka's I/O thread (or the node's own thread);
 * attach slow work with the {@code *Async} variants. It completes normally with a successful output, or with a failed
 * output (invalid input, Kafka refused the event, retries exhausted, outcome unknown, shut down) that holds the error
 * and (unless the input was invalid) the whole envelope;
 * it completes exceptionally only while the circuit breaker is open ("Circuit breaker is open, refusing to publish
 * events"), with a {@link NodeExecutionException} whose details hold the same output.
 */
public final class NodeKafkaEventEffect implements EffectNode, MeterBinder {
    private static final Logger LOG = LoggerFactory.getLogger(NodeKafkaEventEffect.class);
    private static final TypeReference<LinkedHashMap<String, Object>> OBJECT = new TypeReference<>() { };
    private static final TypeReference<LinkedHashMap<String, String>> HEADERS = new TypeReference<>() { };
    private static volatile InputValidator sharedValidator;

    private final Object container;
    private final ProducerFactory factory;
    private final Scheduler scheduler;
    private final Clock clock;
    private final String nodeId = Uuids.random().toString();
    private final NodeMeters metrics = new NodeMeters();
    private final Object lock = new Object();
    private final boolean configFromEnvironment;
    private volatile ModelKafkaEventConfig config;
    private volatile EventPublisher publisher;
    private volatile boolean shutDown;

    /** A node configured from the environment when it initializes; what {@link java.util.ServiceLoader} uses. */
    public NodeKafkaEventEffect() {
        this(null);
    }

    /** @param container the ONEX container (dependency injection); kept for compatibility, not used */
    public NodeKafkaEventEffect(Object container) {
        this(container, null);
    }

    /** @param config the configuration, or {@code null} to read it from the environment when initializing */
    public NodeKafkaEventEffect(Object container, ModelKafkaEventConfig config) {
        this(container, config, null);
    }

    /** @param factory creates the producer, or {@code null} for kafka-clients' own ({@link ProducerFactory#kafka()}) */
    public NodeKafkaEventEffect(Object container, ModelKafkaEventConfig config, ProducerFactory factory) {
        this(container, config, factory, null, Clock.systemUTC());
    }

    /** For tests: a scheduler that runs retries on demand, and a clock for timestamps. */
    NodeKafkaEventEffect(Object container, ModelKafkaEventConfig config, ProducerFactory factory, Scheduler scheduler,
            Clock clock) {
        this.container = container;
        this.config = config;
        this.configFromEnvironment = config == null;
        this.factory = factory == null ? ProducerFactory.kafka() : factory;
        this.scheduler = scheduler;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Creates the producer. Throws {@link OnexException} with "Kafka producer initialization failed" when the
     * configuration is invalid or the producer cannot be created. Calling it again does nothing; after
     * {@link #shutdown()} it throws {@link IllegalStateException}.
     */
    public void initialize() {
        initialize(null);
    }

    /**
     * The SPI's initialization: a node built without a config reads it from {@code settings} (the environment
     * with the host's overrides); a node given a config keeps it. Then, unless
     * {@link ModelKafkaEventConfig#clusterCheckTimeoutMs()} is 0 or there is no admin client, it checks that the
     * cluster answers within that time: bootstrap servers that do not resolve or where no broker answers throw a
     * {@link ai.omninode.onex.node.NodeSettingsException} naming the address and where it came from.
     */
    /** A variable a config problem blames: {@code (from VAR)}, or {@code VAR is not a setting} opening a problem. */
    private static final java.util.regex.Pattern SETTING_AT_FAULT = java.util.regex.Pattern.compile(
            "\\(from ([A-Z][A-Z0-9_]*)\\)|(?:^|: |; )([A-Z][A-Z0-9_]*) is not a setting");

    @Override
    public void initialize(Map<String, String> settings) {
        synchronized (lock) {
            if (shutDown) {
                throw new IllegalStateException("the node was shut down; create a new one");
            }
            if (publisher != null) {
                return;
            }
            ModelKafkaEventConfig cfg;
            try {
                if (configFromEnvironment && settings != null) {
                    config = ModelKafkaEventConfig.fromEnvironment(settings);
                }
                cfg = config();
            } catch (IllegalArgumentException e) {
                if (configFromEnvironment && settings != null) {
                    // the variables its problems blame ("field (from VAR)", "VAR is not a setting"; not those its
                    // advice mentions), so that a host can say where each came from (--set, an option, ...)
                    java.util.regex.Matcher at = SETTING_AT_FAULT.matcher(String.valueOf(e.getMessage()));
                    java.util.Set<String> named = new java.util.TreeSet<>();
                    while (at.find()) {
                        named.add(at.group(1) != null ? at.group(1) : at.group(2));
                    }
                    named.retainAll(settings.keySet());
                    throw new NodeSettingsException(EventPublisher.INIT_FAILED + ": " + e.getMessage(),
                            List.copyOf(named), e);
                }
                throw new OnexException(EventPublisher.INIT_FAILED + ": " + e.getMessage(), e);
            }
            ClientSettings.requireReadableFiles(cfg.kafkaProperties());
            // for a host (settings given), a cluster that does not answer is a settings error now, not a long
            // wait in every event later; the Java API's initialize() connects nowhere, as before
            ClusterCheck.Source source = settings == null ? null : ClusterCheck.Source.of(settings, !configFromEnvironment);
            FutureTask<InputValidator> contract = null;
            if (source != null && cfg.clusterCheckTimeoutMs() > 0
                    && cfg.topicCreation() == ModelKafkaEventConfig.TopicCreation.ADMIN) {
                if (configFromEnvironment) {
                    // before any client exists: Kafka's would log a warning per host and fail with less to act on
                    ClusterCheck.requireResolvable(cfg.bootstrapServers(), source);
                }
                contract = loadContractMeanwhile();
                // before the producer exists too: closing one that is still connecting can take its request timeout
                ClusterCheck.verify(factory, ClientSettings.adminProperties(cfg, nodeId, "-check"), cfg, source, nodeId);
            }
            publisher = EventPublisher.start(cfg, nodeId, factory, scheduler, clock, validator(contract), metrics);
            Secrets secrets = Secrets.of(cfg.kafkaProperties());
            LOG.info("Node {} ready: bootstrap.servers={}, topic prefix '{}', acks={}, idempotence={}, max retries {}, "
                    + "backoff {} ms, breaker {} failures/{} s, DLQ {}, topic creation {}", nodeId,
                    secrets.redact(cfg.bootstrapServers()), secrets.redact(cfg.topicPrefix()), cfg.acks(),
                    cfg.enableIdempotence(), cfg.maxRetries(), cfg.retryBackoffMs(),
                    cfg.circuitBreakerThreshold(), cfg.circuitBreakerTimeoutS(), cfg.enableDlq() ? "on" : "off",
                    publisher.topicCreation() == cfg.topicCreation() ? cfg.topicCreation()
                            : publisher.topicCreation() + " (the ProducerFactory supplies no Admin client)");
        }
    }

    /** {@link ModelKafkaEventConfig#settingNames()}: the variables {@link #initialize(Map)} reads. */
    @Override
    public Set<String> settingNames() {
        return ModelKafkaEventConfig.settingNames();
    }

    /**
     * The contract and its input schema loaded on a thread of their own while the cluster check runs, or null when it
     * is loaded already. Both are mostly class loading in the plugin's class loader (Jackson, the schema validator,
     * the Kafka clients), which the JVM's class-data archive does not cover: on two cores {@code onex run} of the
     * example reached its first publish about 0.2 s sooner (BENCHMARKS.md, The CLI cold start).
     */
    private FutureTask<InputValidator> loadContractMeanwhile() {
        if (sharedValidator != null) {
            return null;
        }
        FutureTask<InputValidator> task = new FutureTask<>(this::validator);
        Thread t = new Thread(task, "onex-kafka-event-effect-contract");
        t.setDaemon(true);
        t.start();
        return task;
    }

    /** {@link #validator()}, from {@code loading} when it was started on a thread of its own. */
    private InputValidator validator(FutureTask<InputValidator> loading) {
        if (loading == null) {
            return validator();
        }
        try {
            return loading.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new OnexException(EventPublisher.INIT_FAILED + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OnexException(EventPublisher.INIT_FAILED + ": interrupted while loading the node contract", e);
        }
    }

    /** The input schema of this node's contract, loaded once. */
    private InputValidator validator() {
        InputValidator v = sharedValidator;
        if (v == null) {
            URL url = contractLocation();
            try {
                NodeContract contract = new ContractLoader().load(Objects.requireNonNull(url, CONTRACT_FILE + " not found"));
                v = new InputValidator(contract.input().orElseThrow(
                        () -> new IllegalStateException("the contract declares no input schema")),
                        EnvelopeCodec.MAPPER);
            } catch (RuntimeException e) {
                throw new OnexException(EventPublisher.INIT_FAILED + ": cannot load the node contract " + url + ": "
                        + e.getMessage(), e);
            }
            sharedValidator = v;
        }
        return v;
    }

    /**
     * Publishes one event. Returns at once (the caller blocks at most {@code maxBlockMs}, when the producer's buffer
     * is full or it has no metadata for the topic). Throws {@link IllegalStateException} ("Kafka producer not
     * initialized") before {@link #initialize()} or after {@link #shutdown()}.
     */
    public CompletableFuture<ModelKafkaEventOutput> executeEffect(ModelKafkaEventInput input) {
        return running().publish(input, true);
    }

    /**
     * {@link #executeEffect(ModelKafkaEventInput)} as part of a larger execution: the event id is derived from the
     * context's idempotency key, if it has one (so every copy of one logical event carries the same {@code event_id},
     * the consumers' deduplication key), and the context's deadline bounds the answer: past it, an event that never
     * reached the producer fails as {@link ModelKafkaEventOutput#DEADLINE_EXCEEDED} (nothing was sent) and one the
     * producer holds as {@link ModelKafkaEventOutput#OUTCOME_UNKNOWN}.
     */
    public CompletableFuture<ModelKafkaEventOutput> executeEffect(ModelKafkaEventInput input, ExecutionContext context) {
        return running().publish(input, true, Objects.requireNonNull(context, "context"));
    }

    private EventPublisher running() {
        EventPublisher p = publisher;
        if (p == null || p.isClosed()) {
            throw new IllegalStateException(EventPublisher.NOT_INITIALIZED
                    + (shutDown ? ": the node was shut down" : ": call initialize() first"));
        }
        return p;
    }

    /**
     * The SPI's execution, on plain data: {@code topic, event_type, payload, correlation_id, key, headers} in, the
     * output's {@link ModelKafkaEventOutput#toMap() map} out. A failed publish (including an input the contract
     * rejects) completes the stage with a {@link NodeExecutionException} whose details are that map, envelope included.
     */
    @Override
    public CompletionStage<Map<String, Object>> execute(Map<String, Object> input, ExecutionContext context) {
        EventPublisher p = running();
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(input, "input");
        List<Violation> violations = validator().validate(input);
        if (!violations.isEmpty()) {
            ModelKafkaEventOutput out = p.reject(input.get("topic") instanceof String t ? t : null,
                    input.get("event_type") instanceof String e ? e : null, null, violations);
            Map<String, Object> details = out.toMap();
            details.put("correlation_id", input.get("correlation_id") == null ? null : String.valueOf(input.get("correlation_id")));
            return CompletableFuture.failedFuture(new NodeExecutionException(out.error(), details, false, null));
        }
        CompletableFuture<Map<String, Object>> result = new CompletableFuture<>();
        p.publish(fromMap(input, context), false, context).whenComplete((out, error) -> {
            try {
                if (error != null) {
                    result.completeExceptionally(Errors.unwrap(error));
                } else if (out.success()) {
                    result.complete(out.toMap());
                } else if (ModelKafkaEventOutput.OUTCOME_UNKNOWN.equals(out.errorType())) {
                    result.completeExceptionally(NodeExecutionException.outcomeUnknown(describeFailure(out),
                            out.toMap(), null));
                } else {
                    result.completeExceptionally(new NodeExecutionException(describeFailure(out), out.toMap(),
                            out.retriable(), null));
                }
            } catch (RuntimeException e) { // whenComplete would keep it in a stage nobody reads: this one must end
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private static String describeFailure(ModelKafkaEventOutput out) {
        if (ModelKafkaEventOutput.INVALID_INPUT.equals(out.errorType())) {
            return out.error();
        }
        return "publishing " + out.eventType() + " event " + out.eventId() + " to " + out.topic() + " failed: " + out.error()
                + (out.deadLettered() ? " (sent to " + out.dlqTopic() + ")" : "");
    }

    /**
     * The typed input of plain data the contract accepted. The contract judges a value by its JSON form, so a
     * {@code char}, an enum or a {@code UUID} passes as a string and a bean as an object: such values are converted to
     * that form here (plain strings and maps, the usual case, are taken as they are).
     */
    @SuppressWarnings("unchecked")
    private static ModelKafkaEventInput fromMap(Map<String, Object> in, ExecutionContext context) {
        Object correlation = in.get("correlation_id");
        Object payload = in.get("payload");
        return new ModelKafkaEventInput(
                text(in.get("topic")),
                text(in.get("event_type")),
                payload instanceof Map<?, ?> m ? (Map<String, Object>) m
                        : EnvelopeCodec.MAPPER.convertValue(payload, OBJECT),
                correlation != null ? UUID.fromString(text(correlation)) : context.correlationId().orElse(null),
                text(in.get("key")),
                headers(in.get("headers")));
    }

    private static String text(Object value) {
        return value == null || value instanceof String ? (String) value
                : EnvelopeCodec.MAPPER.valueToTree(value).asString();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> headers(Object value) {
        if (value instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> h : m.entrySet()) {
                if (!(h.getKey() instanceof String) || !(h.getValue() instanceof String)) {
                    return EnvelopeCodec.MAPPER.convertValue(m, HEADERS);
                }
            }
            return (Map<String, String>) m;
        }
        return value == null ? null : EnvelopeCodec.MAPPER.convertValue(value, HEADERS);
    }

    /**
     * The counters: {@code events_published, events_failed, events_sent_to_dlq, total_publish_time_ms,
     * circuit_breaker_opens, retries_attempted, avg_publish_time_ms, circuit_breaker_status, current_failures,
     * node_id, events_rejected, dlq_failures, p50_publish_time_ms, p99_publish_time_ms, circuit_breaker_rejections}.
     */
    public Map<String, Object> getMetrics() {
        EventPublisher p = publisher;
        return metrics.snapshot(p == null ? "closed" : p.breakerStatus(), nodeId);
    }

    @Override
    public Map<String, Object> metrics() {
        return getMetrics();
    }

    /**
     * Registers this node's meters in {@code registry}: events by topic and outcome, publish latency with decaying
     * percentiles, retries, the circuit breaker (resilience4j's meters) and the Kafka producer's metrics (once the node
     * is initialized). Any time, any number of registries; {@link #getMetrics()} reads the same counts. The meters are
     * listed in the node's README.
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        metrics.bindTo(Objects.requireNonNull(registry, "registry"));
    }

    /**
     * Delivers what is in flight within {@link ModelKafkaEventConfig#shutdownTimeoutMs()} (10 s by default) and
     * releases everything. Events waiting for a retry or their topic fail at once, and those the producer has not
     * delivered by then fail as {@link ModelKafkaEventOutput#OUTCOME_UNKNOWN}; each failure carries its envelope.
     * Never throws.
     */
    public void shutdown() {
        EventPublisher p;
        synchronized (lock) {
            if (shutDown) {
                return;
            }
            shutDown = true;
            p = publisher;
        }
        if (p != null) {
            try {
                p.close();
            } catch (RuntimeException | Error e) {
                LOG.warn("Node {}: error during shutdown: {}", nodeId, e.toString());
            }
        }
    }

    @Override
    public void close() {
        shutdown();
    }

    /**
     * The configuration; for a node configured from the environment, read from it now if it was not yet (which
     * throws {@link IllegalArgumentException} if the environment holds a bad value).
     */
    public ModelKafkaEventConfig config() {
        ModelKafkaEventConfig c = config;
        if (c == null) {
            synchronized (lock) {
                if (config == null) {
                    config = ModelKafkaEventConfig.fromEnvironment(System.getenv());
                }
                c = config;
            }
        }
        return c;
    }

    /** This node's id, as in every envelope's {@code source.node_id} and the metrics. */
    public String nodeId() {
        return nodeId;
    }

    public Object container() {
        return container;
    }

    @Override
    public String toString() {
        ModelKafkaEventConfig c = config;
        return "NodeKafkaEventEffect[node_id=" + nodeId
                + ", state=" + (shutDown ? "shut down" : publisher != null ? "initialized" : "not initialized")
                + ", config=" + (c == null ? "(from the environment, not read yet)" : c) + "]";
    }
}
