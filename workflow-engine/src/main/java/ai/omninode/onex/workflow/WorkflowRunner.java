package ai.omninode.onex.workflow;

import static ai.omninode.onex.workflow.internal.Failures.message;
import static ai.omninode.onex.workflow.internal.Failures.unwrap;

import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.contract.Violation;
import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.node.ExecutionContext;
import ai.omninode.onex.node.NodeExecutionException;
import ai.omninode.onex.node.NodeKind;
import ai.omninode.onex.node.NodeSettingsException;
import ai.omninode.onex.node.TraceContext;
import ai.omninode.onex.runtime.DiscoveredNode;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.internal.GuardedListener;
import ai.omninode.onex.workflow.internal.NodeLifecycle;
import ai.omninode.onex.workflow.internal.PlainData;
import ai.omninode.onex.workflow.internal.Preflight;
import ai.omninode.onex.workflow.internal.ResolvedInput;
import ai.omninode.onex.workflow.internal.RunnerMeters;
import ai.omninode.onex.workflow.internal.StepThreads;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import tools.jackson.databind.JsonNode;

/**
 * Runs workflows with nodes from a {@link NodeRegistry}.
 *
 * <p>A run: the workflow is checked against the nodes ({@link WorkflowValidator}); each node it uses is initialized
 * once (per runner) with the settings; then the main steps run in order, a parallel group's steps concurrently
 * (each after its {@code depends_on} siblings). Before a node step runs, its input's {@code ${...}} are resolved and
 * the result is checked against the node contract's input schema; its output is checked against the output schema
 * and stored under the step's output name and its step name. An output with {@code success: false} is a failure.
 * A failure is retried by the {@code retry_policy} with its backoff, unless the node reports it as not retriable
 * ({@link NodeExecutionException#retriable()}); the last failure ends the main steps (the rest
 * are skipped), then the {@code on_step_failure} steps run in order with {@code ${error.step}} and
 * {@code ${error.message}}, and the workflow has failed. {@link #close()} closes the nodes.
 *
 * <p>Every call gets an {@link ExecutionContext}: the step's deadline ({@code timeout_ms}, or the workflow's remaining
 * time if shorter), an idempotency key that is the same for every attempt of the step in this run
 * ({@code <run key>/<step>}, see {@link RunOptions}), the run's correlation id, and a span of the run's trace. A
 * step never repeats an effect it cannot prove did not happen: a node that is not
 * {@linkplain NodeKind#sideEffectFree() free of side effects} answers by its deadline on its own, and if it does not
 * answer within {@value #ANSWER_GRACE_MS} ms after it, the step fails as {@linkplain StepResult#outcomeUnknown() outcome
 * unknown} and is not retried; so is a step whose node says the outcome is unknown. Compute and reducer steps are
 * retried after a timeout as after any retriable failure.
 *
 * <p>One runner may run many workflows at once (a batch, a host): nodes are initialized once and shared.
 */
