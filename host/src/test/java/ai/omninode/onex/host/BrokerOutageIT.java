package ai.omninode.onex.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.omninode.onex.host.internal.TriggerConsumer;
import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowLoader;
import ai.omninode.onex.workflow.testnodes.HookCompute;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The shared broker goes away under a host whose runs need no Kafka: readiness, and a stop that cannot commit. */
class BrokerOutageIT {
    private final EmbeddedKafkaBroker broker = SharedKafkaBroker.get();
    private final List<OnexHost> hosts = new ArrayList<>();
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void cleanUp() {
        HookCompute.HOOK.set(() -> { });
        hosts.forEach(OnexHost::close);
        if (!broker.isRunning()) {
            broker.start();
        }
    }

    private OnexHost host(String prefix, Duration drain, Integer httpPort) {
        Workflow hook = new WorkflowLoader().load("hook.yaml", """
                name: hook
                version: {major: 1, minor: 0, patch: 0}
                event_bus:
                  subscribe_topics: [hook.v1]
                steps:
                  - name: wait
                    type: compute
                    compute_node: test_hook
                    input: {}
                """);
        broker.createTopic(prefix + ".hook.v1", 1);
        OnexHost host = OnexHost.builder().registry(NodeRegistry.builder().classLoader(getClass().getClassLoader())
                        .build())
                .settings(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "KAFKA_TOPIC_PREFIX", prefix))
                .workflow(hook).drainTimeout(drain).httpPort(httpPort).events(events::add).build();
        hosts.add(host);
        host.start();
        await().atMost(Duration.ofMinutes(1)).until(host::ready);
        return host;
    }

    @Test
    void readinessFailsSoonAfterTheBrokerGoesAwayEvenWithNoRunToFailAndSaysWhy() throws Exception {
        OnexHost host = host(Triggers.prefix("ready"), Duration.ofSeconds(5), 0);
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + host.httpPort() + "/health/ready"))
                .build();

        broker.stop();
        // without a run to fail, only the consumer's own connection says that Kafka is gone
        await().atMost(Duration.ofMinutes(1)).until(() -> !host.ready());
        HttpResponse<String> down = http.send(ready, HttpResponse.BodyHandlers.ofString());
        broker.start();
        await().atMost(Duration.ofMinutes(1)).until(host::ready);

        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).contains("\"status\":\"not_ready\"", "\"kafka\":\"no connection to any Kafka broker for");
        assertThat(host.live()).isTrue();
        assertThat(http.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    @Test
    void aStopWhileKafkaIsDownEndsWithinTheDrainTimeoutPlusItsAllowanceAndSaysTheCommitFailed() throws Exception {
        String prefix = Triggers.prefix("stopdown");
        Duration drain = Duration.ofSeconds(2);
        OnexHost host = host(prefix, drain, null);
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HookCompute.HOOK.set(() -> {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (KafkaProducer<byte[], byte[]> producer = Triggers.producer(broker.bootstrapServers())) {
            producer.send(new ProducerRecord<>(prefix + ".hook.v1", null, "{}".getBytes(StandardCharsets.UTF_8))).get();
        }
        assertThat(running.await(1, TimeUnit.MINUTES)).isTrue();
        broker.stop();
        release.countDown(); // the run ends with Kafka gone: its offset can only be committed by the final commit

        host.stop();
        // the stop's own bound, with some slack for a busy machine; Kafka's timeouts alone would be 10 s per commit
        boolean stopped = host.awaitStopped(drain.toMillis() + TriggerConsumer.STOP_ALLOWANCE_MS + 3_000,
                TimeUnit.MILLISECONDS);

        assertThat(stopped).as("stopped within the drain timeout plus the allowance").isTrue();
        assertThat(host.stopProblems()).singleElement().asString().startsWith("workflow hook: the final commit failed: ");
        assertThat(String.join("\n", events)).contains("every run under way finished", "the final commit of "
                + prefix + ".hook.v1-0 at 1 failed", "will be delivered again").doesNotContain("offsets committed");
        // closing the nodes and clients is bounded too (a bound on a hang, with slack, not a speed target)
        java.util.concurrent.CompletableFuture.runAsync(host::close)
                .get(OnexHost.CLOSE_ALLOWANCE_MS + 3_000, TimeUnit.MILLISECONDS);
    }
}
