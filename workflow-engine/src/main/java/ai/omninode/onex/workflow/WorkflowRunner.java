package ai.omninode.onex.workflow;

import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.node.ExecutionContext;
import ai.omninode.onex.node.NodeExecutionException;
import ai.omninode.onex.node.NodeKind;
import ai.omninode.onex.node.NodeSettingsException;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.internal.GuardedListener;
import ai.omninode.onex.workflow.internal.NodeLifecycle;
import ai.omninode.onex.workflow.internal.Preflight;
import ai.omninode.onex.workflow.internal.Run;
import ai.omninode.onex.workflow.internal.RunnerMeters;
import ai.omninode.onex.workflow.internal.StepExecutor;
import ai.omninode.onex.workflow.internal.StepSequencer;
import ai.omninode.onex.workflow.internal.StepThreads;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
    /** How long past a step's deadline the runner waits for an effect node's own answer: see {@link StepExecutor}. */
    static final long ANSWER_GRACE_MS = StepExecutor.ANSWER_GRACE_MS;
    /** MDC keys of every log line about a run (on the caller's thread and the runner's). */
    public static final String MDC_CORRELATION_ID = "correlation_id";
    public static final String MDC_RUN_KEY = "run_key";
    public static final String MDC_TRACE_ID = "trace_id";

    private final Map<String, String> settings;
    private final WorkflowListener listener;
    private final RunnerMeters meters;
    private final boolean nodeMetricsInResults;
    private final ThreadPoolExecutor pool;
    /** Step timeouts and retry delays: one thread that only hands work on. */
    private final ScheduledThreadPoolExecutor timers;
    private final NodeLifecycle nodes;
    private final Preflight preflight;
    private final StepExecutor nodeSteps;
    private final StepSequencer sequencer;
    /** The contracts of the registry's nodes, by name; the registry never changes. */
    private final Map<String, NodeContract> contracts;
    /**
     * Workflows this runner has run, prepared (validated) once each, by identity: a record's equals would compare
     * whole documents. Bounded, for callers that load a new workflow object for every run.
     */
    private final Map<Identity, PreparedWorkflow> prepared = new ConcurrentHashMap<>();
    private static final int MAX_PREPARED = 256;

    private WorkflowRunner(Builder b) {
        NodeRegistry registry = Objects.requireNonNull(b.registry, "registry");
        Map<String, NodeContract> byName = new LinkedHashMap<>();
        registry.nodes().forEach(n -> byName.put(n.name(), n.contract()));
        this.contracts = Collections.unmodifiableMap(byName);
        this.settings = Map.copyOf(b.settings);
        this.nodes = new NodeLifecycle(registry, settings, Map.copyOf(b.origins), b.meterRegistry);
        this.listener = new GuardedListener(b.listener);
        this.preflight = new Preflight(contracts, settings, nodes);
        this.meters = RunnerMeters.of(b.meterRegistry);
        this.nodeMetricsInResults = b.nodeMetricsInResults;
        StepThreads threads = new StepThreads("onex-step-");
        this.pool = (ThreadPoolExecutor) Executors.newCachedThreadPool(threads);
        this.timers = new ScheduledThreadPoolExecutor(1, new StepThreads("onex-step-timer-"));
        timers.setRemoveOnCancelPolicy(true); // a step that answered in time leaves no timer behind
        // the pool, or the calling thread once the pool is shut down: a step that is under way always finishes
        Executor steps = task -> {
            try {
                pool.execute(task);
            } catch (RejectedExecutionException closed) {
                task.run();
            }
        };
        this.nodeSteps = new StepExecutor(registry, nodes, listener, meters, timers, steps, threads);
        this.sequencer = new StepSequencer(listener, nodeSteps, steps);
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
        Run run = new Run(prepared, input, Objects.requireNonNull(options, "options"), settings);
        Map<String, String> outerMdc = MDC.getCopyOfContextMap();
        run.mdc().forEach(MDC::put);
        try {
            meters.runStarted();
            WorkflowResult result = run(prepared, run, t0);
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

    private WorkflowResult run(PreparedWorkflow prepared, Run run, long t0) {
        Workflow workflow = prepared.workflow;
        listener.workflowStarted(workflow);
        nodes.initialize(prepared.nodeNames);
        WorkflowResult.Failure initFailure = nodes.firstInitFailure(workflow, prepared.allSteps);
        if (initFailure != null) {
            run.fail(initFailure);
        }
        sequencer.run(run);
        Map<String, Map<String, Object>> metrics = new LinkedHashMap<>();
        for (String name : nodeMetricsInResults ? prepared.nodeNames : Set.<String>of()) {
            EffectNode node = nodes.initialized(name);
            if (node != null) {
                try {
                    metrics.put(name, new LinkedHashMap<>(node.metrics()));
                } catch (RuntimeException e) {
                    LOG.debug("metrics of node {} failed", name, e);
                }
            }
        }
        WorkflowResult result = run.result(Duration.ofNanos(System.nanoTime() - t0), metrics);
        listener.workflowFinished(result);
        return result;
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
     * Initializes the nodes {@code workflow} uses that are not yet (as {@link #run} would) and returns every one that
     * could not be, for whatever reason, as a problem at the first step that uses it, naming the node's plugin. A node
     * that could not be initialized stays so for this runner's life (every run that needs it fails at its step): a
     * long-lived host refuses to start on these, where {@link #prepare} leaves all but refused settings to the run and
     * its {@code on_step_failure}. Sorted; empty if none.
     */
    public List<Problem> initializationProblems(Workflow workflow) {
        return WorkflowLoader.sorted(preflight.initializationFailures(prepared(workflow)));
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

    /**
     * Ctrl-C: a step waiting out its retry backoff fails now, with its last attempt's error and why it was not retried,
     * and no step starts another retry (its attempt already failed; nothing is under way, so its outcome is known).
     * Attempts under way are left to finish, and so are the runs ({@code on_step_failure} runs as after any failure).
     * For good: this runner retries no more.
     */
    public void stopRetries() {
        nodeSteps.stopRetries();
    }

    /** Closes every node this runner initialized (each once; never throws), then its threads. */
    @Override
    public void close() {
        nodes.close();
        timers.shutdown();
        pool.shutdown();
        try {
            // up to 5 s for steps under way, but not for threads held by calls the runner gave up on at their time
            // limit: a node that blocks on through an interrupt would hold up every exit by the whole wait
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!pool.awaitTermination(20, TimeUnit.MILLISECONDS)) {
                if (System.nanoTime() - end >= 0 || pool.getActiveCount() <= nodeSteps.blockedInExecute()) {
                    pool.shutdownNow();
                    break;
                }
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