public final class WorkflowRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkflowRunner.class);
    /**
     * How long past a step's deadline the runner waits for an effect node's own answer before it reports the outcome
     * as unknown: nodes answer at their deadline themselves (the Kafka node within milliseconds); this only bounds
     * a node that does not.
     */
    static final long ANSWER_GRACE_MS = 1000;
    /** MDC keys of every log line about a run (on the caller's thread and the runner's). */
    public static final String MDC_CORRELATION_ID = "correlation_id";
    public static final String MDC_RUN_KEY = "run_key";
    public static final String MDC_TRACE_ID = "trace_id";

    private final NodeRegistry registry;
    private final Map<String, String> settings;
    private final WorkflowListener listener;
    private final RunnerMeters meters;
    private final boolean nodeMetricsInResults;
    private final ExecutorService pool;
    private static final String NOT_RETRIED_STOPPED = " (not retried: interrupted while waiting to retry)";
    /** What {@link #stopRetries} ends: one entry per step waiting out its backoff, which fails that step. */
    private final Set<Runnable> waitingRetries = ConcurrentHashMap.newKeySet();
    private volatile boolean retriesStopped;
    /** Step timeouts and retry delays: one thread that only hands work on. */
    private final ScheduledThreadPoolExecutor timers;
    /** The pool, or the calling thread once the pool is shut down: a step that is under way always finishes. */
    private final Executor steps;
    private final NodeLifecycle nodes;
    private final Preflight preflight;
    /** The contracts of the registry's nodes, by name; the registry never changes. */
    private final Map<String, NodeContract> contracts;
    /**
     * Workflows this runner has run, prepared (validated) once each, by identity: a record's equals would compare
     * whole documents. Bounded, for callers that load a new workflow object for every run.
     */
    private final Map<Identity, PreparedWorkflow> prepared = new ConcurrentHashMap<>();
    private static final int MAX_PREPARED = 256;

    private WorkflowRunner(Builder b) {
        this.registry = Objects.requireNonNull(b.registry, "registry");
        Map<String, NodeContract> byName = new LinkedHashMap<>();
        registry.nodes().forEach(n -> byName.put(n.name(), n.contract()));
        this.contracts = Collections.unmodifiableMap(byName);
        this.settings = Map.copyOf(b.settings);
        this.nodes = new NodeLifecycle(registry, settings, Map.copyOf(b.origins), b.meterRegistry);
        this.listener = new GuardedListener(b.listener);
        this.preflight = new Preflight(contracts, settings, nodes);
        this.meters = RunnerMeters.of(b.meterRegistry);
        this.nodeMetricsInResults = b.nodeMetricsInResults;
        this.pool = Executors.newCachedThreadPool(new StepThreads("onex-step-"));
        this.timers = new ScheduledThreadPoolExecutor(1, new StepThreads("onex-step-timer-"));
        timers.setRemoveOnCancelPolicy(true); // a step that answered in time leaves no timer behind
        this.steps = task -> {
            try {
                pool.execute(task);
            } catch (RejectedExecutionException closed) {
                task.run();
            }
        };
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The settings nodes are initialized with, which are also what {@code ${env.NAME}} sees. */
    public Map<String, String> settings() {
        return settings;
    }

    /**
     * Runs {@code workflow} on {@code input} (a JSON object) as a new run ({@link RunOptions#fresh()}). Throws
     * {@link ValidationException} when the workflow cannot run with the discovered nodes (nothing has run then);
     * every other failure is in the result.
     */
    public WorkflowResult run(Workflow workflow, JsonNode input) {
        return run(workflow, input, RunOptions.fresh());
    }

    /** {@link #run(Workflow, JsonNode)} as the run {@code options} names. Safe to call from many threads at once. */
    public WorkflowResult run(Workflow workflow, JsonNode input, RunOptions options) {
        PreparedWorkflow prepared = prepared(workflow);
        if (input == null || !input.isObject()) {
            throw new ValidationException(Problem.of("input", "the workflow input must be a JSON object, found "
                    + (input == null ? "nothing" : ExpressionResolver.describe(input))));
        }
        List<Problem> badInput = workflow.checkInput(input, "input");
        if (!badInput.isEmpty()) {
            throw new ValidationException(badInput);
        }
        long t0 = System.nanoTime();
        Run run = new Run(prepared, input, Objects.requireNonNull(options, "options"));
        Map<String, String> outerMdc = MDC.getCopyOfContextMap();
        run.mdc.forEach(MDC::put);
        try {
            meters.runStarted();
            WorkflowResult result = run(workflow, run, t0);
            meters.runFinished(workflow.name(), result.succeeded(), System.nanoTime() - t0);
            return result;
        } finally {
            if (outerMdc == null) {
                MDC.clear();
            } else {
                MDC.setContextMap(outerMdc);
            }
        }
    }

    private WorkflowResult run(Workflow workflow, Run run, long t0) {
        listener.workflowStarted(workflow);
        nodes.initialize(run.prepared.nodeNames);
        WorkflowResult.Failure initFailure = nodes.firstInitFailure(workflow, run.prepared.allSteps);
        if (initFailure != null) {
            run.fail(initFailure);
        }
        // the steps run on the runner's threads, one step after another on the thread that finished the one before
        // (a node that answers at once costs no hand-off); this thread only waits, so that a node blocking in
        // execute() delays the run no longer than its step's time limit
        CompletableFuture<Void> stepsDone = new CompletableFuture<>();
        run.executor(steps).execute(() -> drive(workflow.steps(), 0, false, run, stepsDone));
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
        WorkflowResult.Failure failure = run.failure.get();
        Map<String, Map<String, Object>> metrics = new LinkedHashMap<>();
        for (String name : nodeMetricsInResults ? run.prepared.nodeNames : Set.<String>of()) {
            EffectNode node = nodes.initialized(name);
            if (node != null) {
                try {
                    metrics.put(name, new LinkedHashMap<>(node.metrics()));
                } catch (RuntimeException e) {
                    LOG.debug("metrics of node {} failed", name, e);
                }
            }
        }
        WorkflowResult result = new WorkflowResult(workflow.name(), workflow.version().toString(), workflow.source(),
                failure == null, List.copyOf(run.steps), failure, Duration.ofNanos(System.nanoTime() - t0), metrics,
                run.options.runKey(), run.correlationId, run.trace.traceId());
        listener.workflowFinished(result);
        return result;
    }

    /**
     * Runs {@code steps} from {@code index} in order on this thread while each one finishes at once, and goes on from
     * the thread that finishes a step that does not; after the main steps the {@code on_step_failure} steps if a step
     * failed; then completes {@code done}.
     */
    private void drive(List<Step> steps, int index, boolean handlers, Run run, CompletableFuture<Void> done) {
        try {
            for (int i = index; i < steps.size(); i++) {
                Step s = steps.get(i);
                if (!handlers && run.failure.get() != null) {
                    skip(s, null, run);
                    continue;
                }
                CompletableFuture<StepResult> step = handlers || !s.isParallel() ? runNodeStep(s, null, handlers, run)
                        : runGroup(s, run);
                if (!step.isDone()) {
                    int next = i + 1;
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

    /** {@code workflow} validated against this runner's nodes (once); throws its problems when it cannot run. */
    private PreparedWorkflow prepared(Workflow workflow) {
        Objects.requireNonNull(workflow, "workflow");
        Identity key = new Identity(workflow);
        PreparedWorkflow p = prepared.get(key);
        if (p == null) {
            if (prepared.size() >= MAX_PREPARED) {
                prepared.clear();
            }
            p = prepared.computeIfAbsent(key, k -> new PreparedWorkflow(workflow, contracts));
        }
        if (!p.problems.isEmpty()) {
            throw new ValidationException(p.problems);
        }
        return p;
    }

    /** A key that is equal only to itself's referent: the same object, not an equal one. */
    private record Identity(Object referent) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Identity i && i.referent == referent;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(referent);
        }
    }

    // ---- steps --------------------------------------------------------------------------------------------------

    private CompletableFuture<StepResult> runGroup(Step group, Run run) {
        long t0 = System.nanoTime();
        listener.stepStarted(group);
        Map<String, CompletableFuture<StepResult>> futures = new HashMap<>();
        List<Runnable> ready = new ArrayList<>();
        for (Step child : group.steps()) {
            child(child, group, futures, ready, run);
        }
        // the children that wait for nothing start now: each on a runner thread of its own, the last on this one
        Executor executor = run.executor(steps);
        for (int i = 0; i < ready.size() - 1; i++) {
            executor.execute(ready.get(i));
        }
        if (!ready.isEmpty()) {
            ready.get(ready.size() - 1).run();
        }
        List<CompletableFuture<StepResult>> all = group.steps().stream().map(c -> futures.get(c.name())).toList();
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<String> failed = all.stream().map(CompletableFuture::join)
                    .filter(r -> r.status() == StepResult.Status.FAILED && !r.continued()).map(StepResult::name).toList();
            StepResult r = new StepResult(group.name(), null, false,
                    failed.isEmpty() ? StepResult.Status.SUCCEEDED : StepResult.Status.FAILED, null, 0,
                    Duration.ofNanos(System.nanoTime() - t0), null, null,
                    failed.isEmpty() ? null : "failed: " + String.join(", ", failed), null, false);
            run.record(r);
            listener.stepFinished(r);
            return r;
        });
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
        CompletableFuture<StepResult> f;
        if (deps.isEmpty()) {
            CompletableFuture<StepResult> started = new CompletableFuture<>();
            ready.add(() -> startChild(child, group, run).whenComplete((r, e) -> {
                if (e != null) {
                    started.completeExceptionally(e);
                } else {
                    started.complete(r);
                }
            }));
            f = started;
        } else {
            f = CompletableFuture.allOf(deps.toArray(CompletableFuture[]::new))
                    .thenComposeAsync(v -> startChild(child, group, run), run.executor(steps));
        }
        futures.put(child.name(), f);
        return f;
    }

    private CompletableFuture<StepResult> startChild(Step child, Step group, Run run) {
        return run.failure.get() != null ? CompletableFuture.completedFuture(skipped(child, group.name(), run))
                : runNodeStep(child, group.name(), false, run);
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

    /**
     * How long the runner waits for a call bounded by {@code boundMs}: an effect node answers at its deadline itself,
     * and the grace only bounds one that does not. Saturating: {@code timeout_ms} may be as large as a long, and a
     * wait that overflowed to a negative delay would time the call out at once.
     */
    static long answerWaitMs(long boundMs, boolean sideEffectFree) {
        if (sideEffectFree) {
            return boundMs;
        }
        return boundMs > Long.MAX_VALUE - ANSWER_GRACE_MS ? Long.MAX_VALUE : boundMs + ANSWER_GRACE_MS;
    }

    private CompletableFuture<StepResult> runNodeStep(Step s, String group, boolean handler, Run run) {
        Attempts a = new Attempts(s, group, handler, run);
        try {
            a.start();
        } catch (RuntimeException | LinkageError e) {
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
        final CompletableFuture<StepResult> done = new CompletableFuture<>();
        NodeContract contract;
        EffectNode node;
        /** Compute and reducer nodes: a call that timed out may be repeated. */
        boolean sideEffectFree;
        JsonNode input;
        int attempts;
        /** This step's span in the run's trace: the same for every attempt. */
        TraceContext trace;

        Attempts(Step step, String group, boolean handler, Run run) {
            this.step = step;
            this.group = group;
            this.handler = handler;
            this.run = run;
        }

        void start() {
            listener.stepStarted(step);
            String initFailure = nodes.initFailure(step.node());
            if (initFailure != null) {
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
            AtomicBoolean decided = new AtomicBoolean();
            CompletableFuture<Map<String, Object>> answer = new CompletableFuture<>();
            ScheduledFuture<?> timer = null;
            if (bound != null) {
                long wait = answerWaitMs(bound, sideEffectFree);
                timer = timers.schedule(() -> {
                    if (decided.compareAndSet(false, true)) {
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
            } catch (RuntimeException | Error e) {
                call = CompletableFuture.failedFuture(e); // as a node's own failure
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
        private void answered(Map<String, Object> out, Throwable error, AtomicBoolean decided,
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
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("Step {} failed unexpectedly", step.name(), e);
                finish(null, "unexpected error: " + e, null);
            }
        }

        private String workflowTimedOut() {
            return "the workflow ran out of time (performance.timeout_seconds: "
                    + (run.prepared.timeout == null ? 0L : run.prepared.timeout.toSeconds()) + ") while step '" + step.name()
                    + "' ran node '" + step.node() + "'";
        }

        void completed(Map<String, Object> out, Throwable error) {
            JsonNode output = null;
            String failure = null;
            boolean retriable = true;
            boolean outcomeUnknown = false;
            boolean unsaid = false;
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
                    failure = "node '" + contract.name() + "' returned output that is not plain data: " + e.getMessage();
                }
                if (failure == null && (output == null || !output.isObject())) {
                    failure = "node '" + contract.name() + "' returned no output map";
                    output = null;
                } else if (failure == null && output.path("success").isBoolean() && !output.get("success").asBoolean()) {
                    failure = output.path("error").isString() ? output.get("error").asString()
                            : "node '" + contract.name() + "' reported success: false";
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
                listener.stepRetrying(step, attempts, delay, failure);
                Runnable retry = () -> {
                    try {
                        attempt();
                    } catch (RuntimeException | LinkageError e) {
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
                    !ok && step.continueOnError() && !handler, outcomeUnknown);
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
     * What can be known to fail before anything runs, for hosts that refuse such a run rather than start it
     * ({@code onex run}: exit 2, nothing ran). Validates the workflow against the nodes and returns, each with its
     * place:
     * <ul>
     *   <li>what is wrong with {@code input}: every violation of the workflow's {@code input_schema}, then main steps
     *       whose input depends only on {@code input} and {@code env}, resolved now and checked against the node's
     *       input schema (a missing path or a value the contract refuses would fail the step anyway). If there is
     *       any, that is all: no node is initialized (none connects anywhere) for a run that cannot start;</li>
     *   <li>else, after initializing the nodes the workflow uses (as {@link #run} would; they stay initialized for
     *       it), the nodes that refused their settings: an initialization failure that is, or is caused by, a
     *       {@link NodeSettingsException} (a setting the node names, with where its value came from: see
     *       {@link Builder#settingsFrom}) or an {@link IllegalArgumentException} (a bad value), at the first step
     *       that uses the node. Other initialization failures are left to {@link #run}, which fails the step and
     *       runs {@code on_step_failure}.</li>
     * </ul>
     * Throws {@link ValidationException} as {@link #run} does when the workflow cannot run with these nodes.
     */
    public List<Problem> prepare(Workflow workflow, JsonNode input) {
        return prepare(workflow, input, "input");
    }

    /**
     * {@link #prepare(Workflow, JsonNode)}, naming the input's problems by where it came from ({@code inputSource}: a
     * file, say), as a batch names each input by its file and line.
     */
    public List<Problem> prepare(Workflow workflow, JsonNode input, String inputSource) {
        PreparedWorkflow prepared = prepared(workflow);
        List<Problem> problems = preflight.inputProblems(prepared, input, inputSource);
        if (!problems.isEmpty()) {
            // the input is refused as it is: no node connects anywhere for a run that cannot start
            return problems;
        }
        return WorkflowLoader.sorted(preflight.settingsRefusals(prepared));
    }

    /**
     * What {@link #prepare} finds wrong with an input that its workflow's {@code input_schema} accepts, without
     * initializing a node: the main steps' inputs, as far as the input and the settings decide them, checked against
     * their nodes' input schemas (a batch checks each of its inputs so before running it). Sorted; empty if none.
     */
    public List<Problem> stepInputProblems(Workflow workflow, JsonNode input) {
        return input == null || !input.isObject() ? List.of()
                : WorkflowLoader.sorted(preflight.stepInputProblems(prepared(workflow), input));
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /** The state of one run. */
    private final class Run {
        final PreparedWorkflow prepared;
        final Workflow workflow;
        final JsonNode input;
        final Map<String, JsonNode> values = new ConcurrentHashMap<>();
        final List<StepResult> steps = Collections.synchronizedList(new ArrayList<>());
        final AtomicReference<WorkflowResult.Failure> failure = new AtomicReference<>();
        /** When the main steps must be done ({@code performance.timeout_seconds}), or Long.MAX_VALUE. */
        final long deadlineNanos;
        final RunOptions options;
        final UUID correlationId;
        final TraceContext trace;
        /** What every log line about this run carries, on whichever thread it is written. */
        final Map<String, String> mdc;

        Run(PreparedWorkflow prepared, JsonNode input, RunOptions options) {
            this.prepared = prepared;
            this.workflow = prepared.workflow;
            this.input = input;
            this.options = options;
            this.correlationId = options.correlationId() != null ? options.correlationId() : correlationOf(input);
            this.trace = options.traceContext() != null ? options.traceContext().newChild() : TraceContext.newRoot();
            this.mdc = Map.of(MDC_CORRELATION_ID, correlationId.toString(), MDC_RUN_KEY, options.runKey(),
                    MDC_TRACE_ID, trace.traceId());
            this.deadlineNanos = prepared.timeout == null ? Long.MAX_VALUE : deadline(prepared.timeout);
        }

        /** {@code budget} from now in {@link System#nanoTime()} terms; one too long to count is no limit (MAX_VALUE). */
        private static long deadline(Duration budget) {
            try {
                return Math.addExact(System.nanoTime(), budget.toNanos());
            } catch (ArithmeticException tooLong) {
                return Long.MAX_VALUE; // over 292 years
            }
        }

        /** {@code executor} running each task with this run's MDC (and the thread's own MDC put back after). */
        Executor executor(Executor executor) {
            return task -> executor.execute(() -> {
                Map<String, String> previous = MDC.getCopyOfContextMap();
                mdc.forEach(MDC::put);
                try {
                    task.run();
                } finally {
                    if (previous == null) {
                        MDC.clear();
                    } else {
                        MDC.setContextMap(previous);
                    }
                }
            });
        }

        /** The input's {@code correlation_id} if it is a UUID, else a new one. */
        private static UUID correlationOf(JsonNode input) {
            JsonNode id = input.path("correlation_id");
            if (id.isString()) {
                try {
                    return UUID.fromString(id.asString());
                } catch (IllegalArgumentException notAUuid) {
                    // a correlation id of the caller's own format: the run still gets one of ours
                }
            }
            return UUID.randomUUID();
        }

        /** The same for every attempt of {@code step} in this run, and for a run with the same key. */
        String idempotencyKey(Step step, boolean handler) {
            return options.runKey() + (handler ? "/on_step_failure/" : "/") + step.name();
        }

        void record(StepResult r) {
            steps.add(r);
        }

        void fail(WorkflowResult.Failure f) {
            failure.compareAndSet(null, f);
        }

        Scope scope(boolean handler) {
            WorkflowResult.Failure f = failure.get();
            // the results as they are now, without a copy: a step's expressions read only steps that finished before
            // it started, and results are only ever added
            return Scope.of(input, settings, values, handler && f != null ? Scope.error(f.step(), f.message()) : null);
        }
    }

    /** The runner's own timeout: the node did not answer within {@code waitedMs}. */
    private static final class StepTimeout extends TimeoutException {
        private static final long serialVersionUID = 1L;
        final long waitedMs;

        StepTimeout(long waitedMs) {
            super("no answer within " + waitedMs + " ms");
            this.waitedMs = waitedMs;
        }
    }

    /**
     * Ctrl-C: a step waiting out its retry backoff fails now, with its last attempt's error and why it was not retried,
     * and no step starts another retry (its attempt already failed; nothing is under way, so its outcome is known).
     * Attempts under way are left to finish, and so are the runs ({@code on_step_failure} runs as after any failure).
     * For good: this runner retries no more.
     */
    public void stopRetries() {
        retriesStopped = true;
        for (Runnable giveUp : List.copyOf(waitingRetries)) {
            if (waitingRetries.remove(giveUp)) {
                giveUp.run();
            }
        }
    }

    /** Closes every node this runner initialized (each once; never throws), then its threads. */
    @Override
    public void close() {
        nodes.close();
        timers.shutdown();
        pool.shutdown();
        try {
            if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.shutdownNow();
        }
    }

    /** Configures a runner. */
    public static final class Builder {
        private NodeRegistry registry;
        private final Map<String, String> settings = new LinkedHashMap<>();
        private final Map<String, String> origins = new LinkedHashMap<>();
        private WorkflowListener listener = WorkflowListener.NONE;
        private MeterRegistry meterRegistry;
        private boolean nodeMetricsInResults = true;

        private Builder() {
        }

        /**
         * Where the runner's meters go ({@code onex.workflow.*}, see the README), and the meters of every node it
         * initializes that keeps any (a Micrometer {@code MeterBinder}); none by default.
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = registry;
            return this;
        }

        /**
         * Whether each {@link WorkflowResult} carries a snapshot of its nodes' {@code metrics()} (default true); a
         * host running many workflows a second, with meters in a registry, turns it off.
         */
        public Builder nodeMetricsInResults(boolean on) {
            this.nodeMetricsInResults = on;
            return this;
        }

        public Builder registry(NodeRegistry registry) {
            this.registry = registry;
            return this;
        }

        /** Settings for nodes and {@code ${env.NAME}}; usually {@code System.getenv()} plus overrides. */
        public Builder settings(Map<String, String> settings) {
            this.settings.putAll(settings);
            settings.keySet().forEach(this.origins::remove);
            return this;
        }

        public Builder setting(String key, String value) {
            this.settings.put(key, value);
            this.origins.remove(key);
            return this;
        }

        /**
         * {@link #settings(Map)}, remembering that they came from {@code origin} (e.g. {@code "the environment"},
         * {@code "--set"}): a node that refuses a setting is then reported with where its value came from. Later
         * calls win, as for {@link #settings(Map)}.
         */
        public Builder settingsFrom(String origin, Map<String, String> settings) {
            this.settings.putAll(settings);
            settings.keySet().forEach(k -> this.origins.put(k, origin));
            return this;
        }

        public Builder listener(WorkflowListener listener) {
            this.listener = listener == null ? WorkflowListener.NONE : listener;
            return this;
        }

        public WorkflowRunner build() {
            return new WorkflowRunner(this);
        }
    }
}
