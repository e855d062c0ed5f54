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
 * @param cause for a failed step, whether the failure lies with the step (its data, its expressions, the node's answer:
 *     {@link Cause#STEP}, also for a step that did not fail) or with the installation the step ran in (a node that
 *     could not be initialized, a plugin that could not load its classes), which every run that needs the node would
 *     meet the same way; a host retries those rather than dead-letter the trigger
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
        boolean outcomeUnknown,
        Cause cause) {

    public StepResult {
        cause = cause == null ? Cause.STEP : cause;
    }

    /** A result whose failure, if it failed, lies with the step itself ({@link Cause#STEP}). */
    public StepResult(String name, String group, boolean handler, Status status, String node, int attempts,
            Duration duration, JsonNode input, JsonNode output, String error, Problem problem, boolean continued,
            boolean outcomeUnknown) {
        this(name, group, handler, status, node, attempts, duration, input, output, error, problem, continued,
                outcomeUnknown, Cause.STEP);
    }

    /** A result whose effect, if it failed, is known not to have happened. */
    public StepResult(String name, String group, boolean handler, Status status, String node, int attempts,
            Duration duration, JsonNode input, JsonNode output, String error, Problem problem, boolean continued) {
        this(name, group, handler, status, node, attempts, duration, input, output, error, problem, continued, false);
    }

    /** How a step ended. */
    public enum Status { SUCCEEDED, FAILED, SKIPPED }

    /**
     * Where a step's failure lies. Decided from what the runner holds (the node's initialization failure, the
     * exception's class and causes), never from a message's text, which may carry the step's data.
     */
    public enum Cause {
        /** The step: its input, an expression, the node's answer or the failure it threw. */
        STEP,
        /** Its node could not be initialized (a setting it refused, a cluster that did not answer its start-up check). */
        NODE_NOT_INITIALIZED,
        /**
         * Its node failed on a class its plugin could not load or link ({@link LinkageError}s such as
         * {@code NoClassDefFoundError}, or a {@code ClassNotFoundException}, thrown or among the causes): a library
         * missing from the plugin, or one of another version than it was built against.
         */
        PLUGIN_CLASSES
    }

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
