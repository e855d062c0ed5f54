package ai.omninode.onex.workflow.internal;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rule;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.contract.Suggestions;
import ai.omninode.onex.contract.YamlDocument;
import ai.omninode.onex.workflow.Expression;
import ai.omninode.onex.workflow.Scope;
import ai.omninode.onex.workflow.Step;
import ai.omninode.onex.workflow.StepType;
import ai.omninode.onex.workflow.Template;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.internal.StepIndex.Entry;
import ai.omninode.onex.workflow.internal.StepIndex.Phase;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import tools.jackson.databind.JsonNode;

/**
 * The workflow rules a JSON Schema cannot say, checked without any node: see {@code WorkflowLoader}. Adds a located
 * {@link Problem} for each rule broken.
 */
public final class WorkflowChecks {
    private static final Set<String> RESERVED = Set.of(Scope.INPUT, Scope.ENV, Scope.ERROR);
    private static final List<String> NODE_FIELDS = List.of("effect_node", "compute_node", "handler");

    private final Workflow workflow;
    private final StepIndex index;
    private final SourceText text;
    private final YamlDocument doc;
    private final List<Problem> problems;

    public WorkflowChecks(Workflow workflow, StepIndex index, SourceText text, List<Problem> problems) {
        this.workflow = workflow;
        this.index = index;
        this.text = text;
        this.doc = text.document();
        this.problems = problems;
    }

    public void run() {
        checkShapes(workflow.steps(), Phase.MAIN, null);
        checkShapes(workflow.onStepFailure(), Phase.ON_FAILURE, null);
        checkNames();
        checkDependsOn();
        checkCycles();
        checkRetryPolicy();
        checkExpressions();
    }

    // ---- step shapes ------------------------------------------------------------------------------------------

    private void checkShapes(List<Step> steps, Phase phase, Step group) {
        for (Step s : steps) {
            JsonNode raw = doc.root().at(s.pointer());
            String p = s.pointer();
            String type = s.type().yamlName();
            String aType = (type.startsWith("e") || type.startsWith("i") ? "an " : "a ") + type;
            for (String field : NODE_FIELDS) {
                if (!raw.has(field)) {
                    continue;
                }
                if (s.isParallel()) {
                    add(Rules.WORKFLOW_STEP_SHAPE, doc.problemAtKey(p + "/" + field, "a parallel step names no node ('" + field
                            + "'); its nested steps do"));
                } else if (!field.equals(s.nodeField())) {
                    add(Rules.WORKFLOW_STEP_SHAPE, doc.problemAtKey(p + "/" + field, aType + " step names its node with '"
                            + s.nodeField() + "', not '" + field + "'"));
                }
            }
            if (raw.has("steps") && !s.isParallel()) {
                add(Rules.WORKFLOW_STEP_SHAPE, doc.problemAtKey(p + "/steps", "only a parallel step has nested steps; '" + s.name()
                        + "' is " + aType + " step"));
            }
            if (s.isParallel()) {
                for (String field : List.of("input", "output", "intent_type", "payload", "timeout_ms", "on_error")) {
                    if (raw.has(field)) {
                        add(Rules.WORKFLOW_STEP_SHAPE, doc.problemAtKey(p + "/" + field, "a parallel step has no '" + field
                                + "'; give it to its nested steps"));
                    }
                }
                if (group != null) {
                    add(Rules.WORKFLOW_STEP_SHAPE, doc.problemAt(p + "/type", "parallel group '" + group.name()
                            + "' cannot hold another parallel group ('" + s.name() + "')"));
                } else if (phase == Phase.ON_FAILURE) {
                    add(Rules.WORKFLOW_STEP_SHAPE, doc.problemAt(p + "/type",
                            "on_step_failure runs its steps in order; it cannot hold a parallel group"));
                }
                checkShapes(s.steps(), phase, s);
                continue;
            }
            checkWholeMapExpression(s, raw.get("input"), p + "/input", "input");
            if (s.type() == StepType.INTENT) {
                checkWholeMapExpression(s, raw.get("payload"), p + "/payload", "payload");
            }
            if (s.type() != StepType.INTENT) {
                for (String field : List.of("intent_type", "payload")) {
                    if (raw.has(field)) {
                        add(Rules.WORKFLOW_STEP_SHAPE, doc.problemAtKey(p + "/" + field, "'" + field + "' is for intent steps; '"
                                + s.name() + "' is " + aType + " step (give its node an input)"));
                    }
                }
            } else if (raw.has("input") && (raw.has("intent_type") || raw.has("payload"))) {
                add(Rules.WORKFLOW_STEP_SHAPE, doc.problemAtKey(p + "/input",
                        "an intent step has either input, or intent_type and payload, not both"));
            } else if (!raw.has("input") && !raw.has("intent_type")) {
                add(Rules.WORKFLOW_STEP_SHAPE, doc.problemAt(p, "intent step '" + s.name()
                        + "' needs intent_type (and payload), or an input"));
            }
        }
    }

