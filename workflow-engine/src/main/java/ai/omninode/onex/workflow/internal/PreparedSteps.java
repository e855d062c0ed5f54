package ai.omninode.onex.workflow.internal;

import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.workflow.Scope;
import ai.omninode.onex.workflow.Step;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A workflow prepared for a runner's nodes, as the runner's internals use it. It is implemented once, in the API
 * package (its {@code PreparedWorkflow}), because compiled inputs, run scopes and the plan's checks are package-private
 * there, kept out of the public API; with one implementation the calls on a run's path cost what a direct call does.
 */
public interface PreparedSteps {
    Workflow workflow();

    /** The nodes the workflow uses, in order of first use. */
    Set<String> nodeNames();

    /** {@code performance.timeout_seconds}, or null. */
    Duration timeout();

    /**
     * A scope over {@code results} as they are (not copied), with the {@code error} root of {@code failure} when it is
     * not null (inside {@code on_step_failure}); {@code env} must be immutable already.
     */
    Scope scope(JsonNode input, Map<String, String> env, Map<String, JsonNode> results, WorkflowResult.Failure failure);

    /** Resolves {@code step}'s input in {@code scope} and checks it against {@code contract}'s input schema. */
    ResolvedInput resolveInput(Step step, NodeContract contract, Scope scope);

    /**
     * The fields of the steps' inputs that {@code input} alone decides (with the settings), checked against their
     * nodes' contracts as {@code --dry-run} checks them; sorted.
     */
    List<Problem> plannedInputProblems(JsonNode input, Map<String, NodeContract> contracts,
            Map<String, String> settings);
}
