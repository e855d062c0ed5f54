package ai.omninode.onex.workflow;

import ai.omninode.onex.contract.JsonSchema;
import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Suggestions;
import ai.omninode.onex.contract.Violation;
import ai.omninode.onex.contract.YamlDocument;
import ai.omninode.onex.workflow.internal.SchemaPaths;
import ai.omninode.onex.workflow.internal.SourceText;
import ai.omninode.onex.workflow.internal.StepIndex;
import ai.omninode.onex.workflow.internal.WorkflowChecks;
import java.util.ArrayList;
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
    private final Map<String, NodeContract> contracts;

    /** @param contracts the discovered nodes' contracts by node name */
    public WorkflowValidator(Map<String, NodeContract> contracts) {
        this.contracts = new TreeMap<>(Objects.requireNonNull(contracts));
    }

    /** Every problem found, sorted by position; empty when the workflow can run with these nodes. */
    public List<Problem> validate(Workflow workflow) {
        List<Problem> problems = new ArrayList<>();
        YamlDocument doc = workflow.document();
        SourceText text = new SourceText(doc, workflow.text());
        StepIndex index = new StepIndex(workflow.steps(), workflow.onStepFailure());
        for (Step s : workflow.nodeSteps()) {
            NodeContract contract = contracts.get(s.node());
            if (contract == null) {
                problems.add(doc.problemAt(s.pointer() + "/" + s.nodeField(), "unknown node '" + s.node() + "' ("
                        + s.nodeField() + " of step '" + s.name() + "')" + Suggestions.didYouMean(s.node(), contracts.keySet())
                        + "; discovered nodes: " + (contracts.isEmpty() ? "(none)" : String.join(", ", contracts.keySet()))));
                continue;
            }
            contract.input().ifPresent(schema -> checkStaticInput(s, contract, schema, doc, problems));
            checkResultPaths(s, index, text, problems);
        }
        return WorkflowLoader.sorted(problems);
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
            if (isDynamic(v.pointer(), dynamic)) {
                continue;
            }
            String message = "step '" + s.name() + "': input does not match the input schema of node '"
                    + contract.name() + "': " + v.message();
            String at = documentPointer(s, v.pointer());
            if (v.keyword().equals("required")) {
                String parent = at.substring(0, at.lastIndexOf('/'));
                boolean inputMissing = s.input() == null && s.type() != StepType.INTENT;
                problems.add(inputMissing ? doc.problemAt(s.pointer(), message + " (the step has no input)")
                        : doc.problemAtKey(parent, message));
            } else {
                problems.add(JsonSchema.locate(doc, new Violation(at, v.keyword(), message)));
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

    private static boolean isDynamic(String pointer, List<String> dynamic) {
        for (String d : dynamic) {
            if (pointer.equals(d) || pointer.startsWith(d + "/")) {
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
                NodeContract producer = contracts.get(target.step().node());
                if (producer == null || producer.output().isEmpty()) {
                    continue;
                }
                String missing = SchemaPaths.missing(producer.output().get().schemaNode(), e);
                if (missing != null) {
                    problems.add(text.at(pointer, e.text(), "step '" + s.name() + "': missing path in " + e.text()
                            + ": " + missing + " (output schema of node '" + producer.name() + "', the result of step '"
                            + target.step().name() + "')"));
                }
            }
        });
    }
}
