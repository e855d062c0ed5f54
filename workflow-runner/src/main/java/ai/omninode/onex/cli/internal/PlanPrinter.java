package ai.omninode.onex.cli.internal;

import ai.omninode.onex.workflow.WorkflowPlan;
import ai.omninode.onex.workflow.WorkflowPlan.PlannedStep;
import java.io.PrintWriter;
import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** {@code onex run --dry-run} for people: the steps in order, what each would receive, and the verdict. */
public final class PlanPrinter {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int LONG_TEXT = 60;
    private static final int MANY_ITEMS = 8;

    private PlanPrinter() {
    }

    public static void print(WorkflowPlan plan, PrintWriter out) {
        out.printf("plan of workflow %s %s (%s); nothing runs (--dry-run)%n", plan.workflow().name(),
                plan.workflow().version(), plan.workflow().source());
        boolean handlers = false;
        for (PlannedStep p : plan.steps()) {
            if (p.onFailure() && !handlers) {
                handlers = true;
                out.println("on_step_failure (only after a main step failed; ${error.step} and ${error.message} say"
                        + " which and why):");
            }
            String indent = p.group() != null ? "  " : "";
            String what = p.step().isParallel() ? "its steps run at the same time, each after its depends_on"
                    : p.step().node();
            String after = p.waitsFor().isEmpty() ? "" : "  (after " + String.join(", ", p.waitsFor()) + ")";
            out.println(String.format(Locale.ROOT, "  %-5s %-30s %-10s %s%s", p.position(), indent + p.step().name(),
                    p.step().type().yamlName(), what, after).stripTrailing());
            if (p.input() != null) {
                out.println("        " + indent + "input: " + JSON.writeValueAsString(shorten(p.input())));
            }
        }
        if (plan.problems().isEmpty()) {
            out.println("ok: no problem found; values still written as ${...} are known only once the steps they"
                    + " name have run");
        }
        out.flush();
    }

    /** Long strings and lists cut for reading: {@code "Ada Lovel... (312 characters)"}. */
    static JsonNode shorten(JsonNode node) {
        if (node.isString() && node.asString().length() > LONG_TEXT) {
            String s = node.asString();
            return JsonNodeFactory.instance.stringNode(s.substring(0, LONG_TEXT - 3) + "... (" + s.length()
                    + " characters)");
        }
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            node.properties().forEach(e -> out.set(e.getKey(), shorten(e.getValue())));
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (int i = 0; i < node.size() && i < MANY_ITEMS; i++) {
                out.add(shorten(node.get(i)));
            }
            if (node.size() > MANY_ITEMS) {
                out.add("... (" + node.size() + " items)");
            }
            return out;
        }
        return node;
    }
}
