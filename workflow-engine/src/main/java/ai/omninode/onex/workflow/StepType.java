package ai.omninode.onex.workflow;

import java.util.Locale;

/** What a step does, and which field names its node. */
public enum StepType {
    EFFECT("effect_node"),
    COMPUTE("compute_node"),
    VALIDATION("handler"),
    INTENT("handler"),
    /** Runs its nested steps concurrently; names no node. */
    PARALLEL(null);

    private final String nodeField;

    StepType(String nodeField) {
        this.nodeField = nodeField;
    }

    /** The field that names this type's node: effect_node, compute_node or handler; null for parallel. */
    public String nodeField() {
        return nodeField;
    }

    /** As written in a workflow: effect, compute, validation, intent, parallel. */
    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static StepType fromYaml(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
