package ai.omninode.onex.workflow.internal;

import static ai.omninode.onex.workflow.internal.Failures.message;
import static ai.omninode.onex.workflow.internal.Failures.unwrap;

import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Violation;
import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.node.ExecutionContext;
import ai.omninode.onex.node.NodeExecutionException;
import ai.omninode.onex.node.TraceContext;
import ai.omninode.onex.runtime.DiscoveredNode;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.RetryPolicy;
import ai.omninode.onex.workflow.Step;
import ai.omninode.onex.workflow.StepResult;
import ai.omninode.onex.workflow.WorkflowListener;
import ai.omninode.onex.workflow.WorkflowResult;
import ai.omninode.onex.workflow.WorkflowRunner;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Runs node steps: a step's input resolved and checked, each attempt bounded by the step's time limit and the
 * workflow's, its output checked, a failure retried by the workflow's {@code retry_policy} when that is safe, and the
 * step's result recorded. An effect a step cannot prove did not happen is never repeated: a node that is not free of
 * side effects and does not answer in time, or says the outcome is unknown, fails the step as outcome unknown.
 */
public final class StepExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(WorkflowRunner.class);
    /**
     * How long past a step's deadline the runner waits for an effect node's own answer before it reports the outcome
     * as unknown: nodes answer at their deadline themselves (the Kafka node within milliseconds); this only bounds
     * a node that does not.
     */
    public static final long ANSWER_GRACE_MS = 1000;
    private static final String NOT_RETRIED_STOPPED = " (not retried: interrupted while waiting to retry)";

    private final NodeRegistry registry;
    private final NodeLifecycle nodes;
    private final WorkflowListener listener;
    private final RunnerMeters meters;
    /** What {@link #stopRetries} ends: one entry per step waiting out its backoff, which fails that step. */
    private final Set<Runnable> waitingRetries = ConcurrentHashMap.newKeySet();
    private volatile boolean retriesStopped;
    /** Calls given up on at their time limit and not answered yet, by node (the gauge's counts). */
    private final Map<String, AtomicInteger> unanswered = new ConcurrentHashMap<>();
    /** Of those, the calls still inside {@code execute}: each holds one of the runner's threads. */
    private final AtomicInteger blockedInExecute = new AtomicInteger();
    /** Step timeouts and retry delays: one thread that only hands work on. */
    private final ScheduledThreadPoolExecutor timers;
    /** The pool, or the calling thread once the pool is shut down: a step that is under way always finishes. */
    private final Executor steps;

    /** The pool's threads: a call given up on that blocks one of them is counted in {@link #blockedInExecute}. */
    private final StepThreads pooled;

    public StepExecutor(NodeRegistry registry, NodeLifecycle nodes, WorkflowListener listener, RunnerMeters meters,
            ScheduledThreadPoolExecutor timers, Executor steps, StepThreads pooled) {
        this.pooled = pooled;
        this.registry = registry;
        this.nodes = nodes;
        this.listener = listener;
        this.meters = meters;
        this.timers = timers;
        this.steps = steps;
    }

    /** A value as JSON, cut to about 60 characters (never inside a surrogate pair). */
    private static String brief(JsonNode value) {
        String s = value.toString();
        if (s.length() <= 60) {
            return s;
        }
        int cut = Character.isHighSurrogate(s.charAt(56)) ? 56 : 57;
        return s.substring(0, cut) + "...";
    }

    /**
     * How long the runner waits for a call bounded by {@code boundMs}: an effect node answers at its deadline itself,
     * and the grace only bounds one that does not. Saturating: {@code timeout_ms} may be as large as a long, and a
     * wait that overflowed to a negative delay would time the call out at once.
     */
    public static long answerWaitMs(long boundMs, boolean sideEffectFree) {
        if (sideEffectFree) {
            return boundMs;
        }
        return boundMs > Long.MAX_VALUE - ANSWER_GRACE_MS ? Long.MAX_VALUE : boundMs + ANSWER_GRACE_MS;
    }

    /**
     * Runs the node step {@code s} of {@code run}: a child of the group named {@code group} (or null), an
     * {@code on_step_failure} step if {@code handler}.
     */
    CompletableFuture<StepResult> run(Step s, String group, boolean handler, Run run) {
        return run(s, group, handler, run, new CompletableFuture<>());
    }

    /**
     * {@link #run(Step, String, boolean, Run)}, completing {@code result}, which the caller may already wait on: this
     * call may not return before the step is over, when its node blocks in {@code execute} (then past the step's time
     * limit the step fails on another thread, and the caller's wait on {@code result} goes on from there).
     */
    CompletableFuture<StepResult> run(Step s, String group, boolean handler, Run run, CompletableFuture<StepResult> result) {
        Attempts a = new Attempts(s, group, handler, run, result);
        try {
            a.start();
        } catch (Exception | Error e) {
            LOG.warn("Step {} failed unexpectedly", s.name(), e);
            a.finish(null, "unexpected error: " + e, null);
        }
        return a.done;
    }

    /** One node step, from resolving its input through its retries to its result. */
    private final class Attempts {
        final Step step;
        final String group;
        final boolean handler;
        /** Whether the current attempt is bounded by the workflow's deadline rather than the step's timeout. */
        boolean deadlineApplies;
        final Run run;
        final long t0 = System.nanoTime();
        final CompletableFuture<StepResult> done;
        NodeContract contract;
        EffectNode node;
        /** Compute and reducer nodes: a call that timed out may be repeated. */
        boolean sideEffectFree;
        JsonNode input;
        int attempts;
        /** This step's span in the run's trace: the same for every attempt. */
        TraceContext trace;
        /** Where the failure lies, when the step fails: set by the last attempt. */
        StepResult.Cause cause = StepResult.Cause.STEP;

        Attempts(Step step, String group, boolean handler, Run run, CompletableFuture<StepResult> done) {
            this.done = done;
            this.step = step;
            this.group = group;
            this.handler = handler;
            this.run = run;
        }

        void start() {
            listener.stepStarted(step);
            String initFailure = nodes.initFailure(step.node());
            if (initFailure != null) {
                cause = StepResult.Cause.NODE_NOT_INITIALIZED;
                finish(null, initFailure, null);
                return;
            }
            DiscoveredNode discovered = registry.require(step.node());
            contract = discovered.contract();
            sideEffectFree = discovered.kind().sideEffectFree();
            node = nodes.initialized(step.node());
            trace = run.trace.newChild();
            ResolvedInput resolved = run.prepared.resolveInput(step, contract, run.scope(handler));
            input = resolved.input();
            if (resolved.problem() != null) {
                finish(null, resolved.problem().message(), resolved.problem());
                return;
            }
            attempt();
        }

        void attempt() {
            attempts++;
            Long bound = step.timeoutMs();
            deadlineApplies = false;
            if (!handler && run.deadlineNanos != Long.MAX_VALUE) {
                long leftMs = (run.deadlineNanos - System.nanoTime()) / 1_000_000;
                if (leftMs <= 0) {
                    finish(null, workflowTimedOut(), null);
                    return;
                }
                if (bound == null || leftMs < bound) {
                    bound = leftMs;
                    deadlineApplies = true;
                }
            }
            Map<String, Object> arguments = PlainData.toMap(input); // a copy of its own for every attempt
            ExecutionContext context = ExecutionContext.builder()
                    .idempotencyKey(run.idempotencyKey(step, handler))
                    .correlationId(run.correlationId)
                    .traceContext(trace)
                    .deadlineAfter(bound == null ? null : Duration.ofMillis(bound))
                    .attempt(attempts)
                    .build();
            // whichever comes first decides the attempt: the node's answer, or the runner's time limit
            Decision decided = new Decision(Thread.currentThread(), pooled.madeCurrentThread());
            CompletableFuture<Map<String, Object>> answer = new CompletableFuture<>();
            ScheduledFuture<?> timer = null;
            if (bound != null) {
                long wait = answerWaitMs(bound, sideEffectFree);
                timer = timers.schedule(() -> {
                    if (decided.compareAndSet(false, true)) {
                        AtomicInteger stuck = unansweredCalls(step.node());
                        stuck.incrementAndGet();
                        answer.whenComplete((late, lateError) -> stuck.decrementAndGet());
                        if (decided.interruptIfInExecute(blockedInExecute)) {
                            LOG.warn("Step {} of run {}: node '{}' is still in execute at the step's time limit ({} ms);"
                                    + " it was interrupted, and its thread stays with it until it returns ({} of the"
                                    + " runner's threads held so now)", step.name(), run.options.runKey(), step.node(),
                                    wait, blockedInExecute.get());
                        }
                        run.executor(steps).execute(() -> completedSafely(null, new StepTimeout(wait)));
                        // logged on the runner's thread, with the run's MDC, whichever thread the node answers on
                        answer.whenCompleteAsync((late, lateError) -> LOG.info("Step {} of run {}: node '{}'"
                                + " answered after the step had given up on it: {}", step.name(), run.options.runKey(),
                                step.node(), lateError == null ? "success" : message(lateError)), run.executor(steps));
                    }
                }, wait, TimeUnit.MILLISECONDS);
            }
            CompletableFuture<Map<String, Object>> call;
            try {
                call = Objects.requireNonNull(node.execute(arguments, context), "execute returned null")
                        .toCompletableFuture();
            } catch (Exception | Error e) {
                // as a node's own failure; a checked exception too, thrown without being declared (Lombok's
                // @SneakyThrows, Kotlin): caught as a RuntimeException only, it ended the thread, and the step waited
                // for an answer that never came (for ever without a timeout_ms)
                call = CompletableFuture.failedFuture(e);
            } finally {
                decided.returnedFromExecute();
            }
            ScheduledFuture<?> scheduled = timer;
            if (call.isDone()) {
                // the node answered on this thread, one of the runner's: go on here, without a hand-off
                Map<String, Object> out = null;
                Throwable error = null;
                try {
                    out = call.join();
                } catch (CompletionException | java.util.concurrent.CancellationException e) {
                    error = e;
                }
                answered(out, error, decided, answer, scheduled, null);
            } else {
                // the runner's own work (checking the output, listeners, the next steps) on its own threads, never on
                // the thread that completed the stage: a node's I/O thread
                Executor executor = run.executor(steps);
                call.whenComplete((out, error) -> answered(out, error, decided, answer, scheduled, executor));
            }
        }

        /** The node answered: unless the time limit decided the attempt already, completes it (on {@code executor}). */
        private void answered(Map<String, Object> out, Throwable error, Decision decided,
                CompletableFuture<Map<String, Object>> answer, ScheduledFuture<?> timer, Executor executor) {
            if (error != null) {
                answer.completeExceptionally(error);
            } else {
                answer.complete(out);
            }
            if (!decided.compareAndSet(false, true)) {
                return; // timed out already; the late answer is logged
            }
            if (timer != null) {
                timer.cancel(false);
            }
            if (executor == null) {
                completedSafely(out, error);
            } else {
                executor.execute(() -> completedSafely(out, error));
            }
        }

        private void completedSafely(Map<String, Object> out, Throwable error) {
            try {
                completed(out, error);
            } catch (Exception | Error e) { // an Error too: the run must end, whatever the step's data did
                LOG.warn("Step {} failed unexpectedly", step.name(), e);
                finish(null, "unexpected error: " + e, null);
            }
        }

        private String workflowTimedOut() {
            Duration timeout = run.prepared.timeout();
            return "the workflow ran out of time (performance.timeout_seconds: "
                    + (timeout == null ? 0L : timeout.toSeconds()) + ") while step '" + step.name()
                    + "' ran node '" + step.node() + "'";
        }

        void completed(Map<String, Object> out, Throwable error) {
            JsonNode output = null;
            String failure = null;
            boolean retriable = true;
            boolean outcomeUnknown = false;
            boolean unsaid = false;
            this.cause = error != null && Failures.pluginClasses(error) ? StepResult.Cause.PLUGIN_CLASSES
                    : StepResult.Cause.STEP;
            if (error != null) {
                Throwable cause = unwrap(error);
                if (cause instanceof StepTimeout) {
                    // the node did not answer in time; an effect may be under way, so it is not repeated
                    retriable = sideEffectFree;
                    outcomeUnknown = !sideEffectFree;
                    String late = deadlineApplies ? workflowTimedOut()
                            : "node '" + contract.name() + "' did not answer within " + step.timeoutMs() + " ms";
                    failure = sideEffectFree ? late : "outcome unknown: " + late + " (nor " + ANSWER_GRACE_MS
                            + " ms later); not retried: its effect may have happened";
                } else {
                    // a node that says nothing about retrying: repeat a compute node, never an effect that may be done
                    retriable = cause instanceof NodeExecutionException n ? n.retriable() : sideEffectFree;
                    unsaid = !(cause instanceof NodeExecutionException);
                    outcomeUnknown = cause instanceof NodeExecutionException n && n.isOutcomeUnknown();
                    if (cause instanceof NodeExecutionException n && n.details() != null && !n.details().isEmpty()) {
                        // what the node said about the failure (the Kafka node: error type, dead letter, envelope),
                        // kept as the step's output, as for a node that answers with an output saying success: false
                        try {
                            output = PlainData.toTree(n.details());
                        } catch (RuntimeException e) {
                            LOG.debug("details of the failure of step {} are not plain data", step.name(), e);
                        }
                    }
                    failure = message(cause);
                    if (outcomeUnknown && !failure.contains("outcome unknown")) {
                        failure = "outcome unknown: " + failure;
                    }
                }
            } else {
                try {
                    output = out == null ? null : PlainData.toTree(out);
                } catch (RuntimeException e) {
                    // Jackson's advice to turn its check off is for the node's author, not for whoever runs the step
                    failure = "node '" + contract.name() + "' returned output that is not plain data: "
                            + String.valueOf(e.getMessage()).replaceAll(" \\(to avoid exception, disable [^)]*\\)", "");
                }
                // the node answered, so an effect node's effect may have happened: it is repeated only when the node
                // says a retry is safe (an output's retriable: true), as for a failure it throws
                retriable = sideEffectFree;
                unsaid = !sideEffectFree;
                if (failure == null && (output == null || !output.isObject())) {
                    failure = "node '" + contract.name() + "' returned no output map";
                    output = null;
                } else if (failure == null && output.has("success") && !output.get("success").isBoolean()) {
                    // "false", 0 or null read as success would hide a failure; read as failure, a success
                    failure = "node '" + contract.name() + "' returned success: " + brief(output.get("success"))
                            + ", which is neither true nor false";
                } else if (failure == null && output.path("success").isBoolean() && !output.get("success").asBoolean()) {
                    failure = output.path("error").isString() ? output.get("error").asString()
                            : "node '" + contract.name() + "' reported success: false";
                    if (output.path("retriable").isBoolean()) {
                        retriable = output.get("retriable").asBoolean();
                        unsaid = false;
                    }
                } else if (failure == null && contract.output().isPresent()) {
                    List<Violation> v = contract.output().get().validate(output);
                    if (!v.isEmpty()) {
                        finish(output, "node '" + contract.name() + "' returned output that does not match its output"
                                + " schema: " + v.stream().map(Violation::message).collect(Collectors.joining("; ")), null);
                        return;
                    }
                }
            }
            if (failure == null) {
                finish(output, null, null);
                return;
            }
            if (outcomeUnknown) {
                finish(output, failure, null, true);
                return;
            }
            if (deadlineApplies && run.deadlineNanos - System.nanoTime() <= 0) {
                if (!failure.startsWith("the workflow ran out of time") && !(unwrap(error) instanceof StepTimeout)) {
                    failure = workflowTimedOut() + ": " + failure;
                }
                finish(output, failure, null); // no time is left for a retry
                return;
            }
            RetryPolicy policy = run.workflow.retryPolicy();
            if (policy.appliesTo(step.name()) && attempts <= policy.maxRetries() && !retriable) {
                failure = failure + (unsaid ? " (not retried: effect node '" + contract.name() + "' failed without"
                        + " saying whether a retry is safe, and its effect may have happened)"
                        : " (not retried: node '" + contract.name() + "' reports that retrying cannot help or could"
                        + " repeat its side effect)");
            } else if (policy.appliesTo(step.name()) && attempts <= policy.maxRetries() && retriesStopped) {
                failure = failure + NOT_RETRIED_STOPPED;
            } else if (policy.appliesTo(step.name()) && attempts <= policy.maxRetries()) {
                Duration delay = policy.delayBefore(attempts);
                if (!handler && run.deadlineNanos != Long.MAX_VALUE // in ms: a delay of Long.MAX_VALUE ms has no ns
                        && TimeUnit.NANOSECONDS.toMillis(run.deadlineNanos - System.nanoTime()) <= delay.toMillis()) {
                    // the backoff would end after the workflow's time: fail now, not when the wait ends
                    Duration timeout = run.prepared.timeout();
                    finish(output, "the workflow would run out of time (performance.timeout_seconds: "
                            + (timeout == null ? 0L : timeout.toSeconds()) + ") before retry " + attempts + " of step '"
                            + step.name() + "' (its backoff is " + delay.toMillis() + " ms), so it was not retried: "
                            + failure, null);
                    return;
                }
                listener.stepRetrying(step, attempts, delay, failure);
                Runnable retry = () -> {
                    try {
                        attempt();
                    } catch (RuntimeException | Error e) {
                        finish(null, "unexpected error: " + e, null);
                    }
                };
                JsonNode failedOutput = output;
                String failedWith = failure;
                Executor executor = run.executor(steps);
                // the wait for the retry, which stopRetries() ends at once: whichever takes it from the set acts
                Runnable[] pending = new Runnable[1];
                pending[0] = () -> executor.execute(() -> finish(failedOutput, failedWith + NOT_RETRIED_STOPPED, null));
                waitingRetries.add(pending[0]);
                try {
                    meters.retried(run.workflow.name(), step.name(), step.node());
                    timers.schedule(() -> {
                        if (waitingRetries.remove(pending[0])) {
                            executor.execute(retry);
                        }
                    }, delay.toMillis(), TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException closed) {
                    if (waitingRetries.remove(pending[0])) {
                        steps.execute(retry); // the runner is closing: retry now rather than never
                    }
                }
                if (retriesStopped && waitingRetries.remove(pending[0])) { // stopped while this was being scheduled
                    pending[0].run();
                }
                return;
            }
            finish(output, failure, null);
        }

        void finish(JsonNode output, String error, Problem problem) {
            finish(output, error, problem, false);
        }

        void finish(JsonNode output, String error, Problem problem, boolean outcomeUnknown) {
            boolean ok = error == null;
            if (ok) {
                run.values.put(step.name(), output);
                if (step.output() != null) {
                    run.values.put(step.output(), output);
                }
            }
            StepResult r = new StepResult(step.name(), group, handler,
                    ok ? StepResult.Status.SUCCEEDED : StepResult.Status.FAILED, step.node(), attempts,
                    Duration.ofNanos(System.nanoTime() - t0), input, output, error, problem,
                    !ok && step.continueOnError() && !handler, outcomeUnknown, ok ? StepResult.Cause.STEP : cause);
            run.record(r);
            if (attempts > 0) {
                meters.stepFinished(run.workflow.name(), step.name(), step.node(), ok, System.nanoTime() - t0);
            }
            if (!ok && !handler && !step.continueOnError()) {
                run.fail(new WorkflowResult.Failure(step.name(), error, problem));
            }
            listener.stepFinished(r);
            done.complete(r);
        }
    }

    /**
     * Who decided an attempt (its {@code compareAndSet(false, true)}: the node's answer or the time limit), and whether
     * the thread that called {@code execute} is still inside it. A node that blocks there past the step's time limit
     * is interrupted (as {@code Future.cancel(true)} would): a sleep, a lock, a blocking queue or an interruptible
     * channel ends, and its thread is free again; the run goes on without it either way. The interrupt reaches only
     * that call: one that comes as the call returns is cleared before the thread does anything else.
     */
    private static final class Decision extends AtomicBoolean {
        private final Thread caller;
        private final boolean pooledCaller;
        private boolean inExecute = true; // guarded by this
        private boolean interrupted; // guarded by this
        private AtomicInteger blocked; // guarded by this

        Decision(Thread caller, boolean pooledCaller) {
            this.caller = caller;
            this.pooledCaller = pooledCaller;
        }

        /**
         * Interrupts the call if it is still in {@code execute}, counting it in {@code blocked} until it returns when
         * it holds one of the pool's threads.
         */
        synchronized boolean interruptIfInExecute(AtomicInteger blocked) {
            if (inExecute) {
                interrupted = true;
                if (pooledCaller) {
                    this.blocked = blocked;
                    blocked.incrementAndGet();
                }
                caller.interrupt();
            }
            return inExecute;
        }

        synchronized void returnedFromExecute() {
            inExecute = false;
            if (blocked != null) {
                blocked.decrementAndGet();
            }
            if (interrupted) {
                Thread.interrupted(); // the node's call is over; the runner's work on this thread is not to be cut
            }
        }
    }

    private AtomicInteger unansweredCalls(String node) {
        AtomicInteger count = unanswered.get(node);
        if (count == null) {
            count = unanswered.computeIfAbsent(node, n -> {
                AtomicInteger c = new AtomicInteger();
                meters.unanswered(n, c);
                return c;
            });
        }
        return count;
    }

    /**
     * Calls given up on at their time limit that are still inside a node's {@code execute} on one of the pool's
     * threads: threads that closing the runner need not wait for.
     */
    public int blockedInExecute() {
        return blockedInExecute.get();
    }

    /** {@link WorkflowRunner#stopRetries()}: a step waiting to retry fails now, and no retry starts after this. */
    public void stopRetries() {
        retriesStopped = true;
        for (Runnable giveUp : List.copyOf(waitingRetries)) {
            if (waitingRetries.remove(giveUp)) {
                giveUp.run();
            }
        }
    }
}
