package ai.omninode.onex.node;

import java.util.Map;

/**
 * An {@link EffectNode#execute(Map)} that failed. {@link #details()} holds what the node knows about the failure
 * as plain data (for the Kafka node: the output with the full event envelope, so nothing is lost), and
 * {@link #retriable()} says whether running the same input again may succeed without harm. A workflow's
 * {@code retry_policy} retries only retriable failures: a node says {@code false} when retrying cannot help (bad
 * input, a permanent refusal) or could repeat a side effect (a write whose outcome is unknown).
 */
public class NodeExecutionException extends OnexException {
    private static final long serialVersionUID = 1L;

    private final transient Map<String, Object> details;
    private final boolean retriable;

    public NodeExecutionException(String message, Map<String, Object> details, boolean retriable, Throwable cause) {
        super(message, cause);
        this.details = details == null ? Map.of() : details;
        this.retriable = retriable;
    }

    /** A failure the node knows nothing more about: retriable, as retrying is what a workflow author asked for. */
    public NodeExecutionException(String message) {
        this(message, Map.of(), true, null);
    }

    public Map<String, Object> details() {
        return details;
    }

    public boolean retriable() {
        return retriable;
    }
}
