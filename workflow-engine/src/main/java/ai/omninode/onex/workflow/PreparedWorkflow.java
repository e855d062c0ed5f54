package ai.omninode.onex.workflow;

import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.workflow.internal.SourceText;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a runner knows about one workflow before any run of it: whether it can run with the runner's nodes (the
 * {@link WorkflowValidator} problems), the nodes it uses, its main steps and its time limit. Worked out once per
 * runner and workflow, since neither the registry nor a loaded workflow changes; a host running the workflow for every
 * trigger would otherwise validate it again each time.
 */
final class PreparedWorkflow {
    final Workflow workflow;
    /** Empty when the workflow can run with the runner's nodes. */
    final List<Problem> problems;
    final Set<String> nodeNames;
    /** Every main step, depth first: groups before their nested steps. */
    final List<Step> allSteps;
    /** {@code performance.timeout_seconds}, or null. */
    final Duration timeout;
    final SourceText text;

    PreparedWorkflow(Workflow workflow, Map<String, NodeContract> contracts) {
        this.workflow = workflow;
        this.problems = List.copyOf(new WorkflowValidator(contracts).validate(workflow));
        this.nodeNames = Collections.unmodifiableSet(workflow.nodeNames()); // in order of first use
        this.allSteps = List.copyOf(workflow.allSteps());
        this.timeout = workflow.timeout().orElse(null);
        this.text = new SourceText(workflow.document(), workflow.text());
    }
}
