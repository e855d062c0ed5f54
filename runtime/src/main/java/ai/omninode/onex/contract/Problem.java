package ai.omninode.onex.contract;

import java.util.Objects;

/**
 * One thing wrong with a document, and where: the source (a file path or URL), the 1-based line and column,
 * the JSON pointer of the value inside the document, and a message a person can act on.
 *
 * <p>{@link #toString()} gives the compiler-style form {@code file:line:col: error: message} that editors and
 * CI logs turn into links.
 */
public record Problem(String source, int line, int column, String pointer, String message) {

    public Problem {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(message, "message");
        pointer = pointer == null ? "" : pointer;
    }

    /** A problem with no position inside the document (a missing file, an unreadable jar). */
    public static Problem of(String source, String message) {
        return new Problem(source, 0, 0, "", message);
    }

    public boolean hasPosition() {
        return line > 0;
    }

    @Override
    public String toString() {
        return hasPosition()
                ? source + ":" + line + ":" + column + ": error: " + message
                : source + ": error: " + message;
    }
}
