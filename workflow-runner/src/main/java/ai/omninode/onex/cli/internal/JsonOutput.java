package ai.omninode.onex.cli.internal;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.runtime.DiscoveredNode;
import ai.omninode.onex.workflow.Step;
import ai.omninode.onex.workflow.StepResult;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowPlan;
import ai.omninode.onex.workflow.WorkflowResult;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** The machine-readable forms of {@code --output json}. Keys are snake_case, like the workflow format. */
public final class JsonOutput {
    private static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    private static final JsonMapper COMPACT = JsonMapper.builder().build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonOutput() {
    }

    public static String write(ObjectNode node) {
        return MAPPER.writeValueAsString(node);
    }

    public static ObjectNode result(WorkflowResult r) {
        ObjectNode out = NODES.objectNode();
        out.put("workflow", r.workflow());
        out.put("version", r.version());
        out.put("file", r.source());
        out.put("status", r.succeeded() ? "succeeded" : "failed");
        out.put("duration_ms", r.duration().toMillis());
        putRun(out, r);
        ArrayNode steps = out.putArray("steps");
        for (StepResult s : r.steps()) {
            putStep(steps.addObject(), s);
        }
        putEvents(out, r);
        out.set("node_metrics", MAPPER.valueToTree(r.nodeMetrics()));
        return out;
    }

    /** One step's result, as a run's JSON result lists it. */
    private static void putStep(ObjectNode o, StepResult s) {
        o.put("name", s.name());
        if (s.group() != null) {
            o.put("group", s.group());
        }
        if (s.handler()) {
            o.put("on_step_failure", true);
        }
        o.put("status", s.status().name().toLowerCase(Locale.ROOT));
        if (s.node() != null) {
            o.put("node", s.node());
        }
        o.put("attempts", s.attempts());
        o.put("duration_ms", s.duration().toMillis());
        if (s.output() != null) {
            o.set("output", s.output());
        }
        if (s.error() != null) {
            o.put("error", s.error());
        }
        if (s.problem() != null) {
            o.put("location", location(s.problem()));
        }
        if (s.outcomeUnknown()) {
            o.put("outcome_unknown", true);
        }
        if (s.continued()) {
            o.put("continued", true);
        }
    }

    /**
     * A single run cut off by Ctrl-C before it ended, for {@code --output json}: what is known, the steps that ended
     * and those under way (their outcome unknown), so that a script gets its JSON result in this case too.
     */
    public static ObjectNode interrupted(RunWatch watch, String runKey, String message) {
        ObjectNode out = NODES.objectNode();
        Workflow w = watch.workflow();
        out.put("workflow", w == null ? null : w.name());
        out.put("file", w == null ? null : w.source());
        out.put("status", "interrupted");
        out.put("run_key", runKey);
        ArrayNode steps = out.putArray("steps");
        for (StepResult s : watch.finished()) {
            putStep(steps.addObject(), s);
        }
        String first = null;
        for (Step s : watch.inFlight()) {
            steps.addObject().put("name", s.name()).put("status", "cut_off").put("node", s.node())
                    .put("outcome_unknown", true);
            first = first == null ? s.name() : first;
        }
        ObjectNode f = out.putObject("failure");
        f.put("step", first);
        f.put("message", message);
        return out;
    }

    /** Who the run was (run key, correlation and trace ids) and where it failed. */
    private static void putRun(ObjectNode out, WorkflowResult r) {
        out.put("run_key", r.runKey());
        out.put("correlation_id", r.correlationId() == null ? null : r.correlationId().toString());
        out.put("trace_id", r.traceId());
        if (r.failure() == null) {
            out.putNull("failure");
        } else {
            ObjectNode f = out.putObject("failure");
            f.put("step", r.failure().step());
            f.put("message", r.failure().message());
            if (r.failure().problem() != null) {
                f.put("location", location(r.failure().problem()));
            }
        }
    }

    /** Where each published event went. */
    private static void putEvents(ObjectNode out, WorkflowResult r) {
        ArrayNode events = out.putArray("events");
        for (StepResult.Published p : r.published()) {
            ObjectNode e = events.addObject();
            e.put("step", p.step());
            e.put("event_type", p.eventType());
            e.put("topic", p.topic());
            e.put("partition", p.partition());
            e.put("offset", p.offset());
        }
    }

    /** One line of JSON Lines: no line breaks inside. */
    public static String writeLine(ObjectNode node) {
        return COMPACT.writeValueAsString(node);
    }

