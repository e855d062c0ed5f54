package ai.omninode.onex.workflow.internal;

import ai.omninode.onex.workflow.Step;
import ai.omninode.onex.workflow.StepResult;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowListener;
import ai.omninode.onex.workflow.WorkflowResult;
import ai.omninode.onex.workflow.WorkflowRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order of a run's steps: the main steps one after another, a parallel group's steps concurrently (each after
 * its {@code depends_on} siblings), the rest skipped once a step has failed, then the {@code on_step_failure} steps.
 * Each node step is the {@link StepExecutor}'s.
 */
public final class StepSequencer {
    private static final Logger LOG = LoggerFactory.getLogger(WorkflowRunner.class);

    private final WorkflowListener listener;
    private final StepExecutor nodeSteps;
    /** The pool, or the calling thread once the pool is shut down: a step that is under way always finishes. */
    private final Executor steps;

    public StepSequencer(WorkflowListener listener, StepExecutor nodeSteps, Executor steps) {
        this.listener = listener;
        this.nodeSteps = nodeSteps;
        this.steps = steps;
    }

    /** Runs the steps of {@code run} and returns when they are done (its failure, if one failed, is in the run). */
    public void run(Run run) {
        // the steps run on the runner's threads, one step after another on the thread that finished the one before
        // (a node that answers at once costs no hand-off); this thread only waits, so that a node blocking in
        // execute() delays the run no longer than its step's time limit
        CompletableFuture<Void> stepsDone = new CompletableFuture<>();
        run.executor(steps).execute(() -> drive(run.workflow.steps(), 0, false, run, stepsDone));
        try {
            stepsDone.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /**
     * Runs {@code steps} from {@code index} in order on this thread while each one finishes at once, and goes on from
     * the thread that finishes a step that does not; after the main steps the {@code on_step_failure} steps if a step
     * failed; then completes {@code done}.
     */
    private void drive(List<Step> steps, int index, boolean handlers, Run run, CompletableFuture<Void> done) {
        try {
            Thread driver = Thread.currentThread();
            for (int i = index; i < steps.size(); i++) {
                Step s = steps.get(i);
                if (!handlers && run.failure.get() != null) {
                    skip(s, null, run);
                    continue;
                }
                int next = i + 1;
                CompletableFuture<StepResult> step = new CompletableFuture<>();
                // Who goes on after this step: this thread, when starting the step returns (at once, for a node that
                // answers later; after it, for one that answered on this thread), or, when the step ends on another
                // thread while starting it still holds this one (a node blocking in execute past its time limit),
                // that thread, so that the run does not wait for the node to let go.
                AtomicBoolean taken = new AtomicBoolean();
                step.whenComplete((r, e) -> {
                    if (Thread.currentThread() != driver && taken.compareAndSet(false, true)) {
                        drive(steps, next, handlers, run, done);
                    }
                });
                if (handlers || !s.isParallel()) {
                    nodeSteps.run(s, null, handlers, run, step);
                } else {
                    runGroup(s, run, step);
                }
                if (!taken.compareAndSet(false, true)) {
                    return; // the step ended on another thread, which went on
                }
                if (!step.isDone()) {
                    // completed on one of the runner's threads (never a node's or the timer's): go on there
                    step.whenComplete((r, e) -> drive(steps, next, handlers, run, done));
                    return;
                }
            }
            WorkflowResult.Failure failure = run.failure.get();
            if (!handlers && failure != null) {
                Workflow workflow = run.workflow;
                LOG.debug("Workflow {} failed at step {}: {}", workflow.name(), failure.step(), failure.message());
                if (!workflow.onStepFailure().isEmpty()) {
                    listener.handlingFailure(failure);
                    drive(workflow.onStepFailure(), 0, true, run, done);
                    return;
                }
            }
            done.complete(null);
        } catch (RuntimeException | Error e) {
            done.completeExceptionally(e);
        }
    }

    /** Runs a parallel group, completing {@code result} when its children are done. */
    private void runGroup(Step group, Run run, CompletableFuture<StepResult> result) {
        long t0 = System.nanoTime();
        listener.stepStarted(group);
        Map<String, CompletableFuture<StepResult>> futures = new HashMap<>();
        List<Runnable> ready = new ArrayList<>();
        for (Step child : group.steps()) {
            child(child, group, futures, ready, run);
        }
        // the group's result before any child starts: the last one starts on this thread, and may hold it past the
        // group's end (a node blocking in execute past its time limit)
        List<CompletableFuture<StepResult>> all = group.steps().stream().map(c -> futures.get(c.name())).toList();
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<String> failed = all.stream().map(CompletableFuture::join)
                    .filter(r -> r.status() == StepResult.Status.FAILED && !r.continued()).map(StepResult::name).toList();
            StepResult r = new StepResult(group.name(), null, false,
                    failed.isEmpty() ? StepResult.Status.SUCCEEDED : StepResult.Status.FAILED, null, 0,
                    Duration.ofNanos(System.nanoTime() - t0), null, null,
                    failed.isEmpty() ? null : "failed: " + String.join(", ", failed), null, false);
            run.record(r);
            listener.stepFinished(r);
            return r;
        }).whenComplete((r, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                result.complete(r);
            }
        });
        // the children that wait for nothing start now: each on a runner thread of its own, the last on this one
        Executor executor = run.executor(steps);
        for (int i = 0; i < ready.size() - 1; i++) {
            executor.execute(ready.get(i));
        }
        if (!ready.isEmpty()) {
            ready.get(ready.size() - 1).run();
        }
    }

    /**
     * The future of a group's child: started by {@code ready} (the caller runs it) when it depends on no sibling, else
     * on a runner thread once the siblings it depends on are done.
     */
    private CompletableFuture<StepResult> child(Step child, Step group, Map<String, CompletableFuture<StepResult>> futures,
            List<Runnable> ready, Run run) {
        CompletableFuture<StepResult> existing = futures.get(child.name());
        if (existing != null) {
            return existing;
        }
        List<CompletableFuture<StepResult>> deps = new ArrayList<>();
        for (String d : child.dependsOn()) {
            for (Step sibling : group.steps()) {
                if (sibling.name().equals(d)) {
                    deps.add(child(sibling, group, futures, ready, run));
                    break;
                }
            }
        }
        // the child's result before it starts: starting it may hold the starting thread past the child's end (a node
        // blocking in execute past its time limit), and the group must not wait for that
        CompletableFuture<StepResult> f = new CompletableFuture<>();
        if (deps.isEmpty()) {
            ready.add(() -> startChild(child, group, run, f));
        } else {
            CompletableFuture.allOf(deps.toArray(CompletableFuture[]::new)).whenCompleteAsync((v, e) -> {
                if (e != null) {
                    f.completeExceptionally(e);
                } else {
                    startChild(child, group, run, f);
                }
            }, run.executor(steps));
        }
        futures.put(child.name(), f);
        return f;
    }

    private void startChild(Step child, Step group, Run run, CompletableFuture<StepResult> result) {
        if (run.failure.get() != null) {
            result.complete(skipped(child, group.name(), run));
        } else {
            nodeSteps.run(child, group.name(), false, run, result);
        }
    }

    private void skip(Step s, String group, Run run) {
        skipped(s, group, run);
        for (Step child : s.steps()) {
            skip(child, s.name(), run);
        }
    }

    private StepResult skipped(Step s, String group, Run run) {
        StepResult r = new StepResult(s.name(), group, false, StepResult.Status.SKIPPED, s.node(), 0, Duration.ZERO,
                null, null, null, null, false);
        run.record(r);
        listener.stepFinished(r);
        return r;
    }
}
