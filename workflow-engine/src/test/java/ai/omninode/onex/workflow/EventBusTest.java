package ai.omninode.onex.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.ValidationException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventBusTest {
    private static final String STEPS = """
            steps:
              - name: publish
                type: effect
                effect_node: kafka_event_effect
                input: {topic: %s, event_type: DONE, payload: {}}
            """;

    private static Workflow load(String eventBus, String topic) {
        return new WorkflowLoader().load("flow.yaml", "name: flow\nversion: {major: 2, minor: 1, patch: 0}\n"
                + eventBus + STEPS.formatted(topic));
    }

    private static List<String> problems(String eventBus, String topic) {
        try {
            load(eventBus, topic);
            return List.of();
        } catch (ValidationException e) {
            return e.problems().stream().map(Problem::toString).toList();
        }
    }

    @Test
    void theSectionIsReadWithItsTopics() {
        Workflow w = load("event_bus:\n  subscribe_topics: [a.requested.v1, b.v1]\n  publish_topics: [done.v1]\n",
                "done.v1");

        EventBus bus = w.eventBus().orElseThrow();
        assertThat(bus.subscribeTopics()).containsExactly("a.requested.v1", "b.v1");
        assertThat(bus.publishTopics()).containsExactly("done.v1");
    }

    @Test
    void aWorkflowWithoutTheSectionHasNone() {
        assertThat(load("", "done.v1").eventBus()).isEmpty();
    }

    @Test
    void theDocumentIngestionExampleSubscribesToItsRequestTopic() {
        Workflow w = new WorkflowLoader().load(Path.of("../examples/document_ingestion.yaml"));

        assertThat(w.eventBus().orElseThrow().subscribeTopics()).containsExactly("documents.ingest.requested.v1");
    }

    @Test
    void subscribeTopicsMustBeKafkaTopicsAndAtLeastOne() {
        assertThat(problems("event_bus:\n  subscribe_topics: []\n", "done.v1")).singleElement().asString()
                .startsWith("flow.yaml:4:21: error:");
        assertThat(problems("event_bus:\n  subscribe_topics: [\"a b\"]\n", "done.v1")).singleElement().asString()
                .startsWith("flow.yaml:4:22: error:").contains("a b");
        assertThat(problems("event_bus:\n  subscribe_topics: [\"" + "t".repeat(246) + "\"]\n", "done.v1"))
                .singleElement().asString().contains("245");
        assertThat(problems("event_bus:\n  publish_topics: [x]\n", "done.v1"))
                .anySatisfy(p -> assertThat(p).contains("missing required field 'subscribe_topics'"));
        assertThat(problems("event_bus:\n  subscribe_topics: [x]\n  subscribe_topic: [y]\n", "done.v1"))
                .singleElement().asString().contains("subscribe_topic");
    }

    @Test
    void aStepThatPublishesToATriggerTopicIsAnErrorAtItsTopic() {
        assertThat(problems("event_bus:\n  subscribe_topics: [loop.v1]\n", "loop.v1")).singleElement().asString()
                .startsWith("flow.yaml:9:20: error: step 'publish' publishes to 'loop.v1', a topic this workflow"
                        + " subscribes to");
    }

    @Test
    void aStepThatPublishesToATopicPublishTopicsDoesNotListIsAnError() {
        assertThat(problems("event_bus:\n  subscribe_topics: [in.v1]\n  publish_topics: [out.v1]\n", "other.v1"))
                .singleElement().asString().contains("publishes to 'other.v1', which event_bus.publish_topics does"
                        + " not list (it lists out.v1)");
        assertThat(problems("event_bus:\n  subscribe_topics: [in.v1]\n  publish_topics: [out.v1]\n",
                "\"${input.topic}\"")).as("a computed topic is known only at run time").isEmpty();
    }

    @Test
    void fullTopicsCarryThePrefixAsTheKafkaNodeWritesThem() {
        assertThat(EventBus.fullTopic("dev.archon-intelligence", "a.v1")).isEqualTo("dev.archon-intelligence.a.v1");
        assertThat(EventBus.fullTopic("", "a.v1")).isEqualTo("a.v1");
    }

    @Test
    void aMissingSectionIsNotAnErrorWhenLoadingForRun() {
        assertThatThrownBy(() -> load("event_bus: {}\n", "x")).isInstanceOf(ValidationException.class)
                .hasMessageContaining("subscribe_topics");
    }
}
