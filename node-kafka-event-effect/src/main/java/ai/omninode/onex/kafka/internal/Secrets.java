package ai.omninode.onex.kafka.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import ai.omninode.onex.runtime.KafkaClientFailures;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps secrets (JAAS configs, passwords, keys, tokens) out of everything the node prints: config {@code toString},
 * log lines, error messages and exceptions. A property is secret by its name; its value is then also scrubbed from
 * any text, in case a library quotes it back.
 */
public final class Secrets {
    public static final String HIDDEN = "[hidden]";

    private static final Pattern ASSIGNMENT = Pattern.compile(
            "(?i)\\b(password|passwd|secret|token|credentials?)(\\s*[=:]\\s*)(\"[^\"]*\"|'[^']*'|[^\\s;,}]+)");

    private final List<String> values;

    private Secrets(List<String> values) {
        this.values = values;
    }

    /** Secrets of these producer properties. */
    public static Secrets of(Map<String, Object> properties) {
        List<String> values = new ArrayList<>();
        properties.forEach((k, v) -> {
            if (v != null && isSecret(k)) {
                String text = v.toString();
                if (text.length() >= 3 && !text.equals(HIDDEN)) {
                    values.add(text);
                    values.addAll(fragments(text));
                }
            }
        });
        values.sort(Comparator.comparingInt(String::length).reversed());
        return new Secrets(List.copyOf(values));
    }

    /** The parts of a secret value that a parser may quote on their own ({@link KafkaClientFailures#secretParts}). */
    static List<String> fragments(String value) {
        return KafkaClientFailures.secretParts(value);
    }

    /** Whether a property of this name holds a secret. */
    public static boolean isSecret(String name) {
        return ai.omninode.onex.runtime.KafkaClientFailures.isSecret(name);
    }

    /** The value to show for property {@code name}. */
    public static Object mask(String name, Object value) {
        return value != null && isSecret(name) ? HIDDEN : value;
    }

    /** {@code text} with every known secret value, and anything that looks like {@code password=...}, hidden. */
    public String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = text;
        for (String secret : values) {
            if (out.contains(secret)) {
                out = out.replace(secret, HIDDEN);
            }
        }
        Matcher m = ASSIGNMENT.matcher(out);
        if (m.find()) {
            out = m.replaceAll(r -> Matcher.quoteReplacement(r.group(1) + r.group(2) + HIDDEN));
        }
        return out;
    }

    /**
     * {@code error}, or when its message or a cause's mentions a secret, a copy of the chain with the messages
     * redacted (same class names and stack traces), so that logging the exception cannot leak it.
     */
    public Throwable redact(Throwable error) {
        if (error == null || !leaks(error)) {
            return error;
        }
        return copy(error, 0, UnaryOperator.identity());
    }

    /**
     * A copy of {@code error}'s chain with every message redacted and then passed through {@code also} (same class
     * names and stack traces), whether or not a known secret is in it.
     */
    public Throwable redact(Throwable error, UnaryOperator<String> also) {
        return error == null ? null : copy(error, 0, also);
    }

    private boolean leaks(Throwable error) {
        int depth = 0;
        for (Throwable t = error; t != null && depth < 20; t = t.getCause(), depth++) {
            String msg = t.getMessage();
            if (msg != null && !msg.equals(redact(msg))) {
                return true;
            }
        }
        return false;
    }

    private Throwable copy(Throwable t, int depth, UnaryOperator<String> also) {
        RedactedException copy = new RedactedException(Errors.className(t), also.apply(redact(t.getMessage())),
                t.getCause() == null || depth > 20 ? null : copy(t.getCause(), depth + 1, also));
        copy.setStackTrace(t.getStackTrace());
        return copy;
    }

    /** Stands in for an exception whose message had to be redacted; its text names the original class. */
    public static final class RedactedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String originalClassName;

        RedactedException(String originalClassName, String message, Throwable cause) {
            super(message, cause);
            this.originalClassName = originalClassName;
        }

        public String originalClassName() {
            return originalClassName;
        }

        @Override
        public String toString() {
            String msg = getMessage();
            return msg == null ? originalClassName : originalClassName + ": " + msg;
        }
    }
}