    /**
     * One input of a batch: which one ({@code input}: {@code file:line} or the file; {@code index}, 1-based; {@code
     * line} for JSON Lines), its {@code status} (succeeded, failed, invalid), and for a run that happened its run key,
     * correlation and trace ids, duration, failure, the steps (status, attempts, duration, error; the output of a
     * failed step, which holds what its node said, e.g. the Kafka node's envelope) and the events published.
     */
    public static ObjectNode batchLine(BatchSummary.Outcome o) {
        ObjectNode out = NODES.objectNode();
        out.put("input", o.input().name());
        out.put("index", o.input().index());
        if (o.input().line() > 0) {
            out.put("line", o.input().line());
        }
        out.put("status", o.status().name().toLowerCase(Locale.ROOT));
        out.put("duration_ms", o.nanos() / 1_000_000);
        WorkflowResult r = o.result();
        if (o.status() == BatchSummary.Status.INVALID) {
            putProblems(out, o.problems());
            return out;
        }
        if (r == null) {
            out.putObject("failure").put("message", o.error());
            return out;
        }
        putRun(out, r);
        ArrayNode steps = out.putArray("steps");
        for (StepResult s : r.steps()) {
            ObjectNode st = steps.addObject();
            st.put("name", s.name());
            st.put("status", s.status().name().toLowerCase(Locale.ROOT));
            st.put("attempts", s.attempts());
            st.put("duration_ms", s.duration().toMillis());
            if (s.error() != null) {
                st.put("error", s.error());
                if (s.output() != null) {
                    st.set("output", s.output());
                }
            }
            if (s.outcomeUnknown()) {
                st.put("outcome_unknown", true);
            }
        }
        putEvents(out, r);
        return out;
    }

    /** {@code --dry-run}: the steps in order with what each would receive, and the problems found. */
    public static ObjectNode plan(WorkflowPlan plan) {
        ObjectNode out = NODES.objectNode();
        out.put("workflow", plan.workflow().name());
        out.put("version", plan.workflow().version().toString());
        out.put("file", plan.workflow().source());
        out.put("status", plan.problems().isEmpty() ? "planned" : "invalid");
        ArrayNode steps = out.putArray("steps");
        for (WorkflowPlan.PlannedStep p : plan.steps()) {
            ObjectNode o = steps.addObject();
            o.put("position", p.position());
            o.put("name", p.step().name());
            o.put("type", p.step().type().yamlName());
            if (p.group() != null) {
                o.put("group", p.group());
            }
            if (p.onFailure()) {
                o.put("on_step_failure", true);
            }
            if (p.step().node() != null) {
                o.put("node", p.step().node());
            }
            ArrayNode after = o.putArray("after");
            p.waitsFor().forEach(after::add);
            if (p.input() != null) {
                o.set("input", p.input());
            }
        }
        putProblems(out, plan.problems());
        return out;
    }

    public static ObjectNode problems(int files, List<Problem> problems) {
        ObjectNode out = NODES.objectNode();
        out.put("files", files);
        out.put("valid", problems.isEmpty());
        putProblems(out, problems);
        return out;
    }

    /** The result of {@code onex run} when nothing ran (exit 2): the workflow file and why. */
    public static ObjectNode refused(String file, List<Problem> problems) {
        ObjectNode out = NODES.objectNode();
        out.put("file", file);
        out.put("status", "invalid");
        putProblems(out, problems);
        return out;
    }

    private static void putProblems(ObjectNode out, List<Problem> problems) {
        ArrayNode list = out.putArray("problems");
        for (Problem p : problems) {
            ObjectNode o = list.addObject();
            o.put("file", p.source());
            o.put("line", p.line());
            o.put("column", p.column());
            o.put("pointer", p.pointer());
            o.put("rule", p.rule());
            o.put("severity", p.severity().label());
            o.put("message", p.message());
        }
    }

    public static ObjectNode nodes(List<DiscoveredNode> nodes) {
        ObjectNode out = NODES.objectNode();
        ArrayNode list = out.putArray("nodes");
        for (DiscoveredNode n : nodes) {
            ObjectNode o = list.addObject();
            o.put("name", n.name());
            o.put("version", n.version());
            o.put("node_type", n.contract().nodeType());
            o.put("class", n.className());
            o.put("origin", n.origin());
            o.put("plugin", n.plugin());
        }
        return out;
    }

    /** {@code onex nodes NAME --output json}: the node and its contract's schemas, whole. */
    public static ObjectNode node(DiscoveredNode n) {
        ObjectNode o = NODES.objectNode();
        o.put("name", n.name());
        o.put("version", n.version());
        o.put("node_type", n.contract().nodeType());
        o.put("description", n.contract().description());
        o.put("class", n.className());
        o.put("origin", n.origin());
        o.put("plugin", n.plugin());
        ObjectNode schemas = o.putObject("schemas");
        n.contract().input().ifPresent(s -> schemas.set("input", s.schemaNode()));
        n.contract().output().ifPresent(s -> schemas.set("output", s.schemaNode()));
        n.contract().config().ifPresent(s -> schemas.set("config", s.schemaNode()));
        return o;
    }

    private static String location(Problem p) {
        return p.hasPosition() ? p.source() + ":" + p.line() + ":" + p.column() : p.source();
    }
}
