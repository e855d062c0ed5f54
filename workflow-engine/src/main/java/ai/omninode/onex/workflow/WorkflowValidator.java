package ai.omninode.onex.workflow;

import ai.omninode.onex.contract.JsonSchema;
import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.contract.Suggestions;
import ai.omninode.onex.contract.Violation;
import ai.omninode.onex.contract.YamlDocument;
import ai.omninode.onex.workflow.internal.SchemaPaths;
import ai.omninode.onex.workflow.internal.SourceText;
import ai.omninode.onex.workflow.internal.StepIndex;
import ai.omninode.onex.workflow.internal.WorkflowChecks;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Checks a loaded workflow against the nodes that will run it, before anything runs:
 * <ul>
 *   <li>every {@code effect_node}, {@code compute_node} and {@code handler} names a discovered node;</li>
 *   <li>each step's input, where its values are static, matches the node contract's input schema (a missing
 *       {@code topic}, a number where a string belongs); values computed by {@code ${...}} are checked at run
 *       time, before the node sees them;</li>
 *   <li>a {@code ${step_result.a.b}} without a default names members the producing node's output schema can
 *       have, when that schema is closed ({@code additionalProperties: false}).</li>
 * </ul>
 */
public final class WorkflowValidator {
    private static final Set<String> SHAPE_RULES = Set.of(Rules.WORKFLOW_STEP_SHAPE.id(),
            Rules.WORKFLOW_UNKNOWN_FIELD.id(), Rules.WORKFLOW_MISSING_FIELD.id(), Rules.WORKFLOW_INVALID_VALUE.id());
    private final Map<String, NodeContract> contracts;
    private final Set<String> knownWithoutContract;
    private final Function<String, String> unknownNodeHint;

    /** @param contracts the discovered nodes' contracts by node name */
    public WorkflowValidator(Map<String, NodeContract> contracts) {
        this(contracts, Set.of(), name -> "");
    }

    /**
     * @param knownWithoutContract names of nodes that exist but whose contract could not be loaded (it has problems
     *                             of its own): steps that use them are not reported as using an unknown node
     * @param unknownNodeHint      more to say about an unknown node name (where it could be found), or ""
     */
    public WorkflowValidator(Map<String, NodeContract> contracts, Set<String> knownWithoutContract,
            Function<String, String> unknownNodeHint) {
        this.contracts = new TreeMap<>(Objects.requireNonNull(contracts));
        this.knownWithoutContract = Set.copyOf(knownWithoutContract);
        this.unknownNodeHint = Objects.requireNonNull(unknownNodeHint);
    }

    /** Every error found, sorted by position; empty when the workflow can run with these nodes. */
    public List<Problem> validate(Workflow workflow) {
        return check(workflow).stream().filter(Problem::isError).toList();
    }

    /** Every error and warning found, sorted by position. */
    public List<Problem> check(Workflow workflow) {
        return check(workflow, List.of());
    }

    /**
     * Every error and warning found, sorted by position, for a workflow whose loader reported {@code loaderProblems}
     * (see {@link WorkflowLoader#check}): a step the loader found malformed is not also checked against its node's
     * input schema, which would only say the same thing again in other words.
     */
    public List<Problem> check(Workflow workflow, List<Problem> loaderProblems) {
        List<Problem> problems = new ArrayList<>();
        YamlDocument doc = workflow.document();
        SourceText text = new SourceText(doc, workflow.text());
        StepIndex index = new StepIndex(workflow.steps(), workflow.onStepFailure());
        Set<String> malformed = malformedSteps(workflow);
        for (Problem p : loaderProblems) {
            for (Step s : workflow.nodeSteps()) {
                boolean inStep = p.pointer().equals(s.pointer()) || p.pointer().startsWith(s.pointer() + "/");
                boolean inInput = under(p.pointer(), s.pointer() + "/input") || under(p.pointer(), s.pointer() + "/payload");
                if (inStep && (p.rule().equals(Rules.WORKFLOW_STEP_SHAPE.id()) || (inInput && SHAPE_RULES.contains(p.rule())))) {
                    malformed.add(s.pointer());
                }
            }
        }
        for (Step s : workflow.nodeSteps()) {
            if (s.node() == null) {
                continue; // no node field of its type: the schema said so
            }
            NodeContract contract = contracts.get(s.node());
            if (contract == null) {
                if (!knownWithoutContract.contains(s.node())) {
                    problems.add(doc.problemAt(s.pointer() + "/" + s.nodeField(), "unknown node '" + s.node() + "' ("
                            + s.nodeField() + " of step '" + s.name() + "')" + Suggestions.didYouMean(s.node(), contracts.keySet())
                            + "; discovered nodes: " + (contracts.isEmpty() ? "(none)" : String.join(", ", contracts.keySet()))
                            + unknownNodeHint.apply(s.node())).as(Rules.NODE_UNKNOWN));
                }
                continue;
            }
            checkKind(s, contract, doc, problems);
            if (!malformed.contains(s.pointer())) {
                contract.input().ifPresent(schema -> checkStaticInput(s, contract, schema, doc, problems));
            }
            checkResultPaths(s, index, text, problems);
        }
        return WorkflowLoader.sorted(problems);
    }