    /**
     * An input or payload written as a string stands for a whole map, so it must be exactly one {@code ${...}}
     * (which keeps its type); anything else resolves to text, which the step would refuse at run time. Syntax errors
     * are reported with the other expressions.
     */
    private void checkWholeMapExpression(Step s, JsonNode value, String pointer, String field) {
        if (value == null || !value.isString()) {
            return;
        }
        Template template;
        try {
            template = Template.parse(value.asString());
        } catch (Template.ExpressionSyntaxException e) {
            return;
        }
        if (!template.isSingleExpression()) {
            add(Rules.WORKFLOW_STEP_SHAPE, doc.problemAt(pointer, "step '" + s.name() + "': its " + field + " must be a map, but '"
                    + value.asString() + "' is always text; write one ${...} that gives a map, as in "
                    + field + ": ${input}"));
        }
    }

    // ---- names --------------------------------------------------------------------------------------------------

    private void checkNames() {
        Map<String, Step> names = new HashMap<>();
        Map<String, Step> outputs = new HashMap<>();
        List<Step> all = allSteps();
        for (Step s : all) {
            Step first = names.putIfAbsent(s.name(), s);
            if (first != null) {
                add(Rules.WORKFLOW_DUPLICATE_NAME, doc.problemAt(s.pointer() + "/name", "duplicate step name '" + s.name()
                        + "'; the first is at " + line(first.pointer())));
            }
            if (RESERVED.contains(s.name())) {
                add(Rules.WORKFLOW_RESERVED_NAME, doc.problemAt(s.pointer() + "/name", reserved(s.name(), "a step name")));
            }
        }
        for (Step s : all) {
            if (s.output() == null) {
                continue;
            }
            String out = s.output();
            String at = s.pointer() + "/output";
            if (RESERVED.contains(out)) {
                add(Rules.WORKFLOW_RESERVED_NAME, doc.problemAt(at, reserved(out, "an output name")));
                continue;
            }
            Step named = names.get(out);
            if (named != null && named != s) {
                add(Rules.WORKFLOW_DUPLICATE_NAME, doc.problemAt(at, "output '" + out + "' is also the name of step '" + named.name()
                        + "' (" + line(named.pointer()) + "); ${" + out + "} would be ambiguous"));
            }
            Step first = outputs.putIfAbsent(out, s);
            if (first != null) {
                add(Rules.WORKFLOW_DUPLICATE_NAME, doc.problemAt(at, "output '" + out + "' is already the output of step '"
                        + first.name() + "' (" + line(first.pointer()) + ")"));
            }
        }
    }

    private static String reserved(String name, String what) {
        String meaning = switch (name) {
            case Scope.INPUT -> "the workflow input";
            case Scope.ENV -> "environment variables";
            default -> "the failure, in on_step_failure";
        };
        return "'" + name + "' cannot be " + what + ": ${" + name + "} means " + meaning;
    }

