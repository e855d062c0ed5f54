package ai.omninode.onex.node;

/**
 * The one unchecked root of every exception this runtime throws on purpose. Catch it at a host boundary to
 * tell "ONEX said no, with a reason" apart from a bug.
 */
public class OnexException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OnexException(String message) {
        super(message);
    }

    public OnexException(String message, Throwable cause) {
        super(message, cause);
    }
}
