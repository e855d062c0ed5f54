package ai.omninode.onex.workflow;

import java.time.Duration;

/** Progress of a run, for printing. Called from the threads that run the steps: implementations must be thread-safe. */
public interface WorkflowListener {
    WorkflowListener NONE = new WorkflowListener() {
    };

    default void workflowStarted(Workflow workflow) {
    }

    default void stepStarted(Step step) {
    }

    /** A failed attempt of {@code step} will be retried after {@code delay}. */
    default void stepRetrying(Step step, int failedAttempt, Duration delay, String error) {
    }

    default void stepFinished(StepResult result) {
    }

    /** The main steps failed at {@code failure}; the on_step_failure steps run next (not called when there are none). */
    default void handlingFailure(WorkflowResult.Failure failure) {
    }

    default void workflowFinished(WorkflowResult result) {
    }
}
