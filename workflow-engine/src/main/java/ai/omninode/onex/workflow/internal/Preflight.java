package ai.omninode.onex.workflow.internal;

import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.workflow.Scope;
import ai.omninode.onex.workflow.Step;
import ai.omninode.onex.workflow.Template;
import ai.omninode.onex.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * What can be known to fail before a run starts ({@code WorkflowRunner.prepare} and
 * {@code WorkflowRunner.stepInputProblems}): first what is wrong with the input, without any node; then, once the
 * nodes are initialized, the nodes that refused their settings.
 */
public final class Preflight {
    private final Map<String, NodeContract> contracts;
    private final Map<String, String> settings;
    private final NodeLifecycle nodes;

    /** {@code settings} must be immutable already. */
    public Preflight(Map<String, NodeContract> contracts, Map<String, String> settings, NodeLifecycle nodes) {
        this.contracts = contracts;
        this.settings = settings;
        this.nodes = nodes;
    }

    /**
     * What is wrong with {@code input} (if it is a JSON object) before any node is involved, each problem named by
     * {@code inputSource}: every violation of the workflow's {@code input_schema}, else the main steps' inputs as far
     * as the input decides them. Unsorted; empty if none.
     */
    public List<Problem> inputProblems(PreparedSteps prepared, JsonNode input, String inputSource) {
        List<Problem> problems = new ArrayList<>();
        if (input != null && input.isObject()) {
            problems.addAll(inputProblems(prepared, input, contracts, inputSource));
        }
        return problems;
    }

    /**
     * The nodes of {@code prepared} that refused their settings, each at the first step that uses it, after
     * initializing the nodes not yet initialized (a node that fails for another reason is left to the run). Unsorted.
     */
    public List<Problem> settingsRefusals(PreparedSteps prepared) {
        return atFirstStep(prepared, nodes::refusal);
    }

    /**
     * Every node of {@code prepared} that could not be initialized, whatever the reason, each at the first step that
     * uses it, after initializing the nodes not yet initialized; a node from a plugin is named with its plugin.
     * Unsorted.
     */
    public List<Problem> initializationFailures(PreparedSteps prepared) {
        return atFirstStep(prepared, name -> {
            String failure = nodes.initFailure(name);
            return failure == null ? null
                    : failure + nodes.pluginOf(name).map(p -> " [node from plugin " + p + "]").orElse("");
        });
    }

    /**
     * After initializing the nodes of {@code prepared} not yet initialized: for each node that {@code problemOf}
     * gives a message (else null), that message at the node field of the first step that uses it.
     */
    private List<Problem> atFirstStep(PreparedSteps prepared, java.util.function.Function<String, String> problemOf) {
        Workflow workflow = prepared.workflow();
        List<Problem> problems = new ArrayList<>();
        nodes.initialize(prepared.nodeNames());
        for (String name : prepared.nodeNames()) {
            String message = problemOf.apply(name);
            if (message == null) {
                continue;
            }
            workflow.allSteps().stream().filter(s -> name.equals(s.node())).findFirst().ifPresent(s ->
                    problems.add(workflow.document().problemAt(s.pointer() + "/" + s.nodeField(), message)
                            .as(Rules.NODE_INIT)));
        }
        return problems;
    }

    /**
     * What is wrong with {@code input} before any node is involved: the workflow's {@code input_schema}, then the
     * main steps whose input depends only on the input and the settings, resolved and checked against their node's
     * input schema.
     */
    private List<Problem> inputProblems(PreparedSteps prepared, JsonNode input, Map<String, NodeContract> contracts,
            String inputSource) {
        List<Problem> problems = prepared.workflow().checkInput(input, inputSource);
        return problems.isEmpty() ? stepInputProblems(prepared, input, contracts) : problems;
    }

    /**
     * The main steps' inputs of an input (a JSON object) that its workflow's {@code input_schema} accepts, as far as
     * the input and the settings decide them, checked against their nodes' input schemas, without initializing a
     * node. Unsorted; empty if none.
     */
    public List<Problem> stepInputProblems(PreparedSteps prepared, JsonNode input) {
        return stepInputProblems(prepared, input, contracts);
    }

    private List<Problem> stepInputProblems(PreparedSteps prepared, JsonNode input,
            Map<String, NodeContract> contracts) {
        Workflow workflow = prepared.workflow();
        List<Problem> problems = new ArrayList<>();
        Scope scope = Scope.builder().input(input).env(settings).results(Map.of()).build();
        List<Step> main = new ArrayList<>();
        for (Step s : workflow.steps()) {
            main.addAll(s.isParallel() ? s.steps() : List.of(s));
        }
        for (Step s : main) {
            NodeContract contract = contracts.get(s.node());
            if (contract == null || !dependsOnInputAndEnvOnly(s)) {
                continue;
            }
            Problem p = prepared.resolveInput(s, contract, scope).problem();
            if (p != null) {
                problems.add(p);
            }
        }
        if (problems.isEmpty()) {
            // then the fields of the other main steps' inputs that the input alone decides, as --dry-run checks them:
            // such a field breaks the node's contract whatever the earlier steps return (on_step_failure steps are
            // left to the run: they may never run)
            for (Problem p : prepared.plannedInputProblems(input, contracts, settings)) {
                if (p.isError() && main.stream().anyMatch(s -> p.pointer().equals(s.pointer())
                        || p.pointer().startsWith(s.pointer() + "/"))) {
                    problems.add(p);
                }
            }
        }
        return problems;
    }

    private static boolean dependsOnInputAndEnvOnly(Step s) {
        boolean[] only = {true};
        WorkflowChecks.eachTemplateString(s, (pointer, value) -> {
            if (!Template.mayContainExpression(value)) {
                return;
            }
            try {
                for (Template.Placeholder ph : Template.parse(value).placeholders()) {
                    String root = ph.expression().root();
                    only[0] &= Scope.INPUT.equals(root) || Scope.ENV.equals(root);
                }
            } catch (Template.ExpressionSyntaxException e) {
                only[0] = false; // the loader reports it
            }
        });
        return only[0];
    }
}
