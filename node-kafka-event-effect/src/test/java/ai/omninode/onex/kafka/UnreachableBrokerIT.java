package ai.omninode.onex.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * No broker at all behind {@code bootstrap.servers} (a port nothing listens on): what a user sees who mistyped the
 * address or started the node before the broker.
 */
class UnreachableBrokerIT {

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void eachAttemptEndsAfterDeliveryTimeoutNamingTheBrokersAndTheDeadLetterIsNotAwaitedAsLongAgain() throws Exception {
        String servers = "127.0.0.1:" + closedPort();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream originalErr = System.err;
        System.setErr(new PrintStream(new TeeStream(originalErr, log), true, StandardCharsets.UTF_8));
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, ModelKafkaEventConfig.builder()
                .bootstrapServers(servers).topicPrefix("nowhere").maxRetries(1).retryBackoffMs(50)
                .producerProperty("delivery.timeout.ms", "1500").producerProperty("request.timeout.ms", "1000")
                .build());
        try {
            node.initialize();

            ModelKafkaEventOutput out = node.executeEffect(ModelKafkaEventInput.builder().topic("t.v1").eventType("E")
                    .payload(Map.of("n", 1)).build()).get(60, TimeUnit.SECONDS);

            assertThat(out.success()).isFalse();
            assertThat(out.retries()).as("the node's own retry still happens").isEqualTo(1);
            assertThat(out.errorType()).isEqualTo(ModelKafkaEventOutput.RETRIES_EXHAUSTED);
            assertThat(out.error())
                    .startsWith("TimeoutException: topic nowhere.t.v1 was not ready within 1500 ms (bootstrap.servers "
                            + servers + ")")
                    .contains("(after 1 retries); dead-letter publish to nowhere.t.v1.dlq also failed: TimeoutException:"
                            + " topic nowhere.t.v1.dlq was not ready within 750 ms either");
            assertThat(out.deadLettered()).isFalse();
            assertThat(out.envelope()).contains(out.eventId().toString());
            Map<String, Object> metrics = node.getMetrics();
            assertThat(metrics).containsEntry("events_failed", 1L).containsEntry("dlq_failures", 1L)
                    .containsEntry("retries_attempted", 1L);
        } finally {
            node.shutdown();
            System.setErr(originalErr);
        }
        assertThat(log.toString(StandardCharsets.UTF_8)).as("a retry is worth a warning")
                .contains("WARN", "failed on attempt 1 of 2 (TimeoutException: topic nowhere.t.v1 was not ready within"
                        + " 1500 ms (bootstrap.servers " + servers + ")");
    }
}
