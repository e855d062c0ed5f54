package ai.omninode.onex.node;

import java.util.Map;

/**
 * An {@link EffectNode#execute(Map, ExecutionContext)} that failed. {@link #details()} holds what the node knows about
 * the failure as plain data (for the Kafka node: the output with the full event envelope, so nothing is lost), and
 * {@link #retriable()} says whether running the same input again may succeed without harm. A workflow's
 * {@code retry_policy} retries only retriable failures: a node says {@code false} when retrying cannot help (bad
 * input, a permanent refusal) or could repeat a side effect ({@link #outcomeUnknown(String, Map, Throwable) an
 * effect that may have happened}).
 */
public class NodeExecutionException extends OnexException {
    private static final long serialVersionUID = 1L;

    private final transient Map<String, Object> details;
    private final boolean retriable;
    private final boolean outcomeUnknown;

    public NodeExecutionException(String message, Map<String, Object> details, boolean retriable, Throwable cause) {
        this(message, details, retriable, false, cause);
    }

    /** A failure the node knows nothing more about: retriable, as retrying is what a workflow author asked for. */
    public NodeExecutionException(String message) {
        this(message, Map.of(), true, null);
    }

    private NodeExecutionException(String message, Map<String, Object> details, boolean retriable,
            boolean outcomeUnknown, Throwable cause) {
        super(message, cause);
        this.details = details == null ? Map.of() : details;
        this.retriable = retriable;
        this.outcomeUnknown = outcomeUnknown;
    }

    /**
     * The effect may or may not have happened (the node's deadline passed, or it lost the answer, after the write
     * left it): never retriable, as a retry could do it twice. A host reports it as such rather than as a failure
     * it can repeat.
     */
    public static NodeExecutionException outcomeUnknown(String message, Map<String, Object> details, Throwable cause) {
        return new NodeExecutionException(message, details, false, true, cause);
    }

    public Map<String, Object> details() {
        return details;
    }

    public boolean retriable() {
        return retriable;
    }

    /** Whether the effect may have happened although the call failed; see {@link #outcomeUnknown}. */
    public boolean isOutcomeUnknown() {
        return outcomeUnknown;
    }
}
