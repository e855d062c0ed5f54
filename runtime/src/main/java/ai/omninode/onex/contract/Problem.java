package ai.omninode.onex.contract;

import java.util.Objects;

/**
 * One thing wrong with a document, and where: the source (a file path or URL), the 1-based line and column,
 * the JSON pointer of the value inside the document, a message a person can act on, the id of the {@link Rule} it
 * breaks ({@code ""} when none was given) and its {@link Severity}.
 *
 * <p>{@link #toString()} gives the compiler-style form {@code file:line:col: error: message} that editors and
 * CI logs turn into links.
 */
public record Problem(String source, int line, int column, String pointer, String message, String rule,
        Severity severity) {

    public Problem {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(message, "message");
        // a message quotes the document (node names, expressions, values): its control characters would reach a
        // terminal (clearing it, recolouring it) and make a JUnit report malformed XML; shown escaped instead
        source = printable(source);
        message = printable(message);
        pointer = pointer == null ? "" : pointer;
        rule = rule == null ? "" : rule;
        severity = severity == null ? Severity.ERROR : severity;
    }

    /**
     * {@code text} with every control character but line feed and tab (C0, DEL, C1), the bidirectional controls, the
     * noncharacters U+FFFE and U+FFFF, and every surrogate that is not half of a pair written as {@code \\uXXXX}, so that it prints as it reads
     * and fits in any output format (XML 1.0 allows none of them); the same string when there is none.
     */
    public static String printable(String text) {
        int i = 0;
        int n = text.length();
        while (i < n && !escaped(text, i)) {
            i++;
        }
        if (i == n) {
            return text;
        }
        StringBuilder b = new StringBuilder(n + 16).append(text, 0, i);
        for (; i < n; i++) {
            char c = text.charAt(i);
            if (escaped(text, i)) {
                b.append(String.format("\\u%04X", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean escaped(String text, int i) {
        char c = text.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i == 0 || !Character.isHighSurrogate(text.charAt(i - 1));
        }
        return (c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7F && c <= 0x9F) || c == 0xFFFE || c == 0xFFFF
                || bidiControl(c);
    }

    /**
     * The embeddings, overrides and isolates that reorder the text after them (U+202A to U+202E, U+2066 to U+2069): a
     * name holding one prints in an order other than its characters', as in "Trojan Source". The marks U+200E, U+200F
     * and U+061C are left as they are: right-to-left text uses them, and they reorder nothing beyond themselves.
     */
    private static boolean bidiControl(char c) {
        return c >= 0x202A && c <= 0x202E || c >= 0x2066 && c <= 0x2069;
    }

    /** An error with no rule id yet. */
    public Problem(String source, int line, int column, String pointer, String message) {
        this(source, line, column, pointer, message, "", Severity.ERROR);
    }

    /** A problem with no position inside the document (a missing file, an unreadable jar). */
    public static Problem of(String source, String message) {
        return new Problem(source, 0, 0, "", message);
    }

    /** This problem as a breach of {@code rule}, with the rule's severity. */
    public Problem as(Rule rule) {
        return new Problem(source, line, column, pointer, message, rule.id(), rule.severity());
    }

    /** This problem as a breach of {@code rule}, unless it names a rule already. */
    public Problem orAs(Rule rule) {
        return this.rule.isEmpty() ? as(rule) : this;
    }

    public Problem withSeverity(Severity s) {
        return new Problem(source, line, column, pointer, message, rule, s);
    }

    public Problem withMessage(String m) {
        return new Problem(source, line, column, pointer, m, rule, severity);
    }

    public boolean hasPosition() {
        return line > 0;
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    @Override
    public String toString() {
        return hasPosition()
                ? source + ":" + line + ":" + column + ": " + severity.label() + ": " + message
                : source + ": " + severity.label() + ": " + message;
    }
}