    /** The steps whose input the workflow schema refused already: checking it against the node would say it twice. */
    private static Set<String> malformedSteps(Workflow workflow) {
        Set<String> out = new HashSet<>();
        for (Violation v : WorkflowLoader.schema().validate(workflow.document().root())) {
            for (Step s : workflow.nodeSteps()) {
                String input = s.pointer() + "/input";
                String payload = s.pointer() + "/payload";
                if (v.pointer().equals(input) || v.pointer().startsWith(input + "/") || v.pointer().equals(payload)
                        || v.pointer().startsWith(payload + "/")) {
                    out.add(s.pointer());
                }
            }
        }
        return out;
    }

    /**
     * A compute node in an effect step (or an effect node in a compute step) runs, but not as the workflow's author
     * probably meant: effect steps are the ones that touch the outside world.
     */
    private static void checkKind(Step s, NodeContract contract, YamlDocument doc, List<Problem> problems) {
        String nodeType = contract.nodeType();
        boolean mismatch = (s.type() == StepType.EFFECT && nodeType.equals("compute"))
                || (s.type() == StepType.COMPUTE && nodeType.equals("effect"));
        if (mismatch) {
            problems.add(doc.problemAt(s.pointer() + "/type", "step '" + s.name() + "' is " + article(s.type().yamlName())
                    + " step, but node '" + contract.name() + "' is " + article(nodeType) + " node (node_type in its contract);"
                    + " write type: " + nodeType + " and " + (nodeType.equals("compute") ? "compute_node" : "effect_node")
                    + ": " + contract.name()).as(Rules.NODE_KIND_MISMATCH));
        }
    }

    private static boolean under(String pointer, String prefix) {
        return pointer.equals(prefix) || pointer.startsWith(prefix + "/");
    }

    private static String article(String word) {
        return ("aeiou".indexOf(word.charAt(0)) >= 0 ? "an " : "a ") + word;
    }

    /** The node input a step sends, before expressions: its input, or {intent_type, payload} for an intent step. */
    static JsonNode inputTemplate(Step s) {
        if (s.input() != null || s.type() != StepType.INTENT) {
            return s.input() != null ? s.input() : JsonNodeFactory.instance.objectNode();
        }
        ObjectNode intent = JsonNodeFactory.instance.objectNode();
        if (s.intentType() != null) {
            intent.put("intent_type", s.intentType());
        }
        intent.set("payload", s.payload() != null ? s.payload() : JsonNodeFactory.instance.objectNode());
        return intent;
    }

    /** Where, in the document, the value at {@code inputPointer} of a step's node input was written. */
    static String documentPointer(Step s, String inputPointer) {
        if (s.input() != null || s.type() != StepType.INTENT) {
            return s.pointer() + "/input" + inputPointer;
        }
        return s.pointer() + inputPointer; // /intent_type, /payload/...
    }

