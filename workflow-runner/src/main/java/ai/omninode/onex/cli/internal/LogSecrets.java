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

/**
 * The values of the secret settings this process was given (a JAAS config, a password, a token endpoint with its
 * credentials), hidden in every log line the CLI writes, whoever logged it. onex's own lines never hold them, but a
 * library's may: Kafka's OAuth support logs an invalid {@code sasl.oauthbearer.token.endpoint.url} as it is, at WARN,
 * with a stack trace. A setting is secret by its name ({@link KafkaClientFailures#isSecret}); its value is hidden as
 * written, as the JSON log format escapes it, and by the parts a parser may quote alone ({@link KafkaClientFailures#secretParts}).
 */
public final class LogSecrets {
    private static volatile List<String> secrets = List.of();

    private LogSecrets() {
    }

    /** Adds the values of the secret settings among {@code settings} (names as variables or properties). */
    public static synchronized void register(Map<String, String> settings) {
        Set<String> all = new LinkedHashSet<>(secrets);
        settings.forEach((name, value) -> {
            if (name != null && value != null && value.length() >= 3 && KafkaClientFailures.isSecret(name)) {
                List<String> forms = new ArrayList<>(KafkaClientFailures.secretParts(value));
                forms.add(value);
                for (String form : forms) {
                    all.add(form);
                    all.add(JsonEscapeUtil.jsonEscapeString(form)); // as ONEX_LOG_FORMAT=json writes it ('/' too)
                }
            }
        });
        List<String> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparingInt(String::length).reversed());
        secrets = List.copyOf(sorted);
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
