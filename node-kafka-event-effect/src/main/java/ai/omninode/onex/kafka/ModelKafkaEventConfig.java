package ai.omninode.onex.kafka;

import ai.omninode.onex.contract.Suggestions;
import ai.omninode.onex.kafka.internal.Secrets;
import ai.omninode.onex.runtime.KafkaClientFailures;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Configuration of a {@link NodeKafkaEventEffect}: immutable, built with {@link #builder()} (which starts from the
 * defaults of the Python original, {@code KAFKA_BOOTSTRAP_SERVERS} and {@code KAFKA_TOPIC_PREFIX} included) or read
 * from the environment with {@link #fromEnvironment(Map)}.
 * {@link Builder#build()} checks every field at once and names the field, the allowed values and the bad value.
 *
 * <p>Kafka producer properties pass through unchanged ({@link #producerProperties()}, security settings included);
 * {@link #kafkaProperties()} is the complete map the producer is created with. Secret values (JAAS configs,
 * passwords, keys, tokens) never appear in {@link #toString()}.
 */
public final class ModelKafkaEventConfig {

    /** How the node gets topics (the event topics and their {@code .dlq} topics) that do not exist yet. */
    public enum TopicCreation {
        /**
         * The node creates a missing topic with an Admin client (broker defaults for partitions and replication unless
         * configured), then waits until every partition serves before it produces to it; if it may not create topics
         * it falls back to {@link #BROKER}. Needs a {@link ProducerFactory} that supplies an Admin client.
         */
        ADMIN,
        /** The node never creates topics: they exist already, or the broker creates them on first use. */
        BROKER
    }

    public static final String DEFAULT_BOOTSTRAP_SERVERS = "omninode-bridge-redpanda:9092";
    public static final String DEFAULT_TOPIC_PREFIX = "dev.archon-intelligence";
    public static final boolean DEFAULT_ENABLE_IDEMPOTENCE = true;
    public static final String DEFAULT_ACKS = "all";
    public static final int DEFAULT_MAX_RETRIES = 3;
    public static final long DEFAULT_RETRY_BACKOFF_MS = 1000;
    public static final int DEFAULT_CIRCUIT_BREAKER_THRESHOLD = 5;
    public static final long DEFAULT_CIRCUIT_BREAKER_TIMEOUT_S = 60;
    public static final boolean DEFAULT_ENABLE_DLQ = true;
    /** The longest a caller of {@code executeEffect} may be blocked (Kafka's {@code max.block.ms}). */
    public static final long DEFAULT_MAX_BLOCK_MS = 200;
    public static final TopicCreation DEFAULT_TOPIC_CREATION = TopicCreation.ADMIN;
    /** {@code -1}: the broker's {@code num.partitions} / {@code default.replication.factor}. */
    public static final int DEFAULT_TOPIC_PARTITIONS = -1;
    public static final short DEFAULT_TOPIC_REPLICATION_FACTOR = -1;
    public static final String DEFAULT_SERVICE_NAME = "omniintelligence";
    public static final long DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
    /**
     * How long a host's initialization waits for the cluster to answer (see {@link #clusterCheckTimeoutMs()}): a
     * local broker answers in milliseconds and a remote one with TLS and SASL well within a second, while an address
     * nothing listens on never does (node README, "No broker answering").
     */
    public static final long DEFAULT_CLUSTER_CHECK_TIMEOUT_MS = 5_000;

    /**
     * Producer properties the node sets unless {@link #producerProperties()} overrides them, chosen from measurements
     * (BENCHMARKS.md at the repository root):
     * <ul>
     *   <li>{@code linger.ms=0}: Kafka 4's default of 5 ms makes every awaited publish wait 5 ms (p50 5.4 ms instead of
     *       0.2 ms; 1 ms still gives 1.3 ms), and under load batches form anyway while requests are in flight;</li>
     *   <li>{@code batch.size=65536} and {@code compression.type=lz4}: those batches get bigger and smaller on the
     *       wire; pipelined throughput about 3 times that of 16 KiB uncompressed batches, awaited latency within
     *       0.03 ms (zstd costs more CPU than it saves; 256 KiB batches gain about 10 % for four times the memory);</li>
     *   <li>one attempt is bounded by {@code delivery.timeout.ms} (Kafka's own retries happen inside it); the node
     *       retries only attempts that never reached the producer (see {@link #maxRetries()}).</li>
     * </ul>
     */
    public static final Map<String, Object> DEFAULT_PRODUCER_PROPERTIES = defaultProducerProperties();
    /** The node's own settings in the environment, in the order the documentation lists them. */
    private static final List<String> ENVIRONMENT_FIELDS = List.of("KAFKA_EVENT_MAX_RETRIES",
            "KAFKA_EVENT_RETRY_BACKOFF_MS", "KAFKA_EVENT_CIRCUIT_BREAKER_THRESHOLD", "KAFKA_EVENT_CIRCUIT_BREAKER_TIMEOUT_S",
            "KAFKA_EVENT_ENABLE_DLQ", "KAFKA_EVENT_ENABLE_IDEMPOTENCE", "KAFKA_EVENT_ACKS", "KAFKA_EVENT_MAX_BLOCK_MS",
            "KAFKA_EVENT_TOPIC_CREATION", "KAFKA_EVENT_TOPIC_PARTITIONS", "KAFKA_EVENT_TOPIC_REPLICATION_FACTOR",
            "KAFKA_EVENT_SERVICE_NAME", "KAFKA_EVENT_SHUTDOWN_TIMEOUT_MS", "KAFKA_EVENT_CLUSTER_CHECK_TIMEOUT_MS");

    private static Map<String, Object> defaultProducerProperties() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("linger.ms", "0");
        m.put("batch.size", "65536");
        m.put("compression.type", "lz4");
        m.put("delivery.timeout.ms", "30000");
        m.put("request.timeout.ms", "10000");
        return Collections.unmodifiableMap(m);
    }

    static final int MAX_RETRIES_LIMIT = 100;
    static final long MAX_BACKOFF_MS = 3_600_000;
    static final int MAX_BREAKER_THRESHOLD = 10_000;
    static final long MAX_BREAKER_TIMEOUT_S = 86_400;
    static final long MAX_BLOCK_LIMIT_MS = 60_000;
    static final int MAX_TOPIC_PREFIX_LENGTH = 200;
    private static final Pattern TOPIC_CHARS = Pattern.compile("[A-Za-z0-9._-]*");
    private static final List<String> ACKS = List.of("all", "-1", "0", "1");
    /** Producer properties that have a field of their own; setting them as properties sets the field. */
    private static final Set<String> OWNED = Set.of("bootstrap.servers", "acks", "enable.idempotence", "max.block.ms");
    private static final Map<String, String> FIELD_OF_PROPERTY = Map.of("bootstrap.servers", "bootstrapServers",
            "acks", "acks", "enable.idempotence", "enableIdempotence", "max.block.ms", "maxBlockMs");
    private static final Set<String> FORBIDDEN = Set.of("key.serializer", "value.serializer", "transactional.id");

    private final String bootstrapServers;
    private final String topicPrefix;
    private final boolean enableIdempotence;
    private final String acks;
    private final int maxRetries;
    private final long retryBackoffMs;
    private final int circuitBreakerThreshold;
    private final long circuitBreakerTimeoutS;
    private final boolean enableDlq;
    private final long maxBlockMs;
    private final TopicCreation topicCreation;
    private final int topicPartitions;
    private final short topicReplicationFactor;
    private final String serviceName;
    private final long shutdownTimeoutMs;
    private final long clusterCheckTimeoutMs;
    private final Map<String, Object> producerProperties;
    private final Map<String, Object> kafkaProperties;

    private ModelKafkaEventConfig(Builder b) {
        this.bootstrapServers = b.bootstrapServers.trim();
        this.topicPrefix = b.topicPrefix;
        this.enableIdempotence = b.enableIdempotence;
        this.acks = b.acks;
        this.maxRetries = (int) b.maxRetries;
        this.retryBackoffMs = b.retryBackoffMs;
        this.circuitBreakerThreshold = (int) b.circuitBreakerThreshold;
        this.circuitBreakerTimeoutS = b.circuitBreakerTimeoutS;
        this.enableDlq = b.enableDlq;
        this.maxBlockMs = b.maxBlockMs;
        this.topicCreation = b.topicCreation;
        this.topicPartitions = (int) b.topicPartitions;
        this.topicReplicationFactor = (short) b.topicReplicationFactor;
        this.serviceName = b.serviceName;
        this.shutdownTimeoutMs = b.shutdownTimeoutMs;
        this.clusterCheckTimeoutMs = b.clusterCheckTimeoutMs;
        this.producerProperties = Collections.unmodifiableMap(new TreeMap<>(b.producerProperties));
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("bootstrap.servers", bootstrapServers);
        all.put("acks", acks);
        all.put("enable.idempotence", enableIdempotence);
        all.put("max.block.ms", maxBlockMs);
        all.put("key.serializer", ByteArraySerializer.class);
        all.put("value.serializer", ByteArraySerializer.class);
        all.putAll(DEFAULT_PRODUCER_PROPERTIES);
        all.putAll(producerProperties);
        this.kafkaProperties = Collections.unmodifiableMap(all);
    }

    /**
     * A builder holding the defaults of the Python original, whose {@code bootstrap_servers} and {@code topic_prefix}
     * come from the environment: {@code KAFKA_BOOTSTRAP_SERVERS} and {@code KAFKA_TOPIC_PREFIX} when set (an empty
     * prefix publishes to the bare topic), else {@link #DEFAULT_BOOTSTRAP_SERVERS} and {@link #DEFAULT_TOPIC_PREFIX}.
     * Every other field starts from its {@code DEFAULT_*}; {@link #fromEnvironment(Map)} reads the node's other
     * variables too.
     */
    public static Builder builder() {
        return builder(System.getenv());
    }

    /** {@link #builder()} with {@code env} as the environment. */
    static Builder builder(Map<String, String> env) {
        Builder b = new Builder();
        String servers = env.get("KAFKA_BOOTSTRAP_SERVERS");
        if (servers != null) {
            b.bootstrapServers(servers).source("bootstrapServers", "KAFKA_BOOTSTRAP_SERVERS");
        }
        String prefix = env.get("KAFKA_TOPIC_PREFIX");
        if (prefix != null) {
            b.topicPrefix(prefix).source("topicPrefix", "KAFKA_TOPIC_PREFIX");
        }
        return b;
    }

    /** A builder holding this config's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.bootstrapServers = bootstrapServers;
        b.topicPrefix = topicPrefix;
        b.enableIdempotence = enableIdempotence;
        b.acks = acks;
        b.maxRetries = maxRetries;
        b.retryBackoffMs = retryBackoffMs;
        b.circuitBreakerThreshold = circuitBreakerThreshold;
        b.circuitBreakerTimeoutS = circuitBreakerTimeoutS;
        b.enableDlq = enableDlq;
        b.maxBlockMs = maxBlockMs;
        b.topicCreation = topicCreation;
        b.topicPartitions = topicPartitions;
        b.topicReplicationFactor = topicReplicationFactor;
        b.serviceName = serviceName;
        b.shutdownTimeoutMs = shutdownTimeoutMs;
        b.clusterCheckTimeoutMs = clusterCheckTimeoutMs;
        b.producerProperties.putAll(producerProperties);
        return b;
    }

    /**
     * Every variable {@link #fromEnvironment(Map)} reads, as {@code EffectNode.settingNames()} lists them: the exact
     * names, and {@code ONEX_KAFKA_*} for the producer properties.
     */
    public static Set<String> settingNames() {
        Set<String> names = new LinkedHashSet<>(List.of("KAFKA_BOOTSTRAP_SERVERS", "KAFKA_TOPIC_PREFIX"));
        names.addAll(ENVIRONMENT_FIELDS);
        names.add("ONEX_KAFKA_*");
        return Collections.unmodifiableSet(names);
    }

    /** The defaults, with whatever the process environment sets; see {@link #fromEnvironment(Map)}. */
    public static ModelKafkaEventConfig fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * The defaults, with what {@code env} sets:
     * <ul>
     *   <li>{@code KAFKA_BOOTSTRAP_SERVERS}, {@code KAFKA_TOPIC_PREFIX} (as in the Python original; an empty prefix
     *       publishes to the bare topic);</li>
     *   <li>{@code ONEX_KAFKA_<PROPERTY>}: the Kafka producer property {@code <property>} in lower case with dots
     *       for underscores ({@code ONEX_KAFKA_SASL_MECHANISM} is {@code sasl.mechanism},
     *       {@code ONEX_KAFKA_SASL_JAAS_CONFIG} is {@code sasl.jaas.config});</li>
     *   <li>{@code KAFKA_EVENT_<FIELD>} for the node's own fields: {@code MAX_RETRIES}, {@code RETRY_BACKOFF_MS},
     *       {@code CIRCUIT_BREAKER_THRESHOLD}, {@code CIRCUIT_BREAKER_TIMEOUT_S}, {@code ENABLE_DLQ},
     *       {@code ENABLE_IDEMPOTENCE}, {@code ACKS}, {@code MAX_BLOCK_MS}, {@code TOPIC_CREATION},
     *       {@code TOPIC_PARTITIONS}, {@code TOPIC_REPLICATION_FACTOR}, {@code SERVICE_NAME},
     *       {@code SHUTDOWN_TIMEOUT_MS}, {@code CLUSTER_CHECK_TIMEOUT_MS}.</li>
     * </ul>
     * {@code KAFKA_BOOTSTRAP_SERVERS} wins over {@code ONEX_KAFKA_BOOTSTRAP_SERVERS}. Throws
     * {@link IllegalArgumentException} naming the variable when a value is bad.
     */
    public static ModelKafkaEventConfig fromEnvironment(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        Builder b = new Builder(); // env alone decides, not the process environment builder() reads
        // producer properties first, so that the two documented variables win over ONEX_KAFKA_ spellings
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String name = e.getKey();
            if (name.startsWith("ONEX_KAFKA_") && name.length() > "ONEX_KAFKA_".length() && e.getValue() != null) {
                String property = name.substring("ONEX_KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.');
                b.source(FIELD_OF_PROPERTY.getOrDefault(property, property), name);
                b.producerProperty(property, e.getValue());
            }
        }
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String name = e.getKey();
            String value = e.getValue();
            if (value == null) {
                continue;
            }
            switch (name) {
                case "KAFKA_BOOTSTRAP_SERVERS" -> b.bootstrapServers(value).source("bootstrapServers", name);
                case "KAFKA_TOPIC_PREFIX" -> b.topicPrefix(value).source("topicPrefix", name);
                default -> {
                    if (name.startsWith("KAFKA_EVENT_")) {
                        b.environmentField(name, value);
                    }
                }
            }
        }
        return b.build();
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Prefix of every topic: events go to {@code {topicPrefix}.{topic}}, or to {@code topic} when it is empty. */
    public String topicPrefix() {
        return topicPrefix;
    }

    public boolean enableIdempotence() {
        return enableIdempotence;
    }

    public String acks() {
        return acks;
    }

    /**
     * Retries after the first attempt, for retriable errors of attempts that provably never reached a broker (the
     * producer refused the record in {@code send}, or its topic was not ready); {@code maxRetries + 1} attempts at
     * most. A record the producer took is retried by Kafka alone, within {@code delivery.timeout.ms}: sending it
     * again could store it twice.
     */
    public int maxRetries() {
        return maxRetries;
    }

    /** The wait before retry {@code n} (0-based) is {@code retryBackoffMs * 2^n}. */
    public long retryBackoffMs() {
        return retryBackoffMs;
    }

    /** Consecutive failed calls that open the circuit breaker. */
    public int circuitBreakerThreshold() {
        return circuitBreakerThreshold;
    }

    /** Seconds the breaker stays open before it lets a trial call through (half-open). */
    public long circuitBreakerTimeoutS() {
        return circuitBreakerTimeoutS;
    }

    public boolean enableDlq() {
        return enableDlq;
    }

    /** The longest {@code executeEffect} blocks its caller (producer buffer full, topic metadata missing). */
    public long maxBlockMs() {
        return maxBlockMs;
    }

    public TopicCreation topicCreation() {
        return topicCreation;
    }

    /** Partitions of topics the node creates; {@code -1} for the broker's default. */
    public int topicPartitions() {
        return topicPartitions;
    }

    /** Replication factor of topics the node creates; {@code -1} for the broker's default. */
    public short topicReplicationFactor() {
        return topicReplicationFactor;
    }

    /** {@code source.service} of every envelope. */
    public String serviceName() {
        return serviceName;
    }

    /** Bound on {@code shutdown()}: the time given to deliver what is in flight. */
    public long shutdownTimeoutMs() {
        return shutdownTimeoutMs;
    }

    /**
     * How long the cluster has to answer when the node is initialized for a host ({@code initialize(Map)}), and when
     * an event got no answer from Kafka: no answer in that time is a settings error at initialization, and opens the
     * circuit breaker later on. {@code 0}: no such check. Needs an admin client (topic creation {@code ADMIN}).
     */
    public long clusterCheckTimeoutMs() {
        return clusterCheckTimeoutMs;
    }

    /** The Kafka producer properties given on top of the node's own, sorted by name. */
    public Map<String, Object> producerProperties() {
        return producerProperties;
    }

    /** Every property the producer is created with: the fields above, the node's defaults, the pass-through ones. */
    public Map<String, Object> kafkaProperties() {
        return kafkaProperties;
    }

    /** {@code delivery.timeout.ms} in effect: how long one attempt may take. */
    public long deliveryTimeoutMs() {
        return longProperty(kafkaProperties, "delivery.timeout.ms", 120_000L);
    }

    /** {@code max.request.size} in effect: larger records fail at once (and their dead letter is truncated). */
    public int maxRequestSize() {
        return (int) longProperty(kafkaProperties, "max.request.size", 1_048_576L);
    }

    private static long longProperty(Map<String, Object> props, String key, long fallback) {
        Object v = props.get(key);
        if (v instanceof Number n) {
            return n.longValue();
        }
        if (v != null) {
            try {
                return Long.parseLong(v.toString().trim());
            } catch (NumberFormatException e) {
                return fallback;
            }
        }
        return fallback;
    }

    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof ModelKafkaEventConfig c
                && bootstrapServers.equals(c.bootstrapServers) && topicPrefix.equals(c.topicPrefix)
                && enableIdempotence == c.enableIdempotence && acks.equals(c.acks) && maxRetries == c.maxRetries
                && retryBackoffMs == c.retryBackoffMs && circuitBreakerThreshold == c.circuitBreakerThreshold
                && circuitBreakerTimeoutS == c.circuitBreakerTimeoutS && enableDlq == c.enableDlq
                && maxBlockMs == c.maxBlockMs && topicCreation == c.topicCreation
                && topicPartitions == c.topicPartitions && topicReplicationFactor == c.topicReplicationFactor
                && serviceName.equals(c.serviceName) && shutdownTimeoutMs == c.shutdownTimeoutMs
                && clusterCheckTimeoutMs == c.clusterCheckTimeoutMs
                && producerProperties.equals(c.producerProperties);
    }

    @Override
    public int hashCode() {
        return Objects.hash(bootstrapServers, topicPrefix, enableIdempotence, acks, maxRetries, retryBackoffMs,
                circuitBreakerThreshold, circuitBreakerTimeoutS, enableDlq, maxBlockMs, topicCreation, topicPartitions,
                topicReplicationFactor, serviceName, shutdownTimeoutMs, clusterCheckTimeoutMs, producerProperties);
    }

    /** All fields; the values of secret producer properties show as {@code [hidden]}. */
    @Override
    public String toString() {
        Map<String, Object> shown = new TreeMap<>();
        producerProperties.forEach((k, v) -> shown.put(k, Secrets.mask(k, v)));
        return "ModelKafkaEventConfig{bootstrapServers=" + bootstrapServers
                + ", topicPrefix='" + topicPrefix + "'"
                + ", enableIdempotence=" + enableIdempotence
                + ", acks=" + acks
                + ", maxRetries=" + maxRetries
                + ", retryBackoffMs=" + retryBackoffMs
                + ", circuitBreakerThreshold=" + circuitBreakerThreshold
                + ", circuitBreakerTimeoutS=" + circuitBreakerTimeoutS
                + ", enableDlq=" + enableDlq
                + ", maxBlockMs=" + maxBlockMs
                + ", topicCreation=" + topicCreation
                + ", topicPartitions=" + topicPartitions
                + ", topicReplicationFactor=" + topicReplicationFactor
                + ", serviceName=" + serviceName
                + ", shutdownTimeoutMs=" + shutdownTimeoutMs
                + ", clusterCheckTimeoutMs=" + clusterCheckTimeoutMs
                + ", producerProperties=" + shown + "}";
    }

    /**
     * Builds a {@link ModelKafkaEventConfig}. Setters only record; {@link #build()} checks everything and throws one
     * {@link IllegalArgumentException} that lists every bad field with its allowed values and the value given.
     */
    public static final class Builder {
        // whole numbers are held as long, so that a value from the environment beyond the field's Java type is
        // reported by build() with its range, not cut or called "not an integer"
        private String bootstrapServers = DEFAULT_BOOTSTRAP_SERVERS;
        private String topicPrefix = DEFAULT_TOPIC_PREFIX;
        private boolean enableIdempotence = DEFAULT_ENABLE_IDEMPOTENCE;
        private String acks = DEFAULT_ACKS;
        private long maxRetries = DEFAULT_MAX_RETRIES;
        private long retryBackoffMs = DEFAULT_RETRY_BACKOFF_MS;
        private long circuitBreakerThreshold = DEFAULT_CIRCUIT_BREAKER_THRESHOLD;
        private long circuitBreakerTimeoutS = DEFAULT_CIRCUIT_BREAKER_TIMEOUT_S;
        private boolean enableDlq = DEFAULT_ENABLE_DLQ;
        private long maxBlockMs = DEFAULT_MAX_BLOCK_MS;
        private TopicCreation topicCreation = DEFAULT_TOPIC_CREATION;
        private long topicPartitions = DEFAULT_TOPIC_PARTITIONS;
        private long topicReplicationFactor = DEFAULT_TOPIC_REPLICATION_FACTOR;
        private String serviceName = DEFAULT_SERVICE_NAME;
        private long shutdownTimeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS;
        private long clusterCheckTimeoutMs = DEFAULT_CLUSTER_CHECK_TIMEOUT_MS;
        private final Map<String, Object> producerProperties = new LinkedHashMap<>();
        /** Values that could not even be parsed (from text), reported by build(). */
        private final List<String> parseProblems = new ArrayList<>();
        /** Where a field's value came from (an environment variable), for messages. */
        private final Map<String, String> sources = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
            sources.remove("bootstrapServers"); // no longer the environment's value, which messages would blame
            return this;
        }

        public Builder topicPrefix(String topicPrefix) {
            this.topicPrefix = topicPrefix;
            sources.remove("topicPrefix");
            return this;
        }

        public Builder enableIdempotence(boolean enableIdempotence) {
            this.enableIdempotence = enableIdempotence;
            return this;
        }

        public Builder acks(String acks) {
            this.acks = acks;
            return this;
        }

        public Builder maxRetries(int maxRetries) {
            this.maxRetries = maxRetries;
            return this;
        }

        public Builder retryBackoffMs(long retryBackoffMs) {
            this.retryBackoffMs = retryBackoffMs;
            return this;
        }

        public Builder circuitBreakerThreshold(int circuitBreakerThreshold) {
            this.circuitBreakerThreshold = circuitBreakerThreshold;
            return this;
        }

        public Builder circuitBreakerTimeoutS(long circuitBreakerTimeoutS) {
            this.circuitBreakerTimeoutS = circuitBreakerTimeoutS;
            return this;
        }

        public Builder enableDlq(boolean enableDlq) {
            this.enableDlq = enableDlq;
            return this;
        }

        public Builder maxBlockMs(long maxBlockMs) {
            this.maxBlockMs = maxBlockMs;
            return this;
        }

        public Builder topicCreation(TopicCreation topicCreation) {
            this.topicCreation = topicCreation;
            return this;
        }

        public Builder topicPartitions(int topicPartitions) {
            this.topicPartitions = topicPartitions;
            return this;
        }

        public Builder topicReplicationFactor(short topicReplicationFactor) {
            this.topicReplicationFactor = topicReplicationFactor;
            return this;
        }

        public Builder serviceName(String serviceName) {
            this.serviceName = serviceName;
            return this;
        }

        public Builder shutdownTimeoutMs(long shutdownTimeoutMs) {
            this.shutdownTimeoutMs = shutdownTimeoutMs;
            return this;
        }

        /** 0 to 600000 ms; 0: no cluster check. */
        public Builder clusterCheckTimeoutMs(long clusterCheckTimeoutMs) {
            this.clusterCheckTimeoutMs = clusterCheckTimeoutMs;
            return this;
        }

        /**
         * Sets one Kafka producer property. {@code bootstrap.servers}, {@code acks}, {@code enable.idempotence} and
         * {@code max.block.ms} set the field of the same meaning; a {@code null} value removes the property.
         */
        public Builder producerProperty(String name, Object value) {
            if (name == null || name.isBlank()) {
                parseProblems.add("producer property names must not be blank, but got '" + name + "'");
                return this;
            }
            String key = name.trim();
            if (value == null) {
                producerProperties.remove(key);
                return this;
            }
            if (OWNED.contains(key)) {
                String text = value.toString().trim();
                switch (key) {
                    case "bootstrap.servers" -> bootstrapServers = text;
                    case "acks" -> acks = text;
                    case "enable.idempotence" -> {
                        Boolean parsed = parseBoolean(text);
                        if (parsed == null) {
                            parseProblems.add(describe("enableIdempotence") + " must be true or false, but was '" + text + "'");
                        } else {
                            enableIdempotence = parsed;
                        }
                    }
                    default -> {
                        Long parsed = parseLong(text);
                        if (parsed == null) {
                            parseProblems.add(describe("maxBlockMs") + " must be an integer, but was '" + text + "'");
                        } else {
                            maxBlockMs = parsed;
                        }
                    }
                }
                return this;
            }
            producerProperties.put(key, value);
            return this;
        }

        /** Sets each of {@code properties} as by {@link #producerProperty(String, Object)}. */
        public Builder producerProperties(Map<String, ?> properties) {
            properties.forEach(this::producerProperty);
            return this;
        }

        Builder source(String field, String variable) {
            sources.put(field, variable);
            return this;
        }

        private void environmentField(String variable, String value) {
            String field = variable.substring("KAFKA_EVENT_".length());
            String text = value.trim();
            switch (field) {
                case "MAX_RETRIES" -> integer(variable, "maxRetries", text, v -> maxRetries = v);
                case "RETRY_BACKOFF_MS" -> integer(variable, "retryBackoffMs", text, v -> retryBackoffMs = v);
                case "CIRCUIT_BREAKER_THRESHOLD" ->
                        integer(variable, "circuitBreakerThreshold", text, v -> circuitBreakerThreshold = v);
                case "CIRCUIT_BREAKER_TIMEOUT_S" ->
                        integer(variable, "circuitBreakerTimeoutS", text, v -> circuitBreakerTimeoutS = v);
                case "MAX_BLOCK_MS" -> integer(variable, "maxBlockMs", text, v -> maxBlockMs = v);
                case "TOPIC_PARTITIONS" -> integer(variable, "topicPartitions", text, v -> topicPartitions = v);
                case "TOPIC_REPLICATION_FACTOR" ->
                        integer(variable, "topicReplicationFactor", text, v -> topicReplicationFactor = v);
                case "SHUTDOWN_TIMEOUT_MS" -> integer(variable, "shutdownTimeoutMs", text, v -> shutdownTimeoutMs = v);
                case "CLUSTER_CHECK_TIMEOUT_MS" ->
                        integer(variable, "clusterCheckTimeoutMs", text, v -> clusterCheckTimeoutMs = v);
                case "ENABLE_DLQ" -> bool(variable, "enableDlq", text, v -> enableDlq = v);
                case "ENABLE_IDEMPOTENCE" -> bool(variable, "enableIdempotence", text, v -> enableIdempotence = v);
                case "ACKS" -> {
                    source("acks", variable);
                    acks = text;
                }
                case "SERVICE_NAME" -> {
                    source("serviceName", variable);
                    serviceName = text;
                }
                case "TOPIC_CREATION" -> {
                    source("topicCreation", variable);
                    try {
                        topicCreation = TopicCreation.valueOf(text.toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        parseProblems.add(describe("topicCreation") + " must be one of admin, broker, but was '" + text + "'");
                    }
                }
                default -> parseProblems.add(variable + " is not a setting of this node"
                        + Suggestions.closest(variable, ENVIRONMENT_FIELDS).map(k -> " (did you mean " + k + "?)").orElse("")
                        + "; known: KAFKA_EVENT_ followed by " + String.join(", ", ENVIRONMENT_FIELDS.stream()
                                .map(f -> f.substring("KAFKA_EVENT_".length())).toList()));
            }
        }

        private void integer(String variable, String field, String text, LongConsumer setter) {
            source(field, variable);
            Long parsed = parseLong(text);
            if (parsed == null) {
                parseProblems.add(describe(field) + " must be an integer, but was '" + text + "'");
            } else {
                setter.accept(parsed);
            }
        }

        private void bool(String variable, String field, String text, Consumer<Boolean> setter) {
            source(field, variable);
            Boolean parsed = parseBoolean(text);
            if (parsed == null) {
                parseProblems.add(describe(field) + " must be true or false, but was '" + text + "'");
            } else {
                setter.accept(parsed);
            }
        }

        private static Long parseLong(String text) {
            try {
                return Long.parseLong(text.trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }

        private static Boolean parseBoolean(String text) {
            String t = text.trim().toLowerCase(Locale.ROOT);
            return t.equals("true") ? Boolean.TRUE : t.equals("false") ? Boolean.FALSE : null;
        }

        /** The field's name, and the variable it came from if any. */
        private String describe(String field) {
            String from = sources.get(field);
            return from == null ? field : field + " (from " + from + ")";
        }

        /** Checks every field; throws {@link IllegalArgumentException} listing all that are bad. */
        public ModelKafkaEventConfig build() {
            List<String> problems = new ArrayList<>(parseProblems);
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                problems.add(describe("bootstrapServers") + " must be a non-empty list of host:port, but was "
                        + quote(bootstrapServers));
            } else if (bootstrapServers.indexOf('@') >= 0) {
                // user:password@host:port: no Kafka client takes that, and every message naming the address would
                // show the password
                problems.add(describe("bootstrapServers") + " must be a list of host:port, but an entry has an '@'"
                        + " (credentials written into the address?; it is not shown, as it may hold a password):"
                        + " Kafka takes credentials from the SASL settings only (ONEX_KAFKA_SECURITY_PROTOCOL,"
                        + " ONEX_KAFKA_SASL_MECHANISM, ONEX_KAFKA_SASL_JAAS_CONFIG)");
            }
            if (topicPrefix == null || topicPrefix.length() > MAX_TOPIC_PREFIX_LENGTH
                    || !TOPIC_CHARS.matcher(topicPrefix).matches()) {
                problems.add(describe("topicPrefix") + " must be at most " + MAX_TOPIC_PREFIX_LENGTH
                        + " characters of A-Z, a-z, 0-9, '.', '_' and '-' (or empty), but was " + quote(shorten(topicPrefix)));
            }
            if (acks == null || !ACKS.contains(acks)) {
                problems.add(describe("acks") + " must be one of all, -1, 0, 1, but was " + quote(acks));
            } else if (enableIdempotence && !(acks.equals("all") || acks.equals("-1"))) {
                problems.add(describe("acks") + " must be all (or -1) while enableIdempotence is true, but was "
                        + quote(acks));
            }
            range(problems, "maxRetries", maxRetries, 0, MAX_RETRIES_LIMIT);
            range(problems, "retryBackoffMs", retryBackoffMs, 0, MAX_BACKOFF_MS);
            range(problems, "circuitBreakerThreshold", circuitBreakerThreshold, 1, MAX_BREAKER_THRESHOLD);
            range(problems, "circuitBreakerTimeoutS", circuitBreakerTimeoutS, 1, MAX_BREAKER_TIMEOUT_S);
            range(problems, "maxBlockMs", maxBlockMs, 0, MAX_BLOCK_LIMIT_MS);
            range(problems, "shutdownTimeoutMs", shutdownTimeoutMs, 0, 600_000);
            range(problems, "clusterCheckTimeoutMs", clusterCheckTimeoutMs, 0, 600_000);
            if (topicCreation == null) {
                problems.add(describe("topicCreation") + " must be ADMIN or BROKER, but was null");
            }
            if (topicPartitions != -1 && (topicPartitions < 1 || topicPartitions > 100_000)) {
                problems.add(describe("topicPartitions") + " must be -1 (broker default) or between 1 and 100000, but was "
                        + topicPartitions);
            }
            if (topicReplicationFactor != -1
                    && (topicReplicationFactor < 1 || topicReplicationFactor > Short.MAX_VALUE)) {
                problems.add(describe("topicReplicationFactor") + " must be -1 (broker default) or between 1 and "
                        + Short.MAX_VALUE + ", but was " + topicReplicationFactor);
            }
            if (serviceName == null || serviceName.isBlank() || serviceName.length() > 255) {
                problems.add(describe("serviceName") + " must be 1 to 255 characters, but was " + quote(shorten(serviceName)));
            }
            for (String key : producerProperties.keySet()) {
                if (FORBIDDEN.contains(key)) {
                    problems.add("producer property '" + key + "' cannot be set" + fromVariable(key) + ": "
                            + (key.equals("transactional.id") ? "the node does not publish in transactions"
                            : "the node sends keys and values as bytes"));
                }
            }
            checkProducerProperties(problems);
            checkSaslCredentials(problems);
            checkTimeouts(problems);
            if (!problems.isEmpty()) {
                // a secret's own value is never quoted above; this hides one pasted into another setting as well
                throw new IllegalArgumentException(Secrets.of(producerProperties).redact("Invalid ModelKafkaEventConfig: "
                        + String.join("; ", problems)));
            }
            return new ModelKafkaEventConfig(this);
        }

        /**
         * Each pass-through property must be a Kafka producer setting (a misspelt one, say {@code sasl.jass.config},
         * would otherwise be ignored with a warning), unless a plugin class is configured that may read its own, and
         * its value must have the setting's type and range. Checked now, by name and variable, rather than when the
         * producer is created. A secret's value is never quoted.
         */
        private void checkProducerProperties(List<String> problems) {
            Map<String, ConfigDef.ConfigKey> keys = ProducerConfig.configDef().configKeys();
            boolean plugins = producerProperties.keySet().stream().anyMatch(KafkaClientFailures.PLUGIN_SETTINGS::contains);
            for (Map.Entry<String, Object> e : producerProperties.entrySet()) {
                String name = e.getKey();
                ConfigDef.ConfigKey key = keys.get(name);
                if (key == null) {
                    if (!plugins && !FORBIDDEN.contains(name) && !name.startsWith("config.providers.")) {
                        problems.add("producer property '" + name + "'" + fromVariable(name) + " is not a Kafka producer"
                                + " setting" + closest(name, keys.keySet()));
                    }
                    continue;
                }
                try {
                    Object value = ConfigDef.parseType(name, e.getValue(), key.type);
                    if (key.validator != null) {
                        key.validator.ensureValid(name, value);
                    }
                } catch (ConfigException | IllegalArgumentException bad) {
                    problems.add("producer property '" + name + "'" + fromVariable(name) + (Secrets.isSecret(name)
                            ? " has a value that is not a valid " + key.type.name().toLowerCase(Locale.ROOT)
                            : ": " + bad.getMessage()));
                }
            }
        }

        /**
         * Kafka's own PLAIN and SCRAM login modules need {@code username} and {@code password} options. Without one, the
         * client is built all the same and fails each connection before it authenticates, which a client only says at
         * debug level: the node's cluster check then reported that no broker answered and told the user to set the
         * address. Said here by name, never with a value; a JAAS config Kafka cannot parse is left to the client (it
         * says so when built), one read through a config provider ({@code ${...}}) is not looked into.
         */
        private void checkSaslCredentials(List<String> problems) {
            Object protocol = producerProperties.get("security.protocol");
            Object jaas = producerProperties.get("sasl.jaas.config");
            if (protocol == null || !String.valueOf(protocol).trim().toUpperCase(Locale.ROOT).startsWith("SASL_")
                    || jaas == null || String.valueOf(jaas).contains("${")
                    // a callback handler of the user's own may supply the credentials the options leave out
                    || producerProperties.containsKey("sasl.client.callback.handler.class")
                    || producerProperties.containsKey("sasl.login.callback.handler.class")) {
                return;
            }
            List<javax.security.auth.login.AppConfigurationEntry> entries;
            try {
                entries = org.apache.kafka.common.security.JaasContext.loadClientContext(Map.of("sasl.jaas.config",
                        new org.apache.kafka.common.config.types.Password(String.valueOf(jaas)))).configurationEntries();
            } catch (RuntimeException unparsable) {
                return;
            }
            for (javax.security.auth.login.AppConfigurationEntry entry : entries) {
                String module = entry.getLoginModuleName();
                if (module.equals("org.apache.kafka.common.security.plain.PlainLoginModule")
                        || module.equals("org.apache.kafka.common.security.scram.ScramLoginModule")) {
                    List<String> missing = new ArrayList<>();
                    for (String option : List.of("username", "password")) {
                        if (!(entry.getOptions().get(option) instanceof String v) || v.isEmpty()) {
                            missing.add(option);
                        }
                    }
                    if (!missing.isEmpty()) {
                        problems.add("producer property 'sasl.jaas.config'" + fromVariable("sasl.jaas.config")
                                + " has no " + String.join(" and no ", missing) + " for "
                                + module.substring(module.lastIndexOf('.') + 1) + " (write " + String.join(" and ",
                                        missing.stream().map(o -> o + "=\"...\"").toList()) + " after 'required')");
                    }
                }
            }
        }

        /** {@code "; did you mean 'x'?"} for a known name close to {@code name}, if any. */
        private static String closest(String name, Set<String> known) {
            return Suggestions.closest(name, known).map(k -> "; did you mean '" + k + "'?").orElse("");
        }

        /** Kafka refuses delivery.timeout.ms below linger.ms + request.timeout.ms; say so now, by name. */
        private void checkTimeouts(List<String> problems) {
            Map<String, Object> effective = new LinkedHashMap<>(DEFAULT_PRODUCER_PROPERTIES);
            effective.putAll(producerProperties);
            long delivery = longProperty(effective, "delivery.timeout.ms", -1);
            long linger = longProperty(effective, "linger.ms", -1);
            long request = longProperty(effective, "request.timeout.ms", -1);
            if (delivery >= 0 && linger >= 0 && request >= 0 && delivery < linger + request) {
                problems.add("producer property 'delivery.timeout.ms' must be at least linger.ms + request.timeout.ms ("
                        + linger + " + " + request + "), but was " + delivery);
            }
        }

        private String fromVariable(String property) {
            String from = sources.get(property);
            return from == null ? "" : " (from " + from + ")";
        }

        private void range(List<String> problems, String field, long value, long min, long max) {
            if (value < min || value > max) {
                problems.add(describe(field) + " must be between " + min + " and " + max + ", but was " + value);
            }
        }

        private static String quote(String s) {
            return s == null ? "null" : "'" + s + "'";
        }

        private static String shorten(String s) {
            return s == null || s.length() <= 60 ? s : s.substring(0, 57) + "...";
        }
    }
}
