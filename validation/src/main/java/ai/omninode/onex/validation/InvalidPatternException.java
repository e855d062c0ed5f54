package ai.omninode.onex.validation;

/**
 * A path or exclude that is a malformed glob ({@code flows/[abc}, {@code {a,b}): thrown by
 * {@link Validator.Builder#build()} before anything is read, so that a caller reports it as the usage error it is, naming
 * its own setting ({@code --exclude}, {@code <exclude>}).
 */
public final class InvalidPatternException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String pattern;
    private final boolean exclude;
    private final String reason;

    InvalidPatternException(String pattern, boolean exclude, String reason) {
        super("'" + pattern + "' is not a valid glob: " + reason);
        this.pattern = pattern;
        this.exclude = exclude;
        this.reason = reason;
    }

    /** The pattern as given. */
    public String pattern() {
        return pattern;
    }

    /** Whether it is an exclude (else a path). */
    public boolean exclude() {
        return exclude;
    }

    /** What is wrong with it, in one clause: "missing ']' ('[' opens a set of characters, as in [abc])". */
    public String reason() {
        return reason;
    }
}
