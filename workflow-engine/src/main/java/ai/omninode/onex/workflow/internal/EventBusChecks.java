package ai.omninode.onex.workflow.internal;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.contract.YamlDocument;
import ai.omninode.onex.workflow.EventBus;
import ai.omninode.onex.workflow.Step;
import ai.omninode.onex.workflow.Template;
import ai.omninode.onex.workflow.Workflow;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The rules of a workflow's {@code event_bus} section that its JSON Schema cannot say, checked without any node and
 * apart from the step checks ({@link WorkflowChecks}) so that either can change alone:
 * <ul>
 *   <li>no Kafka step publishes to a topic the workflow subscribes to (each run would trigger the next, for ever);</li>
 *   <li>when {@code publish_topics} is given, every Kafka step whose topic is written out names one of them.</li>
 * </ul>
 * Topics computed by {@code ${...}} are known only at run time and are not checked.
 */
public final class EventBusChecks {
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
}
