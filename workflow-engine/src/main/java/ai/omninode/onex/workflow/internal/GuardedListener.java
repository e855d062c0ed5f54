package ai.omninode.onex.workflow.internal;

import ai.omninode.onex.workflow.Step;
import ai.omninode.onex.workflow.StepResult;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowListener;
import ai.omninode.onex.workflow.WorkflowResult;
import ai.omninode.onex.workflow.WorkflowRunner;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress is for watching a run, never part of it: a listener that throws is logged, and the step and the run
 * go on. (Unguarded, an exception thrown while a step finished left the step's future incomplete, and the run
 * waited for it for ever.)
 */
public final class GuardedListener implements WorkflowListener {
    /** The runner's internals log as the runner: the logger name is what users configure and see in each line. */
    private static final Logger LOG = LoggerFactory.getLogger(WorkflowRunner.class);
    private final WorkflowListener delegate;

    public GuardedListener(WorkflowListener delegate) {
        this.delegate = delegate;
    }

    private void call(String event, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("Workflow listener failed on {}: {}", event, e.toString());
        }
    }

    @Override
    public void workflowStarted(Workflow workflow) {
        call("workflowStarted", () -> delegate.workflowStarted(workflow));
    }

    @Override
    public void stepStarted(Step step) {
        call("stepStarted " + step.name(), () -> delegate.stepStarted(step));
    }

    @Override
    public void stepRetrying(Step step, int failedAttempt, Duration delay, String error) {
        call("stepRetrying " + step.name(), () -> delegate.stepRetrying(step, failedAttempt, delay, error));
    }

    @Override
    public void stepFinished(StepResult result) {
        call("stepFinished " + result.name(), () -> delegate.stepFinished(result));
    }

    @Override
    public void handlingFailure(WorkflowResult.Failure failure) {
        call("handlingFailure", () -> delegate.handlingFailure(failure));
    }

    @Override
    public void workflowFinished(WorkflowResult result) {
        call("workflowFinished", () -> delegate.workflowFinished(result));
    }
}
