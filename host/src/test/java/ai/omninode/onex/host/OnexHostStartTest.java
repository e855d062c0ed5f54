package ai.omninode.onex.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowLoader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@link OnexHost#start()} refuses before it connects anywhere (the address given answers nowhere). */
class OnexHostStartTest {
    private static final Workflow ECHO = new WorkflowLoader().load("echo.yaml", """
            name: echo
            version: {major: 1, minor: 0, patch: 0}
            event_bus:
              subscribe_topics: [loop.in.v1]
            steps:
              - name: pub
                type: effect
                effect_node: kafka_event_effect
                input:
                  topic: loop.out.v1
                  event_type: ECHO
                  payload: {n: "${input.n:0}"}
            """);

    private static OnexHost.Builder host(List<String> topics, String prefix) {
        return OnexHost.builder().registry(NodeRegistry.builder().classLoader(OnexHostStartTest.class.getClassLoader())
                .build()).settings(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1", "KAFKA_TOPIC_PREFIX", prefix,
                        "KAFKA_EVENT_CLUSTER_CHECK_TIMEOUT_MS", "200"))
                .workflow(ECHO).topics(topics);
    }

    @Test
    void aTopicOptionThatNamesTheWorkflowsOwnOutputIsRefusedAsSubscribeTopicsWouldBe() {
        for (String prefix : List.of("", "dev")) {
            assertThatThrownBy(() -> host(List.of("loop.out.v1"), prefix).build().start())
                    .isInstanceOf(ValidationException.class)
                    .hasMessageContaining("step 'pub' publishes to 'loop.out.v1'")
                    .hasMessageContaining("(--topic): every run would trigger another")
                    .hasMessageStartingWith("echo.yaml:10:");
        }
    }

    @Test
    void aTopicOtherThanTheOutputIsNotRefusedForIt() {
        // refused later, for the address no broker answers at: the self-trigger check let it through
        assertThatThrownBy(() -> host(List.of("loop.in.v1"), "dev").build().start())
                .hasMessageContaining("no Kafka broker answered at 127.0.0.1:1")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("trigger another"));
    }

    @Test
    void aTopicKafkaWouldRefuseSaysWhyAndComesFromTheOptionNotTheFile() {
        assertThatThrownBy(() -> host(List.of("in.v1 "), "dev").build().start())
                .isInstanceOf(ValidationException.class)
                .hasMessage("--topic: error: trigger topic 'dev.in.v1 ' holds characters Kafka does not allow in a topic"
                        + " name (letters, digits, '.', '_' and '-' only)");
        String longest = "t".repeat(249 - ".dlq".length() - "dev.".length());
        assertThatThrownBy(() -> host(List.of(longest + "x"), "dev").build().start())
                .hasMessageContaining("is 246 characters long: its dead-letter topic (.dlq) would pass Kafka's 249");
        assertThatThrownBy(() -> host(List.of(longest), "dev").build().start())
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("trigger topic"));
    }
}
