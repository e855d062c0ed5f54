package ai.omninode.onex.workflow;

import ai.omninode.onex.contract.Problem;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The outcome of a run: every step's result in the order they finished, the failure that ended it (if any), the
 * metrics of the nodes used, and who the run was (its key, correlation id and trace id).
 */
public record WorkflowResult(
        String workflow,
        String version,
        String source,
        boolean succeeded,
        List<StepResult> steps,
        Failure failure,
        Duration duration,
        Map<String, Map<String, Object>> nodeMetrics,
        String runKey,
        UUID correlationId,
        String traceId) {

    public WorkflowResult {
        steps = List.copyOf(steps);
        nodeMetrics = Map.copyOf(nodeMetrics);
    }

    /** Whether a failed step's effect may have happened (see {@link StepResult#outcomeUnknown()}). */
    public boolean outcomeUnknown() {
        return steps.stream().anyMatch(StepResult::outcomeUnknown);
    }

    public Optional<StepResult> step(String name) {
        return steps.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** Events published by the run (main and on_step_failure steps), in order. */
    public List<StepResult.Published> published() {
        return steps.stream().flatMap(s -> s.published().stream()).toList();
    }

    /**
     * Why the workflow failed: {@link #step()} and {@link #message()} are what {@code ${error.step}} and
     * {@code ${error.message}} saw.
     */
    public record Failure(String step, String message, Problem problem) {
    }
}