    private static void checkStaticInput(Step s, NodeContract contract, JsonSchema schema, YamlDocument doc,
            List<Problem> problems) {
        List<String> dynamic = new ArrayList<>();
        JsonNode staticInput = staticView(inputTemplate(s), "", dynamic);
        for (Violation v : schema.validate(staticInput)) {
            if (isDynamic(v, dynamic)) {
                continue;
            }
            String message = "step '" + s.name() + "': input does not match the input schema of node '"
                    + contract.name() + "': " + v.message();
            String at = documentPointer(s, v.pointer());
            if (v.keyword().equals("required")) {
                String parent = at.substring(0, at.lastIndexOf('/'));
                boolean inputMissing = s.input() == null && s.type() != StepType.INTENT;
                problems.add((inputMissing ? doc.problemAt(s.pointer(), message + " (the step has no input)")
                        : doc.problemAtKey(parent, message)).as(Rules.NODE_INPUT_MISMATCH));
            } else {
                problems.add(JsonSchema.locate(doc, new Violation(at, v.keyword(), message)).as(Rules.NODE_INPUT_MISMATCH));
            }
        }
    }

    /**
     * The input as the node will get it wherever that is known now: a string without expressions with its
     * {@code $${} escapes undone (as the run does), and the pointers of the values {@code ${...}} computes added to
     * {@code dynamic}.
     */
    private static JsonNode staticView(JsonNode node, String pointer, List<String> dynamic) {
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (var e : node.properties()) {
                out.set(e.getKey(), staticView(e.getValue(), pointer + "/" + YamlDocument.escape(e.getKey()), dynamic));
            }
            return out;
        }
        if (node.isArray()) {
            var out = JsonNodeFactory.instance.arrayNode();
            for (int i = 0; i < node.size(); i++) {
                out.add(staticView(node.get(i), pointer + "/" + i, dynamic));
            }
            return out;
        }
        if (node.isString() && Template.mayContainExpression(node.asString())) {
            try {
                Template template = Template.parse(node.asString());
                if (!template.hasExpressions()) {
                    return JsonNodeFactory.instance.stringNode(template.literal());
                }
            } catch (Template.ExpressionSyntaxException e) {
                // reported by the loader
            }
            dynamic.add(pointer);
        }
        return node;
    }

    /**
     * Whether a violation is about a value {@code ${...}} computes, which only the run knows. A field name is known
     * before the run whatever its value: a misspelled {@code nme: ${input.name}} is reported here.
     */
    private static boolean isDynamic(Violation v, List<String> dynamic) {
        boolean aboutTheKey = v.keyword().equals("additionalProperties") || v.keyword().equals("unevaluatedProperties")
                || v.keyword().equals("required");
        for (String d : dynamic) {
            if ((!aboutTheKey && v.pointer().equals(d)) || v.pointer().startsWith(d + "/")) {
                return true;
            }
        }
        return false;
    }

    private void checkResultPaths(Step s, StepIndex index, SourceText text, List<Problem> problems) {
        WorkflowChecks.eachTemplateString(s, (pointer, value) -> {
            if (!Template.mayContainExpression(value)) {
                return;
            }
            Template template;
            try {
                template = Template.parse(value);
            } catch (Template.ExpressionSyntaxException e) {
                return; // reported by the loader
            }
            for (Template.Placeholder ph : template.placeholders()) {
                Expression e = ph.expression();
                StepIndex.Entry target = index.byRoot(e.root());
                if (e.hasDefault() || target == null || target.step().isParallel()
                        || Scope.INPUT.equals(e.root()) || Scope.ENV.equals(e.root()) || Scope.ERROR.equals(e.root())) {
                    continue;
                }
                // a node field that is no name (a list, say) was reported by the loader; its result has no schema
                String producerNode = target.step().node();
                NodeContract producer = producerNode == null ? null : contracts.get(producerNode);
                if (producer == null || producer.output().isEmpty()) {
                    continue;
                }
                String missing = SchemaPaths.missing(producer.output().get().schemaNode(), e);
                if (missing != null) {
                    problems.add(text.at(pointer, e.text(), "step '" + s.name() + "': missing path in " + e.text()
                            + ": " + missing + " (output schema of node '" + producer.name() + "', the result of step '"
                            + target.step().name() + "')").as(Rules.EXPRESSION_MISSING_PATH));
                }
            }
        });
    }
}