    // ---- depends_on ---------------------------------------------------------------------------------------------

    private void checkDependsOn() {
        for (Step s : allSteps()) {
            Entry self = index.entry(s.name());
            if (self == null || self.step() != s) {
                continue; // a duplicate name, reported already
            }
            for (int j = 0; j < s.dependsOn().size(); j++) {
                String d = s.dependsOn().get(j);
                String at = s.pointer() + "/depends_on/" + j;
                Entry target = index.entry(d);
                if (d.equals(s.name())) {
                    add(Rules.WORKFLOW_DEPENDS_ON, doc.problemAt(at, "step '" + s.name() + "' depends on itself"));
                } else if (target == null) {
                    add(Rules.WORKFLOW_DEPENDS_ON, doc.problemAt(at, "step '" + s.name() + "' depends on '" + d
                            + "', which is no step of this workflow" + Suggestions.didYouMean(d, stepNames())));
                } else if (self.phase() == Phase.MAIN && target.phase() == Phase.ON_FAILURE) {
                    add(Rules.WORKFLOW_DEPENDS_ON, doc.problemAt(at, "step '" + s.name() + "' depends on '" + d
                            + "', which runs only after a failure (error_handling.on_step_failure)"));
                } else if (self.phase() != target.phase()) {
                    continue; // a failure handler after a main step: it ran (or failed) already
                } else if (target.group() == s) {
                    add(Rules.WORKFLOW_DEPENDS_ON, doc.problemAt(at, "parallel group '" + s.name() + "' cannot depend on its own step '"
                            + d + "'"));
                } else if (self.group() == target.step()) {
                    add(Rules.WORKFLOW_DEPENDS_ON, doc.problemAt(at, "step '" + s.name() + "' is inside group '" + d
                            + "' and cannot depend on it"));
                } else if (target.rank() > self.rank()) {
                    List<String> cycle = path(target.step(), s.name(), new ArrayList<>());
                    if (cycle != null) {
                        cycle.add(0, s.name());
                        add(Rules.WORKFLOW_CYCLE, doc.problemAt(at, "depends_on forms a cycle: " + String.join(" -> ", cycle)));
                    } else {
                        add(Rules.WORKFLOW_DEPENDS_ON, doc.problemAt(at, "step '" + s.name() + "' depends on '" + d
                                + "', which comes later (" + line(target.step().pointer())
                                + "); steps run in order, so a step can depend only on earlier steps"));
                    }
                } else if (target.rank() == self.rank() && self.group() != target.group()) {
                    add(Rules.WORKFLOW_DEPENDS_ON, doc.problemAt(at, "step '" + s.name() + "' cannot depend on '" + d + "'"));
                }
            }
        }
    }

    /** The depends_on path from {@code from} to step {@code to}, or null. */
    private List<String> path(Step from, String to, List<String> seen) {
        if (seen.contains(from.name())) {
            return null;
        }
        seen.add(from.name());
        for (String d : from.dependsOn()) {
            if (d.equals(to)) {
                List<String> p = new ArrayList<>(List.of(from.name(), d));
                return p;
            }
            Entry e = index.entry(d);
            if (e != null) {
                List<String> rest = path(e.step(), to, seen);
                if (rest != null) {
                    rest.add(0, from.name());
                    return rest;
                }
            }
        }
        return null;
    }

    private void checkCycles() {
        for (Step s : allSteps()) {
            if (!s.isParallel()) {
                continue;
            }
            Map<String, Step> siblings = new LinkedHashMap<>();
            s.steps().forEach(c -> siblings.put(c.name(), c));
            Map<String, Integer> state = new HashMap<>(); // 1 visiting, 2 done
            for (Step c : s.steps()) {
                visit(c, siblings, state, new ArrayList<>());
            }
        }
    }

