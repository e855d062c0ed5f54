package ai.omninode.onex.workflow.internal;

import ai.omninode.onex.contract.Problem;
import tools.jackson.databind.JsonNode;

/** A step's node input with its expressions resolved, or what is wrong with it (and where). */
public record ResolvedInput(JsonNode input, Problem problem) {
}
