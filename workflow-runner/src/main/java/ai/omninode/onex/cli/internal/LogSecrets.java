package ai.omninode.onex.cli.internal;

import ai.omninode.onex.runtime.KafkaClientFailures;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.JsonEscapeUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The values of the secret settings this process was given (a JAAS config, a password, a token endpoint with its
 * credentials), hidden in every log line the CLI writes, whoever logged it. onex's own lines never hold them, but a
 * library's may: Kafka's OAuth support logs an invalid {@code sasl.oauthbearer.token.endpoint.url} as it is, at WARN,
 * with a stack trace. A setting is secret by its name ({@link KafkaClientFailures#isSecret}); what is hidden is its
 * value (at least {@value #MIN_LENGTH} characters) and, inside a JAAS config, the values of its secret options
 * ({@code password="..."}, as written and unescaped), each also as the JSON log format escapes it. Not the other
 * parts of a value: a JAAS config's {@code username="user"} or its module's package would hide those words in every
 * line.
 */
public final class LogSecrets {
    /** Shorter values are hidden in errors that quote them, not in every log line ("true" is no secret to hide). */
    static final int MIN_LENGTH = 6;
    /** A JAAS option: {@code name="value"} (with backslash escapes), {@code name='value'} or {@code name=value}. */
    private static final Pattern OPTION = Pattern.compile(
            "([\\w.-]+)\\s*=\\s*(\"((?:[^\"\\\\]|\\\\.)*)\"|'([^']*)'|([^\\s;\"']+))");
    private static volatile List<String> secrets = List.of();

    private LogSecrets() {
    }

    /** Adds the values of the secret settings among {@code settings} (names as variables or properties). */
    public static synchronized void register(Map<String, String> settings) {
        Set<String> all = new LinkedHashSet<>(secrets);
        settings.forEach((name, value) -> {
            if (name == null || value == null || !KafkaClientFailures.isSecret(name)) {
                return;
            }
            List<String> forms = new ArrayList<>();
            if (value.length() >= MIN_LENGTH) {
                forms.add(value);
            }
            Matcher option = OPTION.matcher(value);
            while (option.find()) {
                String v = option.group(3) != null ? option.group(3)
                        : option.group(4) != null ? option.group(4) : option.group(5);
                if (KafkaClientFailures.isSecret(option.group(1)) && v.length() >= 3) {
                    forms.add(v);
                    forms.add(v.replaceAll("\\\\(.)", "$1")); // as a parser gives it back
                }
            }
            for (String form : forms) {
                all.add(form);
                all.add(JsonEscapeUtil.jsonEscapeString(form)); // as ONEX_LOG_FORMAT=json writes it ('/' too)
            }
        });
        List<String> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparingInt(String::length).reversed());
        secrets = List.copyOf(sorted);
    }

    /** What is registered now, to put back with {@link #restore} (a command run in a test JVM adds its --set). */
    public static List<String> snapshot() {
        return secrets;
    }

    public static synchronized void restore(List<String> snapshot) {
        secrets = snapshot;
    }

    /** {@code text} with every registered secret hidden. */
    public static String redact(String text) {
        String out = text;
        for (String s : secrets) {
            if (out.contains(s)) {
                out = out.replace(s, "[hidden]");
            }
        }
        return out;
    }

    /** A log line as its encoder wrote it, with every registered secret hidden. */
    static byte[] redact(byte[] line) {
        if (secrets.isEmpty()) {
            return line;
        }
        String text = new String(line, StandardCharsets.UTF_8);
        String out = redact(text);
        return out.equals(text) ? line : out.getBytes(StandardCharsets.UTF_8);
    }

    /** The text format's encoder: the pattern's line, secrets hidden. */
    public static final class TextEncoder extends PatternLayoutEncoder {
        @Override
        public byte[] encode(ILoggingEvent event) {
            return redact(super.encode(event));
        }
    }
}