    private void visit(Step step, Map<String, Step> siblings, Map<String, Integer> state, List<String> stack) {
        Integer st = state.get(step.name());
        if (st != null && st == 2) {
            return;
        }
        state.put(step.name(), 1);
        stack.add(step.name());
        for (int j = 0; j < step.dependsOn().size(); j++) {
            String d = step.dependsOn().get(j);
            Step next = siblings.get(d);
            if (next == null || d.equals(step.name())) {
                continue;
            }
            Integer ds = state.get(d);
            if (ds != null && ds == 1) {
                List<String> cycle = new ArrayList<>(stack.subList(stack.indexOf(d), stack.size()));
                cycle.add(d);
                add(Rules.WORKFLOW_CYCLE, doc.problemAt(step.pointer() + "/depends_on/" + j,
                        "depends_on forms a cycle: " + String.join(" -> ", cycle)));
            } else if (ds == null) {
                visit(next, siblings, state, stack);
            }
        }
        stack.remove(stack.size() - 1);
        state.put(step.name(), 2);
    }

    // ---- retry policy -------------------------------------------------------------------------------------------

    private void checkRetryPolicy() {
        List<String> on = workflow.retryPolicy().retryOnSteps();
        for (int j = 0; j < on.size(); j++) {
            String name = on.get(j);
            String at = "/error_handling/retry_policy/retry_on_steps/" + j;
            Entry e = index.entry(name);
            if (e == null) {
                add(Rules.WORKFLOW_RETRY_STEP, doc.problemAt(at, "retry_on_steps names '" + name + "', which is no step of this workflow"
                        + Suggestions.didYouMean(name, stepNames())));
            } else if (e.step().isParallel()) {
                add(Rules.WORKFLOW_RETRY_STEP, doc.problemAt(at, "'" + name
                        + "' is a parallel group; name the steps in it that should be retried"));
            }
        }
    }

    // ---- expressions --------------------------------------------------------------------------------------------

    private void checkExpressions() {
        for (Step s : allSteps()) {
            if (s.isParallel() || index.entry(s.name()) == null || index.entry(s.name()).step() != s) {
                continue;
            }
            eachTemplateString(s, (pointer, value) -> checkString(s, pointer, value));
        }
    }

    /** Calls {@code action} with each string value of a step's templates (input, intent_type, payload). */
    public static void eachTemplateString(Step s, BiConsumer<String, String> action) {
        if (s.input() != null) {
            walk(s.input(), s.pointer() + "/input", action);
        }
        if (s.intentType() != null) {
            action.accept(s.pointer() + "/intent_type", s.intentType());
        }
        if (s.payload() != null) {
            walk(s.payload(), s.pointer() + "/payload", action);
        }
    }

    /**
     * Calls {@code action} with each {@code ${...}} of a step's templates and the pointer of the string it is in;
     * strings that do not parse are skipped (the loader reports them).
     */
    public static void eachExpression(Step s, BiConsumer<String, Expression> action) {
        eachTemplateString(s, (pointer, value) -> {
            if (!Template.mayContainExpression(value)) {
                return;
            }
            try {
                Template.parse(value).placeholders().forEach(ph -> action.accept(pointer, ph.expression()));
            } catch (Template.ExpressionSyntaxException e) {
                // reported by the loader
            }
        });
    }

