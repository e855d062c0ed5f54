package ai.omninode.onex.cli.internal;

import ai.omninode.onex.workflow.Step;
import ai.omninode.onex.workflow.StepResult;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowListener;
import ai.omninode.onex.workflow.WorkflowResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Passes a run's progress on, and keeps which node steps are under way: what Ctrl-C reports as in flight. */
public final class RunWatch implements WorkflowListener {
    private final WorkflowListener delegate;
    private final Map<String, Step> running = new LinkedHashMap<>();
    private final List<StepResult> finished = new ArrayList<>();
    private Workflow workflow;

    public RunWatch(WorkflowListener delegate) {
        this.delegate = delegate;
    }

    /** {@code step publish (node kafka_event_effect)}, joined by "and"; empty when no node step runs. */
    public synchronized String running() {
        List<String> parts = new ArrayList<>();
        running.values().forEach(s -> parts.add("step " + s.name() + " (node " + s.node() + ")"));
        return String.join(" and ", parts);
    }

    /** The steps that ended so far, in the order they did. */
    public synchronized List<StepResult> finished() {
        return List.copyOf(finished);
    }

    /** The node steps under way. */
    public synchronized List<Step> inFlight() {
        return List.copyOf(running.values());
    }

    /** The workflow of the run, once it started; else null. */
    public synchronized Workflow workflow() {
        return workflow;
    }

    @Override
    public void workflowStarted(Workflow workflow) {
        synchronized (this) {
            this.workflow = workflow;
        }
        delegate.workflowStarted(workflow);
    }

    @Override
    public void stepStarted(Step step) {
        if (!step.isParallel()) {
            synchronized (this) {
                running.put(step.name(), step);
            }
        }
        delegate.stepStarted(step);
    }

    @Override
    public void stepRetrying(Step step, int failedAttempt, Duration delay, String error) {
        delegate.stepRetrying(step, failedAttempt, delay, error);
    }

    @Override
    public void stepFinished(StepResult result) {
        synchronized (this) {
            running.remove(result.name());
            finished.add(result);
        }
        delegate.stepFinished(result);
    }

    @Override
    public void handlingFailure(WorkflowResult.Failure failure) {
        delegate.handlingFailure(failure);
    }

    @Override
    public void workflowFinished(WorkflowResult result) {
        delegate.workflowFinished(result);
    }
}
