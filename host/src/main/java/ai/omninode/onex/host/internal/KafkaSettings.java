package ai.omninode.onex.host.internal;

import ai.omninode.onex.contract.Suggestions;
import ai.omninode.onex.node.NodeSettingsException;
import ai.omninode.onex.runtime.KafkaClientFailures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka clients of the host (the trigger consumer, the dead-letter producer, the admin client), configured from
 * the same settings as the Kafka node so that one set of credentials serves both:
 * <ul>
 *   <li>{@code KAFKA_BOOTSTRAP_SERVERS} (wins), else {@code ONEX_KAFKA_BOOTSTRAP_SERVERS}, else the node's default;</li>
 *   <li>{@code ONEX_KAFKA_<PROPERTY>}: given to each client for which it is a setting ({@code security.protocol},
 *       {@code sasl.*}, {@code ssl.*} reach all three; producer tuning such as {@code linger.ms} only the producer);</li>
 *   <li>{@code ONEX_CONSUMER_<PROPERTY>}: consumer settings the node would refuse as producer settings
 *       ({@code ONEX_CONSUMER_MAX_POLL_RECORDS}); checked by name and type, with "did you mean".</li>
 * </ul>
 * Values are never logged or put in a message: a secret's name is enough to act on.
 */
public final class KafkaSettings {
    public static final String BOOTSTRAP = "KAFKA_BOOTSTRAP_SERVERS";
    public static final String TOPIC_PREFIX = "KAFKA_TOPIC_PREFIX";
    /** As the Kafka node's defaults, so that a host and its node agree without settings. */
    public static final String DEFAULT_BOOTSTRAP = "omninode-bridge-redpanda:9092";
    public static final String DEFAULT_TOPIC_PREFIX = "dev.archon-intelligence";
    static final String CLIENT_PREFIX = "ONEX_KAFKA_";
    static final String CONSUMER_PREFIX = "ONEX_CONSUMER_";
    /** The settings the host reads, as {@code EffectNode.settingNames()} lists a node's. */
    public static final Set<String> SETTING_NAMES = Set.of(BOOTSTRAP, TOPIC_PREFIX, "ONEX_KAFKA_*", "ONEX_CONSUMER_*");
    /** Set by the host: the loop depends on them. */
    private static final Set<String> HOST_OWNED = Set.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
            ConsumerConfig.GROUP_ID_CONFIG, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
            ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, ConsumerConfig.GROUP_PROTOCOL_CONFIG);

    /** What some Kafka client reads: an ONEX_KAFKA_ name that none does is a mistake. */
    private static final Set<String> CLIENT_SETTINGS;

    static {
        Set<String> names = new java.util.TreeSet<>(ProducerConfig.configNames());
        names.addAll(ConsumerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        CLIENT_SETTINGS = java.util.Collections.unmodifiableSet(names);
    }

    private final String bootstrapServers;
    /** The variable the address came from (the default's is named as the one to set). */
    private final String bootstrapVariable;
    private final String topicPrefix;
    private final Map<String, Object> clientProperties;
    private final Map<String, Object> consumerOverrides;

    private KafkaSettings(String bootstrapServers, String bootstrapVariable, String topicPrefix,
            Map<String, Object> clientProperties, Map<String, Object> consumerOverrides) {
        this.bootstrapServers = bootstrapServers;
        this.bootstrapVariable = bootstrapVariable;
        this.topicPrefix = topicPrefix;
        this.clientProperties = clientProperties;
        this.consumerOverrides = consumerOverrides;
    }

    /** Reads {@code settings}; throws {@link IllegalArgumentException} naming every bad variable (never a value). */
    public static KafkaSettings from(Map<String, String> settings) {
        Map<String, Object> client = new LinkedHashMap<>();
        Map<String, Object> consumer = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        Map<String, ConfigDef.ConfigKey> consumerKeys = ConsumerConfig.configDef().configKeys();
        for (Map.Entry<String, String> e : new TreeMap<>(settings).entrySet()) {
            String name = e.getKey();
            if (e.getValue() == null) {
                continue;
            }
            if (name.startsWith(CLIENT_PREFIX) && name.length() > CLIENT_PREFIX.length()) {
                client.put(property(name, CLIENT_PREFIX), e.getValue());
            } else if (name.startsWith(CONSUMER_PREFIX) && name.length() > CONSUMER_PREFIX.length()) {
                String property = property(name, CONSUMER_PREFIX);
                ConfigDef.ConfigKey key = consumerKeys.get(property);
                if (HOST_OWNED.contains(property)) {
                    problems.add(name + ": '" + property + "' is set by the host (use --group and --instance-id for"
                            + " the group; offsets are committed after each run)");
                } else if (key == null) {
                    problems.add(name + ": '" + property + "' is not a Kafka consumer setting"
                            + Suggestions.closest(property, consumerKeys.keySet()).map(k -> "; did you mean '" + k + "'?")
                                    .orElse(""));
                } else {
                    try {
                        Object value = ConfigDef.parseType(property, e.getValue(), key.type);
                        if (key.validator != null) {
                            key.validator.ensureValid(property, value);
                        }
                        consumer.put(property, e.getValue());
                    } catch (ConfigException | IllegalArgumentException bad) {
                        problems.add(name + ": not a valid " + key.type.name().toLowerCase(Locale.ROOT) + " for '"
                                + property + "'");
                    }
                }
            }
        }
        // a misspelt credential (ONEX_KAFKA_SASL_JASS_CONFIG) would reach no client, and Kafka's refusal of what is
        // missing names no variable; the node's did-you-mean would come only after the consumer's check
        boolean plugins = client.keySet().stream().anyMatch(KafkaClientFailures.PLUGIN_SETTINGS::contains);
        for (Map.Entry<String, String> e : new TreeMap<>(settings).entrySet()) {
            String name = e.getKey();
            if (plugins || e.getValue() == null || !name.startsWith(CLIENT_PREFIX)
                    || name.length() == CLIENT_PREFIX.length()) {
                continue;
            }
            String property = property(name, CLIENT_PREFIX);
            if (!CLIENT_SETTINGS.contains(property) && !property.startsWith("config.providers.")) {
                problems.add(name + ": '" + property + "' is not a setting of any Kafka client"
                        + Suggestions.closest(property, CLIENT_SETTINGS).map(k -> "; did you mean '" + k + "'?")
                                .orElse(""));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid Kafka settings for the host: " + String.join("; ", problems));
        }
        String bootstrap = settings.get(BOOTSTRAP);
        String variable = BOOTSTRAP;
        if (bootstrap == null || bootstrap.isBlank()) {
            Object fromClient = client.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
            bootstrap = fromClient == null ? DEFAULT_BOOTSTRAP : fromClient.toString();
            variable = fromClient == null ? BOOTSTRAP : CLIENT_PREFIX + "BOOTSTRAP_SERVERS";
        }
        client.remove(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
        String prefix = settings.getOrDefault(TOPIC_PREFIX, DEFAULT_TOPIC_PREFIX);
        return new KafkaSettings(bootstrap.strip(), variable, prefix, client, consumer);
    }

    private static String property(String variable, String prefix) {
        return variable.substring(prefix.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The prefix the Kafka node puts in front of topics, which the host puts in front of trigger topics too. */
    public String topicPrefix() {
        return topicPrefix;
    }

    /** The consumer of one workflow's triggers: manual commits, cooperative-sticky assignment, committed reads. */
    public Map<String, Object> consumer(String groupId, String instanceId, String clientId) {
        Map<String, Object> p = only(ConsumerConfig.configNames());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        if (instanceId != null) {
            p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
        }
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        // a group's first start reads what was sent before it joined: a trigger is never skipped by default
        p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // a trigger of an aborted transaction never happened
        p.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.putAll(consumerOverrides);
        return p;
    }

    /**
     * Builds the trigger consumer of {@code groupId} once, and closes it: Kafka builds a client without I/O (but for
     * resolving the bootstrap address), so this finds, before any node starts, the settings it refuses that the name
     * and type checks of {@link #from} let through (a JAAS config that does not parse, an address that does not
     * resolve, an interceptor class that is not there). Returns the refusal, naming the variables, never a value, or
     * null.
     */
    public NodeSettingsException checkConsumer(String groupId, String instanceId) {
        Map<String, Object> props = consumer(groupId, instanceId, "onex-serve-check");
        try {
            new KafkaConsumer<byte[], byte[]>(props).close(Duration.ZERO);
            return null;
        } catch (RuntimeException | LinkageError e) {
            if (!KafkaClientFailures.refusedSettings(e)) {
                throw e;
            }
            List<String> properties = KafkaClientFailures.implicated(e, props);
            List<String> variables = properties.stream().map(this::variableOf).distinct().toList();
            Throwable reason = KafkaClientFailures.reason(e);
            // a message may quote a secret's value, or a part of it (a JAAS parser quotes the word it trips on)
            String message = KafkaClientFailures.redact(reason.getMessage(), props);
            String why = reason.getClass().getSimpleName() + (message == null ? ""
                    : ": " + (KafkaClientFailures.aboutSecret(e, properties, props) ? KafkaClientFailures.hideQuoted(message)
                            : message));
            String named = properties.isEmpty() ? "the trigger consumer's settings (" + CONSUMER_PREFIX + "*, "
                    + CLIENT_PREFIX + "*)" : properties.stream().map(p -> variableOf(p) + " (" + p + ")")
                    .collect(java.util.stream.Collectors.joining(", "));
            return new NodeSettingsException("the trigger consumer cannot be built: Kafka refused " + named + ": "
                    + why, variables, null);
        }
    }

    /** The variable (or option) that set a consumer property. */
    private String variableOf(String property) {
        String spelled = property.toUpperCase(Locale.ROOT).replace('.', '_');
        if (consumerOverrides.containsKey(property)) {
            return CONSUMER_PREFIX + spelled;
        }
        return switch (property) {
            case ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG -> bootstrapVariable;
            case ConsumerConfig.GROUP_ID_CONFIG -> "--group";
            case ConsumerConfig.GROUP_INSTANCE_ID_CONFIG -> "--instance-id";
            default -> clientProperties.containsKey(property) ? CLIENT_PREFIX + spelled : property;
        };
    }

    /** The dead-letter producer: idempotent, acks=all, no linger (each dead letter is awaited before its commit). */
    public Map<String, Object> producer(String clientId) {
        Map<String, Object> p = only(ProducerConfig.configNames());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        return p;
    }

    public Map<String, Object> admin(String clientId) {
        Map<String, Object> p = only(AdminClientConfig.configNames());
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        return p;
    }

    /** The ONEX_KAFKA_ properties that are settings of a client with these names. */
    private Map<String, Object> only(Set<String> names) {
        Map<String, Object> p = new LinkedHashMap<>();
        clientProperties.forEach((k, v) -> {
            if (names.contains(k) || k.startsWith("config.providers.")) {
                p.put(k, v);
            }
        });
        return p;
    }

    /** Only what is safe to print: where the clients connect, never a credential. */
    @Override
    public String toString() {
        return "bootstrap.servers=" + bootstrapServers + ", topic prefix '" + topicPrefix + "'";
    }
}
