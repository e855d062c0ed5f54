package ai.omninode.onex.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.redpanda.RedpandaContainer;

/**
 * The node against Redpanda, the broker the Python original ran with. Needs Docker; without it (as on this
 * project's CI) JUnit reports the class as skipped.
 */
@Testcontainers(disabledWithoutDocker = true)
class RedpandaCompatibilityIT {

    @Container
    static final RedpandaContainer REDPANDA = new RedpandaContainer("docker.redpanda.com/redpandadata/redpanda:v24.2.4");

    @Test
    void publishesToRedpandaAndTheEventIsReadBackAtTheReportedPosition() throws Exception {
        String prefix = Topics.unique("rp");
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, ModelKafkaEventConfig.builder()
                .bootstrapServers(REDPANDA.getBootstrapServers()).topicPrefix(prefix).build());
        node.initialize();
        try {
            ModelKafkaEventOutput out = node.executeEffect(ModelKafkaEventInput.builder()
                    .topic("quality.assessed.v1").eventType("QUALITY_ASSESSED")
                    .payload(Map.of("quality_score", 0.87)).build()).get(60, TimeUnit.SECONDS);

            assertThat(out.success()).as("published: %s", out.error()).isTrue();
            List<ConsumerRecord<byte[], byte[]>> records = Consumers.readAll(REDPANDA.getBootstrapServers(),
                    out.topic(), 1, Duration.ofSeconds(30));
            assertThat(records).hasSize(1);
            assertThat(records.get(0).offset()).isEqualTo(out.offset());
            assertThat(new String(records.get(0).value(), UTF_8)).contains("\"event_type\":\"QUALITY_ASSESSED\"");
        } finally {
            node.shutdown();
        }
    }
}
