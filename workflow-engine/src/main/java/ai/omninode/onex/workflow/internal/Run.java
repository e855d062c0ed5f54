package ai.omninode.onex.workflow.internal;

import static ai.omninode.onex.workflow.WorkflowRunner.MDC_CORRELATION_ID;
import static ai.omninode.onex.workflow.WorkflowRunner.MDC_RUN_KEY;
import static ai.omninode.onex.workflow.WorkflowRunner.MDC_TRACE_ID;

import ai.omninode.onex.node.TraceContext;
import ai.omninode.onex.workflow.RunOptions;
import ai.omninode.onex.workflow.Scope;
import ai.omninode.onex.workflow.Step;
import ai.omninode.onex.workflow.StepResult;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.MDC;
import tools.jackson.databind.JsonNode;

/** The state of one run. */
public final class Run {
    final PreparedSteps prepared;
    final Workflow workflow;
    final JsonNode input;
    /** The runner's settings: what {@code ${env.NAME}} sees. */
    final Map<String, String> settings;
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

    /** A run of {@code prepared} on {@code input}; {@code settings} (the runner's) must be immutable already. */
    public Run(PreparedSteps prepared, JsonNode input, RunOptions options, Map<String, String> settings) {
        this.prepared = prepared;
        this.workflow = prepared.workflow();
        this.input = input;
        this.settings = settings;
        this.options = options;
        this.correlationId = options.correlationId() != null ? options.correlationId() : correlationOf(input);
        this.trace = options.traceContext() != null ? options.traceContext().newChild() : TraceContext.newRoot();
        this.mdc = Map.of(MDC_CORRELATION_ID, correlationId.toString(), MDC_RUN_KEY, options.runKey(),
                MDC_TRACE_ID, trace.traceId());
        Duration timeout = prepared.timeout();
        this.deadlineNanos = timeout == null ? Long.MAX_VALUE : deadline(timeout);
    }

    /** {@code budget} from now in {@link System#nanoTime()} terms; one too long to count is no limit (MAX_VALUE). */
    private static long deadline(Duration budget) {
        try {
            return Math.addExact(System.nanoTime(), budget.toNanos());
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE; // over 292 years
        }
    }

    /** What every log line about this run carries: its correlation id, run key and trace id. */
    public Map<String, String> mdc() {
        return mdc;
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

    /** Fails the run with {@code f}, unless it has failed already: the first failure is the run's. */
    public void fail(WorkflowResult.Failure f) {
        failure.compareAndSet(null, f);
    }

    Scope scope(boolean handler) {
        // the results as they are now, without a copy: a step's expressions read only steps that finished before
        // it started, and results are only ever added
        return prepared.scope(input, settings, values, handler ? failure.get() : null);
    }

    /** The run's result, once its steps are done. */
    public WorkflowResult result(Duration duration, Map<String, Map<String, Object>> nodeMetrics) {
        WorkflowResult.Failure f = failure.get();
        return new WorkflowResult(workflow.name(), workflow.version().toString(), workflow.source(), f == null,
                List.copyOf(steps), f, duration, nodeMetrics, options.runKey(), correlationId, trace.traceId());
    }
}
