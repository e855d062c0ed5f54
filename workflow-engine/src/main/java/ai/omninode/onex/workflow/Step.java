package ai.omninode.onex.workflow;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * One step of a workflow: a node step ({@code effect}, {@code compute}, {@code validation}, {@code intent}) or a
 * {@code parallel} group of nested steps.
 *
 * @param pointer JSON pointer of the step in its workflow document, for messages
 * @param node the contract name of the node it runs ({@code effect_node}, {@code compute_node} or {@code handler});
 *             null for a parallel group
 * @param input the input template (may hold {@code ${...}}); null when the step has none
 * @param intentType for an intent step without input: sent as {@code intent_type}
 * @param payload for an intent step without input: sent as {@code payload}
 * @param output the name the result is stored under, or null (the step name always works)
 * @param steps the nested steps of a parallel group, else empty
 * @param continueOnError {@code on_error: continue}: a failure is recorded and the workflow goes on
 * @param timeoutMs a per-attempt time limit, or null
 */
public record Step(
        String name,
        StepType type,
        String pointer,
        String description,
        String node,
        JsonNode input,
        String intentType,
        JsonNode payload,
        String output,
        List<String> dependsOn,
        List<Step> steps,
        boolean continueOnError,
        Long timeoutMs) {

    public Step {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        dependsOn = List.copyOf(dependsOn);
        steps = List.copyOf(steps);
    }

    public boolean isParallel() {
        return type == StepType.PARALLEL;
    }

    public Optional<String> outputName() {
        return Optional.ofNullable(output);
    }

    /** The field of the step that names its node: effect_node, compute_node or handler. */
    public String nodeField() {
        return type.nodeField();
    }
}
