package ai.omninode.onex.workflow;

import ai.omninode.onex.contract.Problem;
import java.time.Duration;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * What one step did.
 *
 * @param group the parallel group the step ran in, or null
 * @param handler whether it ran in {@code on_step_failure}
 * @param node the node it ran, or null for a parallel group
 * @param attempts how often the node was called (retries included); 0 when it never was
 * @param input the node input after {@code ${...}} resolution, or null when it never got that far
 * @param output the node's output, or null; for a failure, what the node said with it (its output with
 *     {@code success: false}, or the details of its {@code NodeExecutionException}), when it said something
 * @param error why it failed, or null
 * @param problem where in the workflow the failure is, when it is there (a bad expression, a schema mismatch)
 * @param continued it failed, and {@code on_error: continue} let the workflow go on
 * @param outcomeUnknown it failed, but its effect may have happened: the node said so, or an effect node did not
 *     answer within the step's time; never retried
 */
public record StepResult(
        String name,
        String group,
        boolean handler,
        Status status,
        String node,
        int attempts,
        Duration duration,
        JsonNode input,
        JsonNode output,
        String error,
        Problem problem,
        boolean continued,
        boolean outcomeUnknown) {

    /** A result whose effect, if it failed, is known not to have happened. */
    public StepResult(String name, String group, boolean handler, Status status, String node, int attempts,
            Duration duration, JsonNode input, JsonNode output, String error, Problem problem, boolean continued) {
        this(name, group, handler, status, node, attempts, duration, input, output, error, problem, continued, false);
    }

    /** How a step ended. */
    public enum Status { SUCCEEDED, FAILED, SKIPPED }

    public boolean succeeded() {
        return status == Status.SUCCEEDED;
    }

    /**
     * The event a step published, when it succeeded and its output says where: a string topic, a partition and an
     * offset.
     */
    public Optional<Published> published() {
        if (status != Status.SUCCEEDED || output == null || !output.path("topic").isString() || !output.path("partition").isIntegralNumber()
                || !output.path("partition").canConvertToInt() || !output.path("offset").isIntegralNumber()
                || !output.path("offset").canConvertToLong()) {
            return Optional.empty();
        }
        String eventType = output.path("event_type").isString() ? output.get("event_type").asString()
                : input != null && input.path("event_type").isString() ? input.get("event_type").asString() : null;
        return Optional.of(new Published(name, eventType, output.get("topic").asString(),
                output.get("partition").asInt(), output.get("offset").asLong()));
    }

    /** Where an event went. */
    public record Published(String step, String eventType, String topic, int partition, long offset) {
    }
}
