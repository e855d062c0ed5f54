package ai.omninode.onex.kafka.internal;

import ai.omninode.onex.kafka.ModelKafkaEventConfig;
import ai.omninode.onex.node.NodeSettingsException;
import ai.omninode.onex.node.OnexException;
import ai.omninode.onex.runtime.KafkaClientFailures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings of the Kafka clients a node builds: the admin client's properties, the files a TLS client reads, and
 * what a client that could not be built says about the settings Kafka refused.
 */
public final class ClientSettings {
    private static final Logger LOG = LoggerFactory.getLogger("ai.omninode.onex.kafka.NodeKafkaEventEffect");

    private ClientSettings() {
    }

    /**
     * A client that could not be built. Kafka builds its clients without any I/O, so a {@code KafkaException} (a
     * {@code ConfigException} among them) or a bad value there means settings it refused: a malformed address, a
     * truststore that is not there, a JAAS config that does not parse. That is a {@link NodeSettingsException},
     * naming the settings the failure names (by property or by value), so that a host refuses the run before any step
     * and says where those came from. Anything else (a class missing, a factory's own failure) stays an
     * {@link OnexException}.
     */
    static OnexException initFailed(String what, Throwable e, Map<String, Object> props, Secrets secrets) {
        Throwable redacted = secrets.redact(e);
        if (!KafkaClientFailures.refusedSettings(e)) {
            return new OnexException(EventPublisher.INIT_FAILED + ": " + what + Errors.describeWithCause(e, secrets), redacted);
        }
        List<String> names = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        List<String> implicated = KafkaClientFailures.implicated(e, props);
        for (String p : implicated) {
            List<String> of = settingNamesOf(p);
            names.addAll(of);
            shown.add(of.get(0));
        }
        String why = Errors.describeWithCause(KafkaClientFailures.reason(e), secrets);
        if (KafkaClientFailures.aboutSecret(e, implicated, props)) {
            why = KafkaClientFailures.hideQuoted(why);
            redacted = secrets.redact(e, KafkaClientFailures::hideQuoted);
        }
        return new NodeSettingsException(EventPublisher.INIT_FAILED + ": " + what + "Kafka refused "
                + (shown.isEmpty() ? "the client's settings" : String.join(", ", shown)) + ": " + why, names, redacted);
    }

    /**
     * The variables that set these producer properties ({@code ModelKafkaEventConfig.fromEnvironment}): the documented
     * ones for the properties that have a field of their own, and each one's {@code ONEX_KAFKA_} spelling.
     */
    static List<String> settingNamesOf(String property) {
        String spelled = "ONEX_KAFKA_" + property.toUpperCase(java.util.Locale.ROOT).replace('.', '_');
        return switch (property) {
            case "bootstrap.servers" -> List.of("KAFKA_BOOTSTRAP_SERVERS", spelled);
            case "acks" -> List.of("KAFKA_EVENT_ACKS", spelled);
            case "enable.idempotence" -> List.of("KAFKA_EVENT_ENABLE_IDEMPOTENCE", spelled);
            case "max.block.ms" -> List.of("KAFKA_EVENT_MAX_BLOCK_MS", spelled);
            default -> List.of(spelled);
        };
    }

    /** The producer properties that name a file Kafka reads when it builds a client over TLS. */
    private static final List<String> TLS_FILES = List.of("ssl.truststore.location", "ssl.keystore.location");

    /**
     * Refuses a truststore or keystore that is not a readable file, when the client would load it (TLS on), before
     * any client is built: Kafka's would log an error with a stack trace per client first, then fail with the file's
     * name but not the setting's.
     */
    public static void requireReadableFiles(Map<String, Object> props) {
        Object protocol = props.get("security.protocol");
        if (protocol == null || !String.valueOf(protocol).trim().toUpperCase(java.util.Locale.ROOT).endsWith("SSL")) {
            return;
        }
        List<String> problems = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String p : TLS_FILES) {
            if (!(props.get(p) instanceof String location) || location.isBlank()) {
                continue;
            }
            String why;
            try {
                java.nio.file.Path file = java.nio.file.Path.of(location);
                why = !java.nio.file.Files.exists(file) ? "no such file"
                        : !java.nio.file.Files.isRegularFile(file) ? "not a file"
                        : !java.nio.file.Files.isReadable(file) ? "not readable" : null;
            } catch (java.nio.file.InvalidPathException e) {
                why = "not a valid path";
            }
            if (why != null) {
                List<String> of = settingNamesOf(p);
                names.addAll(of);
                problems.add(of.get(0) + " (" + p + "): " + why + ": " + location);
            }
        }
        if (!problems.isEmpty()) {
            throw new NodeSettingsException(EventPublisher.INIT_FAILED + ": " + String.join("; ", problems), names, null);
        }
    }

    /** The admin client properties of a node with this config and id, for a client of its own ({@code suffix}). */
    public static Map<String, Object> adminProperties(ModelKafkaEventConfig config, String nodeId, String suffix) {
        Map<String, Object> props = new LinkedHashMap<>(config.kafkaProperties());
        props.putIfAbsent("client.id", "onex-kafka-event-effect-" + nodeId.substring(0, 8));
        Map<String, Object> admin = adminProperties(props, config);
        admin.put("client.id", props.get("client.id") + suffix);
        return admin;
    }

    /**
     * The producer's properties that the admin client knows, with its API timeout bounded like a produce. The
     * {@code config.providers.NAME.*} properties are no config names of their own, but a value such as a JAAS config
     * of {@code ${file:...}} needs them to be resolved.
     */
    static Map<String, Object> adminProperties(Map<String, Object> producerProps, ModelKafkaEventConfig config) {
        Set<String> known = AdminClientConfig.configNames();
        Map<String, Object> out = new LinkedHashMap<>();
        producerProps.forEach((k, v) -> {
            if (known.contains(k) || k.startsWith("config.providers.")) {
                out.put(k, v);
            }
        });
        out.put("client.id", producerProps.get("client.id") + "-admin");
        out.putIfAbsent("default.api.timeout.ms", (int) Math.min(Integer.MAX_VALUE, config.deliveryTimeoutMs()));
        return out;
    }

    static void closeQuietly(Producer<?, ?> producer) {
        try {
            producer.close(Duration.ZERO);
        } catch (RuntimeException e) {
            LOG.debug("closing a producer after a failed start", e);
        }
    }
}
