package ai.omninode.onex.workflow.internal;

import ai.omninode.onex.contract.JsonSchema;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.contract.Violation;
import ai.omninode.onex.contract.YamlDocument;
import ai.omninode.onex.workflow.EventBus;
import ai.omninode.onex.workflow.Step;
import ai.omninode.onex.workflow.Template;
import ai.omninode.onex.workflow.Workflow;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The rules of a workflow's {@code event_bus} section that its JSON Schema cannot say, checked without any node and
 * apart from the step checks ({@link WorkflowChecks}) so that either can change alone:
 * <ul>
 *   <li>{@code input_schema} is a usable JSON Schema (2020-12), each mistake at its line;</li>
 *   <li>no Kafka step publishes to a topic the workflow subscribes to (each run would trigger the next, for ever);</li>
 *   <li>when {@code publish_topics} is given, every Kafka step whose topic is written out names one of them.</li>
 * </ul>
 * Topics computed by {@code ${...}} are known only at run time and are not checked.
 */
public final class EventBusChecks {
    private static final String META_SCHEMA = "https://json-schema.org/draft/2020-12/schema";

    private final Workflow workflow;
    private final YamlDocument doc;
    private final List<Problem> problems;

    public EventBusChecks(Workflow workflow, List<Problem> problems) {
        this.workflow = workflow;
        this.doc = workflow.document();
        this.problems = problems;
    }

    public void run() {
        EventBus bus = workflow.eventBus().orElse(null);
        if (bus == null) {
            return;
        }
        if (bus.inputSchema() != null) {
            checkInputSchema(bus.inputSchema());
        }
        for (Step s : workflow.nodeSteps()) {
            if (!EventBus.KAFKA_NODE.equals(s.node()) || s.input() == null || !s.input().isObject()) {
                continue;
            }
            JsonNode topic = s.input().get("topic");
            if (topic == null || !topic.isString() || Template.mayContainExpression(topic.asString())) {
                continue;
            }
            String t = topic.asString();
            String at = s.pointer() + "/input/topic";
            if (bus.subscribeTopics().contains(t)) {
                problems.add(doc.problemAt(at, "step '" + s.name() + "' publishes to '" + t + "', a topic this"
                        + " workflow subscribes to (event_bus.subscribe_topics): under onex serve every run would"
                        + " trigger another").as(Rules.WORKFLOW_EVENT_BUS));
            } else if (!bus.publishTopics().isEmpty() && !bus.publishTopics().contains(t)) {
                problems.add(doc.problemAt(at, "step '" + s.name() + "' publishes to '" + t + "', which"
                        + " event_bus.publish_topics does not list (it lists " + String.join(", ", bus.publishTopics())
                        + ")").as(Rules.WORKFLOW_EVENT_BUS));
            }
        }
    }

    private void checkInputSchema(JsonNode schema) {
        String base = EventBus.POINTER + "/input_schema";
        List<Violation> violations = MetaHolder.META.validate(schema);
        for (Violation v : violations) {
            problems.add(JsonSchema.locate(doc, new Violation(base + v.pointer(), v.keyword(),
                    "event_bus.input_schema is not a valid JSON Schema: " + v.message())).as(Rules.WORKFLOW_EVENT_BUS));
        }
        if (!violations.isEmpty()) {
            return;
        }
        try {
            JsonSchema.of(schema, "event_bus.input_schema");
        } catch (RuntimeException e) {
            problems.add(doc.problemAt(base, "event_bus.input_schema is not a usable JSON Schema: " + e.getMessage())
                    .as(Rules.WORKFLOW_EVENT_BUS));
        }
    }

    private static final class MetaHolder {
        static final JsonSchema META = JsonSchema.of(
                JsonNodeFactory.instance.objectNode().put("$ref", META_SCHEMA), "json-schema-2020-12");
    }
}
