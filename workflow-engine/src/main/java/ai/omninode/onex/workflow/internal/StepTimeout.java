package ai.omninode.onex.workflow.internal;

import java.util.concurrent.TimeoutException;

/** The runner's own timeout: the node did not answer within {@code waitedMs}. */
final class StepTimeout extends TimeoutException {
    private static final long serialVersionUID = 1L;
    final long waitedMs;

    StepTimeout(long waitedMs) {
        super("no answer within " + waitedMs + " ms");
        this.waitedMs = waitedMs;
    }
}
