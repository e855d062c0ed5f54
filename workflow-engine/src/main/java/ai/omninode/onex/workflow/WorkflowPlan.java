package ai.omninode.onex.workflow;

import ai.omninode.onex.contract.JsonSchema;
import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.contract.Violation;
import ai.omninode.onex.contract.YamlDocument;
import ai.omninode.onex.runtime.KafkaClientFailures;
import ai.omninode.onex.workflow.internal.SourceText;
import ai.omninode.onex.workflow.internal.StepIndex;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a run of a workflow on an input would do, without running anything or initializing any node: the steps in
 * order (a parallel group's steps side by side), what each one's node would receive as far as the input and the
 * settings decide it, and what is wrong already (the workflow's {@code input_schema}, an expression that cannot be
 * resolved, a value the node's contract refuses). Values computed by earlier steps stay as their {@code ${...}}, and
 * values read from the settings ({@code ${env.NAME}}) are checked but shown as written: settings may be secrets.
 *
 * @param steps the main steps, then the {@code on_step_failure} steps
 * @param problems every problem found: the input's (by its {@code input_schema}) first, then the others by place
 */
public record WorkflowPlan(Workflow workflow, List<PlannedStep> steps, List<Problem> problems) {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    public WorkflowPlan {
        Objects.requireNonNull(workflow, "workflow");
        steps = List.copyOf(steps);
        problems = List.copyOf(problems);
    }

    /**
     * One step of the plan.
     *
     * @param position its place in the order: {@code "3"}, {@code "3.1"} for the first step of group 3, {@code "F1"}
     *     for the first {@code on_step_failure} step
     * @param group the parallel group it runs in, or null
     * @param onFailure whether it runs only after a failure
     * @param input what its node would receive: resolved where the input and settings decide it, else the {@code ${...}}
     *     as written; null for a parallel group
     * @param waitsFor the steps whose results its input needs, and its {@code depends_on}
     */
    public record PlannedStep(String position, Step step, String group, boolean onFailure, JsonNode input,
            List<String> waitsFor) {
    }

    /** Plans {@code workflow} on {@code input} with the nodes' {@code contracts} and the {@code settings}. */
    public static WorkflowPlan of(Workflow workflow, JsonNode input, Map<String, NodeContract> contracts,
            Map<String, String> settings) {
        return of(workflow, input, contracts, settings, "input");
    }

    /**
     * {@link #of(Workflow, JsonNode, Map, Map)}, naming the input's problems by where it came from ({@code
     * inputSource}: a file, say). An input that breaks the workflow's {@code input_schema} is reported first, and
     * alone: the steps' inputs are then not checked against their nodes' contracts, since what they would find (a
     * missing field the schema requires, again) stems from the same input ({@link #inputRefused()}), as a run refuses
     * such an input before it looks at the steps.
     */
    public static WorkflowPlan of(Workflow workflow, JsonNode input, Map<String, NodeContract> contracts,
            Map<String, String> settings, String inputSource) {
        List<Problem> problems = new ArrayList<>(workflow.checkInput(input, inputSource));
        List<Problem> others = new ArrayList<>(new WorkflowValidator(contracts).validate(workflow));
        List<Problem> steps = new ArrayList<>();
        List<PlannedStep> planned = steps(workflow, input, contracts, settings, steps);
        if (problems.isEmpty()) {
            others.addAll(steps);
        }
        problems.addAll(WorkflowLoader.sorted(others));
        return new WorkflowPlan(workflow, planned, problems);
    }

    /** Whether the input breaks the workflow's {@code input_schema}, so that the steps' inputs were not checked. */
    public boolean inputRefused() {
        return problems.stream().anyMatch(p -> Rules.INPUT_SCHEMA.id().equals(p.rule()));
    }

    /**
     * Only what {@link #of} finds in the steps' inputs, for a workflow already validated and an input already checked
     * against its {@code input_schema} (the runner's check before a run).
     */
    static List<Problem> stepInputProblems(Workflow workflow, JsonNode input, Map<String, NodeContract> contracts,
            Map<String, String> settings) {
        List<Problem> problems = new ArrayList<>();
        steps(workflow, input, contracts, settings, problems);
        return WorkflowLoader.sorted(problems);
    }

    private static List<PlannedStep> steps(Workflow workflow, JsonNode input, Map<String, NodeContract> contracts,
            Map<String, String> settings, List<Problem> problems) {
        Scope scope = Scope.builder().input(input).env(settings).results(Map.of()).build();
        SourceText text = new SourceText(workflow.document(), workflow.text());
        // the step each root names, as the validator finds it (an output name first, then a step name)
        StepIndex stepOf = new StepIndex(workflow.steps(), workflow.onStepFailure());
        List<PlannedStep> planned = new ArrayList<>();
        int n = 0;
        for (Step s : workflow.steps()) {
            n++;
            if (s.isParallel()) {
                planned.add(new PlannedStep(String.valueOf(n), s, null, false, null, s.dependsOn()));
                int m = 0;
                for (Step child : s.steps()) {
                    planned.add(plan(n + "." + ++m, child, s.name(), false, scope, contracts, workflow, text, problems,
                            settings, stepOf));
                }
            } else {
                planned.add(plan(String.valueOf(n), s, null, false, scope, contracts, workflow, text, problems, settings,
                        stepOf));
            }
        }
        int f = 0;
        for (Step s : workflow.onStepFailure()) {
            planned.add(plan("F" + ++f, s, null, true, scope, contracts, workflow, text, problems, settings,
                        stepOf));
        }
        return planned;
    }

    private static PlannedStep plan(String position, Step s, String group, boolean onFailure, Scope scope,
            Map<String, NodeContract> contracts, Workflow workflow, SourceText text, List<Problem> problems,
            Map<String, String> settings, StepIndex stepOf) {
        String base = s.input() != null || s.type() != StepType.INTENT ? s.pointer() + "/input" : s.pointer();
        Set<String> waitsFor = new LinkedHashSet<>(s.dependsOn());
        List<String> later = new ArrayList<>();
        JsonNode checked = partial(WorkflowValidator.inputTemplate(s), base, "", scope, s, text, problems, waitsFor,
                later, true);
        JsonNode shown = partial(WorkflowValidator.inputTemplate(s), base, "", scope, s, text, new ArrayList<>(),
                new LinkedHashSet<>(), new ArrayList<>(), false);
        Set<String> steps = new LinkedHashSet<>();
        for (String root : waitsFor) {
            StepIndex.Entry named = stepOf.byRoot(root);
            steps.add(named == null ? root : named.step().name());
        }
        waitsFor = steps;
        NodeContract contract = contracts.get(s.node());
        if (contract != null && contract.input().isPresent() && checked != null && checked.isObject()) {
            JsonSchema schema = contract.input().get();
            List<Violation> violations = schema.validate(checked).stream()
                    .filter(v -> later.stream().noneMatch(d -> v.pointer().equals(d) || v.pointer().startsWith(d + "/")))
                    .toList();
            if (!violations.isEmpty()) {
                Violation first = violations.get(0);
                String message = hideSecretSettings("step '" + s.name() + "': input does not match the input schema"
                        + " of node '" + contract.name() + "': " + violations.stream().map(Violation::message)
                                .collect(Collectors.joining("; ")), settings);
                problems.add(JsonSchema.locate(workflow.document(), new Violation(
                        WorkflowValidator.documentPointer(s, first.pointer()), first.keyword(), message)));
            }
        }
        return new PlannedStep(position, s, group, onFailure, shown, List.copyOf(waitsFor));
    }

    /**
     * {@code message} without the value of any secret setting ({@code ${env.DB_PASSWORD}} written where a node wants a
     * UUID, say): a contract's message quotes the value it found, as JSON, and cut short ({@code "S3cr3t-Pa..."}) when
     * long, so the value is hidden as written, as JSON, and as any beginning of it (six characters or more: fewer
     * would hide the end of other cut values, 'http...') that such a cut leaves.
     */
    static String hideSecretSettings(String message, Map<String, String> settings) {
        String out = message;
        for (Map.Entry<String, String> e : settings.entrySet()) {
            String value = e.getValue();
            if (value == null || value.length() < 3 || !(KafkaClientFailures.isSecret(e.getKey())
                    || e.getKey().toUpperCase(java.util.Locale.ROOT).endsWith("_KEY"))) {
                continue;
            }
            String json = NODES.textNode(value).toString();
            json = json.substring(1, json.length() - 1);
            out = out.replace(value, "[hidden]").replace(json, "[hidden]");
            for (int cut = out.indexOf("..."); cut >= 0; cut = out.indexOf("...", cut + 1)) {
                for (int len = Math.min(json.length(), cut); len >= 6; len--) {
                    if (out.startsWith(json.substring(0, len), cut - len)) {
                        out = out.substring(0, cut - len) + "[hidden]" + out.substring(cut);
                        cut = cut - len + "[hidden]".length();
                        break;
                    }
                }
            }
        }
        return out;
    }

    /**
     * The template with what the input (and, when {@code withSettings}, the settings) decide resolved; other strings
     * as written. Each string that waits for a step's result adds the step to {@code waitsFor} and its input pointer
     * to {@code later}.
     */
    private static JsonNode partial(JsonNode node, String docPointer, String inputPointer, Scope scope, Step s,
            SourceText text, List<Problem> problems, Set<String> waitsFor, List<String> later, boolean withSettings) {
        if (node.isObject()) {
            ObjectNode out = NODES.objectNode();
            for (var e : node.properties()) {
                String key = YamlDocument.escape(e.getKey());
                out.set(e.getKey(), partial(e.getValue(), docPointer + "/" + key, inputPointer + "/" + key, scope, s,
                        text, problems, waitsFor, later, withSettings));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = NODES.arrayNode();
            for (int i = 0; i < node.size(); i++) {
                out.add(partial(node.get(i), docPointer + "/" + i, inputPointer + "/" + i, scope, s, text, problems,
                        waitsFor, later, withSettings));
            }
            return out;
        }
        if (!node.isString() || !Template.mayContainExpression(node.asString())) {
            return node;
        }
        Template template;
        try {
            template = Template.parse(node.asString());
        } catch (Template.ExpressionSyntaxException e) {
            return node; // the loader reports it
        }
        boolean knownNow = true;
        boolean readsSettings = false;
        for (Template.Placeholder ph : template.placeholders()) {
            String root = ph.expression().root();
            if (Scope.ENV.equals(root)) {
                readsSettings = true;
            } else if (!Scope.INPUT.equals(root)) {
                knownNow = false;
                if (!Scope.ERROR.equals(root)) {
                    waitsFor.add(root);
                }
            }
        }
        if (!knownNow || readsSettings && !withSettings) {
            if (!knownNow) {
                later.add(inputPointer);
            }
            return node;
        }
        try {
            return ExpressionResolver.resolveString(node.asString(), scope, docPointer,
                    (pointer, offset, expression, message) -> text.at(pointer, expression,
                            "step '" + s.name() + "': " + message));
        } catch (ExpressionException e) {
            problems.add(e.problem().orAs(Rules.EXPRESSION_UNAVAILABLE));
            later.add(inputPointer); // reported; not checked against the contract a second time
            return node;
        }
    }
}
