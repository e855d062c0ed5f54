package ai.omninode.onex.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How a host reads the failure to build a Kafka client (a producer, consumer or admin client) from settings: whether
 * it is the settings' fault, which client properties the failure names, and the reason under Kafka's wrappers. Shared
 * by the Kafka node (its producer) and {@code onex serve} (its trigger consumer), so that both name the same settings
 * the same way. No Kafka types: the node carries its own kafka-clients, and this must read either's exceptions.
 */
public final class KafkaClientFailures {
    private static final String KAFKA_EXCEPTION = "org.apache.kafka.common.KafkaException";
    /**
     * Client settings that load plugin classes, which may read settings of their own (unknown to Kafka): while one is
     * set, a name that no Kafka client reads is not a mistake. One list for the node's producer and the host's clients.
     */
    public static final Set<String> PLUGIN_SETTINGS = Set.of("interceptor.classes", "metric.reporters",
            "partitioner.class", "sasl.login.class", "sasl.login.callback.handler.class",
            "sasl.client.callback.handler.class", "ssl.engine.factory.class", "config.providers");

    private KafkaClientFailures() {
    }

    /**
     * Whether building the client failed for its settings. Kafka builds its clients without any I/O, so a
     * {@code KafkaException} (a {@code ConfigException} among them) or a bad value there means settings it refused: a
     * malformed address, a truststore that is not there, a JAAS config that does not parse. A missing class of the
     * host's own (a {@link LinkageError}) is not.
     */
    public static boolean refusedSettings(Throwable e) {
        if (e instanceof LinkageError) {
            return false;
        }
        for (Throwable t : Causes.of(e)) {
            if (t instanceof IllegalArgumentException || isKafkaException(t)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isKafkaException(Throwable t) {
        for (Class<?> c = t.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals(KAFKA_EXCEPTION)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a property of this name holds a secret (a password, a JAAS config, a key, a token). */
    public static boolean isSecret(String property) {
        String k = property.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("jaas") || k.contains("secret") || k.contains("token")
                || k.contains("credential") || k.endsWith(".key") || k.contains("private");
    }

    /**
     * The client properties a construction failure names: those whose name its messages contain, else those whose
     * value they quote (a file path, an address, a class name). Secret properties are matched by name only, never by
     * value; a JAAS config is named by its messages as "JAAS config".
     */
    public static List<String> implicated(Throwable e, Map<String, ?> properties) {
        StringBuilder text = new StringBuilder();
        for (Throwable t : Causes.of(e)) {
            text.append(' ').append(t.getMessage());
        }
        List<String> byName = new ArrayList<>();
        List<String> byValue = new ArrayList<>();
        // a name as a word, outside what the message quotes: a password a JAAS parser quotes may hold "acks"
        String words = text.toString().replaceAll("'[^']*'", "''");
        properties.forEach((k, v) -> {
            if (Pattern.compile("(?<![\\w.])" + Pattern.quote(k) + "(?![\\w.])").matcher(words).find()) {
                byName.add(k);
            } else if (v instanceof String value && looksLikePathOrAddress(value) && !isSecret(k)
                    && text.indexOf(value) >= 0) {
                byValue.add(k);
            }
        });
        if (byName.isEmpty() && byValue.isEmpty() && properties.containsKey("sasl.jaas.config")
                && text.toString().toUpperCase(Locale.ROOT).contains("JAAS")) {
            byName.add("sasl.jaas.config"); // its value is a secret: its messages say "JAAS config", not its name
        }
        return byName.isEmpty() ? byValue : byName;
    }

    /**
     * Past Kafka's wrappers ("Failed to construct kafka producer", "Failed to create new NetworkClient"): the deepest
     * failure that says what it could not do.
     */
    public static Throwable reason(Throwable e) {
        Throwable inner = e;
        for (Throwable t : Causes.of(e)) {
            String m = t.getMessage();
            if (m != null && !m.startsWith("Failed to construct") && !m.startsWith("Failed to create")) {
                inner = t;
            }
        }
        return inner;
    }

    /** JAAS control flags: words of a JAAS config that are no secret (a parser's message may quote them). */
    private static final List<String> JAAS_WORDS = List.of("required", "requisite", "sufficient", "optional");
    private static final Pattern CLASS_NAME = Pattern.compile("[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)+");

    /**
     * The parts of a secret value that a parser may quote on their own: Kafka's JAAS parser says {@code Invalid login
     * module control flag 'SuperSecret123' in JAAS config} of a config it cannot read. Each option's value, and each
     * bare word but the control flags and login module class names; parts shorter than three characters stay (they
     * would hide common letters everywhere).
     */
    public static List<String> secretParts(String value) {
        List<String> parts = new ArrayList<>();
        for (String token : value.split("[\\s;]+")) {
            int eq = token.indexOf('=');
            String part = eq >= 0 ? token.substring(eq + 1) : token;
            part = part.replaceAll("^[\"']+|[\"']+$", "");
            if (part.length() < 3 || part.equals(value)) {
                continue;
            }
            if (eq < 0 && (JAAS_WORDS.contains(part.toLowerCase(Locale.ROOT)) || CLASS_NAME.matcher(part).matches())) {
                continue;
            }
            parts.add(part);
            // a quote inside a value (password="Ab"cD3fGq") ends it for Kafka's parser, which then reads the rest as
            // words and names one ("Value not specified for key 'cD3fGq'"); its words are letters, digits, '_', '$'
            // and '-' (S3cr"etPass!2024 gives 'etPass'): each such word of a value is a part too
            for (String piece : part.split("[^\\p{L}\\p{N}_$-]+")) {
                if (piece.length() >= 3 && !piece.equals(part) && !JAAS_WORDS.contains(piece.toLowerCase(Locale.ROOT))
                        && !CLASS_NAME.matcher(piece).matches()) {
                    parts.add(piece);
                }
            }
        }
        return parts;
    }

    /**
     * {@code text} with the value of every secret property of {@code properties}, and each of its
     * {@linkplain #secretParts parts}, replaced by {@code [hidden]}: a client's message may quote them.
     */
    public static String redact(String text, Map<String, ?> properties) {
        if (text == null) {
            return null;
        }
        List<String> secrets = new ArrayList<>();
        properties.forEach((k, v) -> {
            if (v != null && isSecret(k) && v.toString().length() >= 3) {
                secrets.add(v.toString());
                secrets.addAll(secretParts(v.toString()));
            }
        });
        secrets.sort(java.util.Comparator.comparingInt(String::length).reversed());
        String out = text;
        for (String secret : secrets) {
            out = out.replace(secret, "[hidden]");
        }
        return out;
    }

    /** From a message's first single quote to its last. */
    private static final Pattern QUOTED = Pattern.compile("'.*'", Pattern.DOTALL);

    /**
     * A message about a secret property with whatever it quotes hidden, from its first single quote to its last. A
     * JAAS parser quotes the word it trips on ({@code Value not specified for key '...'}, {@code Invalid login module
     * control flag '...'}), and that word may be a password: one written without its {@code password=}, one with
     * quotes or backslashes in it (the message quotes it unescaped, which no part of the value as written matches),
     * or one read through a config provider ({@code ${file:...}}: the value the node knows is the reference). From the
     * first quote to the last, on purpose: a password may hold a quote itself, so whatever lies between two quoted
     * words (a property name, say) goes too.
     */
    public static String hideQuoted(String message) {
        return message == null ? null : QUOTED.matcher(message).replaceAll("'[hidden]'");
    }

    /**
     * Whether a construction failure is about a secret: it names one of them ({@link #implicated}), or it is about the
     * JAAS config that {@code properties} hold. The second case matters because names are found as text in the
     * messages, and a password a JAAS parser quotes may hold one ("Value not specified for key 'Hacks4ever'" names
     * {@code acks}).
     */
    public static boolean aboutSecret(Throwable e, List<String> implicated, Map<String, ?> properties) {
        if (implicated.stream().anyMatch(KafkaClientFailures::isSecret)) {
            return true;
        }
        if (!properties.containsKey("sasl.jaas.config")) {
            return false;
        }
        for (Throwable t : Causes.of(e)) {
            if (t.getMessage() != null && t.getMessage().toUpperCase(Locale.ROOT).contains("JAAS")) {
                return true;
            }
        }
        return false;
    }

    /** A value a message may quote that no word of its own could be mistaken for ({@code SSL} is both). */
    private static boolean looksLikePathOrAddress(String value) {
        return value.length() > 2 && value.chars().anyMatch(c -> c == '/' || c == '\\' || c == ':' || c == '.');
    }
}
