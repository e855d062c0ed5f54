package ai.omninode.onex.workflow;

import ai.omninode.onex.contract.JsonSchema;
import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.contract.Violation;
import ai.omninode.onex.workflow.internal.PreparedSteps;
import ai.omninode.onex.workflow.internal.ResolvedInput;
import ai.omninode.onex.workflow.internal.SourceText;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/**
 * What a runner knows about one workflow before any run of it: whether it can run with the runner's nodes (the
 * {@link WorkflowValidator} problems), the nodes it uses, its main steps and its time limit. Worked out once per
 * runner and workflow, since neither the registry nor a loaded workflow changes; a host running the workflow for every
 * trigger would otherwise validate it again each time.
 */
final class PreparedWorkflow implements PreparedSteps {
    final Workflow workflow;
    /** Empty when the workflow can run with the runner's nodes. */
    final List<Problem> problems;
    final Set<String> nodeNames;
    /** Every main step, depth first: groups before their nested steps. */
    final List<Step> allSteps;
    /** {@code performance.timeout_seconds}, or null. */
    final Duration timeout;
    final SourceText text;
    /** The compiled input of every node step (main and on_step_failure), by step identity. */
    private final Map<Step, CompiledInput> inputs = new IdentityHashMap<>();

    PreparedWorkflow(Workflow workflow, Map<String, NodeContract> contracts) {
        this.workflow = workflow;
        this.problems = List.copyOf(new WorkflowValidator(contracts).validate(workflow));
        this.nodeNames = Collections.unmodifiableSet(workflow.nodeNames()); // in order of first use
        this.allSteps = List.copyOf(workflow.allSteps());
        this.timeout = workflow.timeout().orElse(null);
        this.text = new SourceText(workflow.document(), workflow.text());
        for (Step s : workflow.nodeSteps()) {
            inputs.put(s, CompiledInput.of(WorkflowValidator.inputTemplate(s), inputPointer(s)));
        }
    }

    /** Where a step's input template is in the document: its {@code input}, or the step for an intent without one. */
    static String inputPointer(Step s) {
        return s.input() != null || s.type() != StepType.INTENT ? s.pointer() + "/input" : s.pointer();
    }

    /** The compiled input of {@code step}, one of this workflow's node steps. */
    CompiledInput input(Step step) {
        CompiledInput c = inputs.get(step);
        return c != null ? c : CompiledInput.of(WorkflowValidator.inputTemplate(step), inputPointer(step));
    }

    @Override
    public Workflow workflow() {
        return workflow;
    }

    @Override
    public Set<String> nodeNames() {
        return nodeNames;
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public Scope scope(JsonNode input, Map<String, String> env, Map<String, JsonNode> results,
            WorkflowResult.Failure failure) {
        return Scope.of(input, env, results, failure == null ? null : Scope.error(failure.step(), failure.message()));
    }

    @Override
    public ResolvedInput resolveInput(Step step, NodeContract contract, Scope scope) {
        return resolveInput(step, input(step), contract, scope, workflow, text);
    }

    /** Resolves a step's input in {@code scope} and checks it against the node contract's input schema. */
    private static ResolvedInput resolveInput(Step step, CompiledInput template, NodeContract contract, Scope scope,
            Workflow workflow, SourceText text) {
        String base = inputPointer(step);
        JsonNode input;
        try {
            input = template.resolve(scope, (pointer, offset, expression, message) -> text.at(pointer, expression,
                    "step '" + step.name() + "': " + message));
        } catch (ExpressionException e) {
            return new ResolvedInput(null, e.problem().orAs(Rules.EXPRESSION_UNAVAILABLE));
        }
        if (!input.isObject()) {
            String message = "step '" + step.name() + "': its input must be a map, but " + step.input().asString()
                    + " is " + ExpressionResolver.describe(input);
            return new ResolvedInput(input, workflow.document().problemAt(base, message).as(Rules.NODE_INPUT_MISMATCH));
        }
        List<Violation> violations = contract.input().map(schema -> schema.validate(input)).orElse(List.of());
        if (!violations.isEmpty()) {
            String message = "step '" + step.name() + "': input does not match the input schema of node '"
                    + contract.name() + "': " + violations.stream().map(Violation::message)
                            .collect(Collectors.joining("; "));
            return new ResolvedInput(input, JsonSchema.locate(workflow.document(), new Violation(
                    WorkflowValidator.documentPointer(step, violations.get(0).pointer()),
                    violations.get(0).keyword(), message)));
        }
        return new ResolvedInput(input, null);
    }

    @Override
    public List<Problem> plannedInputProblems(JsonNode input, Map<String, NodeContract> contracts,
            Map<String, String> settings) {
        return WorkflowPlan.stepInputProblems(workflow, input, contracts, settings);
    }
}