    private static void walk(JsonNode node, String pointer, BiConsumer<String, String> action) {
        if (node.isObject()) {
            for (var e : node.properties()) {
                walk(e.getValue(), pointer + "/" + YamlDocument.escape(e.getKey()), action);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), pointer + "/" + i, action);
            }
        } else if (node.isString()) {
            action.accept(pointer, node.asString());
        }
    }

    private void checkString(Step s, String pointer, String value) {
        if (!Template.mayContainExpression(value)) {
            return;
        }
        Template template;
        try {
            template = Template.parse(value);
        } catch (Template.ExpressionSyntaxException e) {
            add(Rules.EXPRESSION_SYNTAX, text.at(pointer, e.expressionText(), "step '" + s.name() + "': bad expression '"
                    + e.expressionText() + "': " + e.getMessage()));
            return;
        }
        for (Template.Placeholder ph : template.placeholders()) {
            Why why = rootProblem(s, ph.expression());
            if (why == null) {
                String afterLength = pathAfterLength(ph.expression());
                why = afterLength == null ? null : new Why(Rules.EXPRESSION_INVALID_PATH, afterLength);
            }
            if (why != null) {
                add(why.rule(), text.at(pointer, ph.expression().text(), "step '" + s.name() + "': " + why.text()));
            }
        }
    }

    /**
     * Why a path goes on after {@code .length}, which at run time is always a number (the size of a list, map or
     * string) or missing, so that whatever follows it is missing; null when it does not (or a default covers it).
     */
    private static String pathAfterLength(Expression e) {
        if (e.hasDefault()) {
            return null;
        }
        List<Expression.Accessor> path = e.path();
        for (int i = Scope.ENV.equals(e.root()) ? 1 : 0; i < path.size() - 1; i++) {
            if (path.get(i) instanceof Expression.Member m && m.isLength()) {
                return e.text() + ": '.length' gives a number, so '" + path.get(i + 1) + "' cannot follow it"
                        + " (a member named length is [\"length\"])";
            }
        }
        return null;
    }

    private record Why(Rule rule, String text) {
    }

    /** Why the root of {@code e} cannot exist in step {@code s}, or null when it can. */
    private Why rootProblem(Step s, Expression e) {
        Entry self = index.entry(s.name());
        switch (e.root()) {
            case Scope.INPUT:
                return null;
            case Scope.ENV:
                return e.path().isEmpty() || !(e.path().get(0) instanceof Expression.Member)
                        ? new Why(Rules.EXPRESSION_INVALID_PATH, e.text() + ": 'env' needs a variable name, as in ${env.NAME}")
                        : null;
            case Scope.ERROR:
                if (self.phase() != Phase.ON_FAILURE) {
                    return new Why(Rules.EXPRESSION_UNAVAILABLE, e.text() + ": 'error' exists only in error_handling.on_step_failure");
                }
                if (!e.path().isEmpty()) {
                    Expression.Accessor a = e.path().get(0);
                    String name = a instanceof Expression.Member m ? m.name()
                            : a instanceof Expression.Key k ? k.name() : null;
                    if (!"step".equals(name) && !"message".equals(name)) {
                        return new Why(Rules.EXPRESSION_INVALID_PATH, e.text() + ": 'error' has only 'step' and 'message'");
                    }
                }
                return null;
            default:
                Entry target = index.byRoot(e.root());
                if (target == null) {
                    List<String> roots = index.availableRoots(s);
                    List<String> all = new ArrayList<>(List.of(Scope.INPUT, Scope.ENV, Scope.ERROR));
                    index.entries().forEach(x -> {
                        all.add(x.step().name());
                        if (x.step().output() != null) {
                            all.add(x.step().output());
                        }
                    });
                    return new Why(Rules.EXPRESSION_UNKNOWN_ROOT, "unknown root '" + e.root() + "' in " + e.text()
                            + Suggestions.didYouMean(e.root(), all) + "; roots here: " + String.join(", ", roots));
                }
                String reason = index.unavailableBecause(s, target);
                return reason == null ? null
                        : new Why(Rules.EXPRESSION_UNAVAILABLE, e.text() + " cannot be resolved here: " + reason);
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private void add(Rule rule, Problem problem) {
        problems.add(problem.as(rule));
    }

    private List<Step> allSteps() {
        List<Step> all = new ArrayList<>(workflow.allSteps());
        for (Step s : workflow.onStepFailure()) {
            all.add(s);
            all.addAll(s.steps());
        }
        return all;
    }

    private List<String> stepNames() {
        List<String> names = new ArrayList<>();
        allSteps().forEach(s -> names.add(s.name()));
        return names;
    }

    private String line(String pointer) {
        return "line " + doc.positionOf(pointer).line();
    }
}
