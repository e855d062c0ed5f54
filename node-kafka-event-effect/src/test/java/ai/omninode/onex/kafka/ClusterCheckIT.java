package ai.omninode.onex.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import ai.omninode.onex.node.ExecutionContext;
import ai.omninode.onex.node.NodeExecutionException;
import ai.omninode.onex.node.NodeSettingsException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster check: a host's initialization refuses an address no broker answers at (a settings error, naming the
 * address and where it came from), and a broker that stops answering while the node runs opens the breaker, so that
 * later calls fail at once instead of each waiting out the delivery timeout. On the JVM's shared broker, left running.
 */
class ClusterCheckIT {

    @AfterEach
    void brokerIsBackForTheNextTest() {
        SharedKafkaBroker.get();
    }

    private static String closedAddress() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + s.getLocalPort();
        }
    }

    private static Map<String, String> settings(String... pairs) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    @Test
    void aHostsInitializationRefusesAnAddressWhereNoBrokerAnswersNamingTheAddressAndTheSetting() throws Exception {
        String address = closedAddress();
        NodeKafkaEventEffect node = new NodeKafkaEventEffect();

        assertThatThrownBy(() -> node.initialize(settings("KAFKA_BOOTSTRAP_SERVERS", address,
                "KAFKA_EVENT_CLUSTER_CHECK_TIMEOUT_MS", "500")))
                .isInstanceOfSatisfying(NodeSettingsException.class,
                        e -> assertThat(e.settings()).containsExactly("KAFKA_BOOTSTRAP_SERVERS"))
                .hasMessageStartingWith("Kafka producer initialization failed: no Kafka broker answered at " + address
                        + " (KAFKA_BOOTSTRAP_SERVERS) within 500 ms")
                .hasMessageContaining("Set KAFKA_BOOTSTRAP_SERVERS to the brokers' host:port list");
        assertThatThrownBy(() -> node.execute(Map.of("topic", "t", "event_type", "E", "payload", Map.of())))
                .as("not initialized").isInstanceOf(IllegalStateException.class);
        node.shutdown();
    }

    @Test
    void anAddressThatDoesNotResolveIsRefusedBeforeAnyClientIsBuilt() {
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, null, props -> {
            throw new AssertionError("no producer for an address that does not resolve");
        });

        assertThatThrownBy(() -> node.initialize(settings("ONEX_KAFKA_BOOTSTRAP_SERVERS", "kafka.invalid:9092")))
                .isInstanceOfSatisfying(NodeSettingsException.class,
                        e -> assertThat(e.settings()).containsExactly("ONEX_KAFKA_BOOTSTRAP_SERVERS"))
                .hasMessageContaining("cannot resolve host kafka.invalid of the Kafka bootstrap servers kafka.invalid:9092"
                        + " (ONEX_KAFKA_BOOTSTRAP_SERVERS)");
        node.shutdown();
    }

    @Test
    void withoutTheSettingTheMessageNamesTheDefaultAddressAndTheVariableToSet() {
        NodeKafkaEventEffect node = new NodeKafkaEventEffect();

        assertThatThrownBy(() -> node.initialize(settings("KAFKA_EVENT_CLUSTER_CHECK_TIMEOUT_MS", "500")))
                .isInstanceOf(NodeSettingsException.class)
                .hasMessageContaining(ModelKafkaEventConfig.DEFAULT_BOOTSTRAP_SERVERS
                        + " (the default address; KAFKA_BOOTSTRAP_SERVERS is not set)")
                .hasMessageContaining("Set KAFKA_BOOTSTRAP_SERVERS");
        node.shutdown();
    }

    @Test
    void theJavaApisInitializeAndACheckTimeoutOfZeroConnectNowhere() throws Exception {
        String address = closedAddress();
        NodeKafkaEventEffect javaApi = new NodeKafkaEventEffect(null, ModelKafkaEventConfig.builder()
                .bootstrapServers(address).build());
        NodeKafkaEventEffect unchecked = new NodeKafkaEventEffect();
        try {
            javaApi.initialize();
            unchecked.initialize(settings("KAFKA_BOOTSTRAP_SERVERS", address, "KAFKA_EVENT_CLUSTER_CHECK_TIMEOUT_MS", "0"));

            assertThat(javaApi.toString()).contains("state=initialized");
            assertThat(unchecked.toString()).contains("state=initialized");
        } finally {
            javaApi.shutdown();
            unchecked.shutdown();
        }
    }

    @Test
    void aReachableClusterPassesTheCheck() {
        EmbeddedKafkaBroker broker = SharedKafkaBroker.get();
        NodeKafkaEventEffect node = new NodeKafkaEventEffect();
        try {
            long t0 = System.nanoTime();
            node.initialize(settings("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers()));
            System.out.printf("cluster check against the in-process broker: initialize took %d ms%n",
                    (System.nanoTime() - t0) / 1_000_000);
            assertThat(node.toString()).contains("state=initialized");
        } finally {
            node.shutdown();
        }
    }

    @Test
    void aBrokerThatStopsAnsweringOpensTheBreakerAtOnceAndTheNextCallsFailWithoutWaiting() throws Exception {
        EmbeddedKafkaBroker broker = SharedKafkaBroker.get();
        String prefix = Topics.unique("gone");
        NodeKafkaEventEffect node = new NodeKafkaEventEffect();
        // a delivery timeout far longer than the check: without the check, each attempt would wait it out, 4 times
        node.initialize(settings("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "KAFKA_TOPIC_PREFIX", prefix,
                "KAFKA_EVENT_CLUSTER_CHECK_TIMEOUT_MS", "1000", "KAFKA_EVENT_RETRY_BACKOFF_MS", "100",
                "ONEX_KAFKA_DELIVERY_TIMEOUT_MS", "120000", "ONEX_KAFKA_REQUEST_TIMEOUT_MS", "1000",
                "ONEX_KAFKA_RECONNECT_BACKOFF_MAX_MS", "200"));
        try {
            assertThat(node.execute(event("before"), ExecutionContext.none()).toCompletableFuture()
                    .get(60, TimeUnit.SECONDS)).containsEntry("success", true);
            broker.stop();

            // a topic not used before: the event waits for it, the cluster does not answer the check
            ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> node.execute(event("during"), ExecutionContext.none()).toCompletableFuture()
                            .get(100, TimeUnit.SECONDS));
            NodeExecutionException first = (NodeExecutionException) failed.getCause();
            assertThat(first.getMessage()).contains("Kafka is unreachable: no Kafka broker answered at "
                    + broker.bootstrapServers() + " within 1000 ms");
            assertThat(first.retriable()).as("nothing was sent: a later retry may succeed").isTrue();
            Map<String, Object> metrics = node.getMetrics();
            assertThat(metrics).as("opened by the check, not by 5 failed calls")
                    .containsEntry("circuit_breaker_status", "open").containsEntry("circuit_breaker_opens", 1L)
                    .containsEntry("events_failed", 1L);

            CompletableFuture<Map<String, Object>> next = node.execute(event("during"), ExecutionContext.none())
                    .toCompletableFuture();
            assertThat(next).as("refused at once, not after another wait").isCompletedExceptionally();
            assertThatThrownBy(next::join).hasCauseInstanceOf(NodeExecutionException.class)
                    .hasMessageContaining("Circuit breaker is open, refusing to publish events")
                    .hasMessageContaining("no Kafka broker answered at " + broker.bootstrapServers());
        } finally {
            node.shutdown();
            broker.start();
        }
    }

    /**
     * A hundred new topics at once queue their checks' admin requests on one connection, and the cluster check's own
     * request waited behind them past its time: it declared Kafka unreachable and opened the breaker, failing every
     * event (all 100, and 600 of 600 with the default check time) against a broker that answered every request.
     * Kafka answering the node's other requests meanwhile now counts as an answer.
     */
    @Test
    void hundredsOfNewTopicsAtOnceAreNotTakenForAnUnreachableCluster() throws Exception {
        NodeKafkaEventEffect node = new NodeKafkaEventEffect();
        node.initialize(settings("KAFKA_BOOTSTRAP_SERVERS", SharedKafkaBroker.get().bootstrapServers(),
                "KAFKA_EVENT_CLUSTER_CHECK_TIMEOUT_MS", "300", "KAFKA_TOPIC_PREFIX", "busy" + System.nanoTime()));
        try {
            java.util.List<CompletableFuture<Map<String, Object>>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < 100; i++) {
                calls.add(node.execute(event("t" + i)).toCompletableFuture());
            }
            for (CompletableFuture<Map<String, Object>> call : calls) {
                assertThat(call.get(2, TimeUnit.MINUTES)).containsEntry("success", true);
            }
            assertThat(node.getMetrics()).containsEntry("circuit_breaker_opens", 0L)
                    .containsEntry("events_published", 100L);
        } finally {
            node.shutdown();
        }
    }

    private static Map<String, Object> event(String topic) {
        return Map.of("topic", topic, "event_type", "E", "payload", Map.of("n", 1));
    }
}
