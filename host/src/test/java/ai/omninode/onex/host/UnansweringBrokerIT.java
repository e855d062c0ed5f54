package ai.omninode.onex.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.FaultyProxy;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowLoader;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A broker that hangs (a stopped process, a network that swallows answers) keeps its TCP connections open, and a
 * reconnect to it succeeds (its kernel accepts): the consumer's connection count says nothing. Readiness must come
 * from the heartbeats that go unanswered, and stay "not ready" while they do. The broker advertises a proxy that can
 * drop its responses, so it is this class's own (the shared broker advertises itself).
 */
class UnansweringBrokerIT {
    private static FaultyProxy proxy;
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void start() {
        proxy = FaultyProxy.start();
        broker = proxy.startBroker();
    }

    @AfterAll
    static void stop() {
        broker.close();
        proxy.close();
    }

    @Test
    void readinessFailsWhileTheBrokerKeepsItsConnectionsButAnswersNothingAndReturnsWhenItAnswersAgain() {
        Workflow echo = new WorkflowLoader().load("echo.yaml", """
                name: echo
                version: {major: 1, minor: 0, patch: 0}
                event_bus:
                  subscribe_topics: [hung.v1]
                steps:
                  - name: echo
                    type: compute
                    compute_node: test_echo
                    input: {}
                """);
        broker.createTopic("hung.v1", 1);
        try (OnexHost host = OnexHost.builder()
                .registry(NodeRegistry.builder().classLoader(getClass().getClassLoader()).build())
                // a request unanswered for 5 s (not the default 30) is given up and its connection made again: the
                // reconnect, which succeeds, falls in the time the test watches readiness stay down
                .settings(Map.of("KAFKA_BOOTSTRAP_SERVERS", proxy.address(), "ONEX_CONSUMER_REQUEST_TIMEOUT_MS", "5000"))
                .workflow(echo).drainTimeout(Duration.ofSeconds(2)).build()) {
            host.start();
            await().atMost(Duration.ofMinutes(1)).until(host::ready);

            proxy.dropResponses(true);
            await().atMost(Duration.ofMinutes(1)).until(() -> !host.ready());
            String why = host.status().get(0).kafka();
            // past the consumer's request timeout it reconnects, and the new connection counts: still not ready
            await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(20)).until(() -> !host.ready());
            proxy.dropResponses(false);
            await().atMost(Duration.ofMinutes(1)).until(host::ready);

            assertThat(why).as("what readiness says").isNotNull().contains("heartbeat to the group coordinator");
            assertThat(host.live()).isTrue();
        }
    }
}
