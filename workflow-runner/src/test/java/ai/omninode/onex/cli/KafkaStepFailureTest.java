package ai.omninode.onex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import ai.omninode.onex.workflow.testnodes.HookCompute;
import ai.omninode.onex.workflow.testnodes.TestNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A workflow whose Kafka step fails in the middle of a run, through {@code onex run}: the rest of the main steps is
 * skipped, {@code on_step_failure} runs with the failed step and its error, and the CLI exits 1.
 */
class KafkaStepFailureTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Path WORKFLOW = Path.of("src/test/resources/workflows/run/kafka_mid_run.yaml");

    @TempDir
    Path plugins;

    @BeforeEach
    void copyPluginJars() throws IOException {
        TestNode.reset();
        Cli.copyPluginJars(plugins);
    }

    @AfterEach
    void noHook() {
        HookCompute.HOOK.set(() -> { });
    }

    @Test
    void theBrokerStopsBetweenTwoKafkaStepsOnStepFailureRunsAndTheCliExitsOne() {
        EmbeddedKafkaBroker broker = SharedKafkaBroker.get();
        String prefix = "midrun-" + UUID.randomUUID().toString().substring(0, 8);
        // made up front: the first step's 1.5 s must not depend on how fast a loaded machine creates a topic
        broker.createTopic(prefix + ".midrun.started", 1);
        broker.createTopic(prefix + ".midrun.started.dlq", 1);
        try {
            HookCompute.HOOK.set(broker::stop);
            long t0 = System.nanoTime();
            Cli.Result r = Cli.onex("run", WORKFLOW.toString(), "--plugins", plugins.toString(),
                    "--input", "document_id=doc-1", "--output", "json",
                    "--set", "KAFKA_BOOTSTRAP_SERVERS=" + broker.bootstrapServers(),
                    "--set", "KAFKA_TOPIC_PREFIX=" + prefix,
                    "--set", "KAFKA_EVENT_MAX_RETRIES=0",
                    "--set", "ONEX_KAFKA_DELIVERY_TIMEOUT_MS=1500", "--set", "ONEX_KAFKA_REQUEST_TIMEOUT_MS=1000");
            Duration took = Duration.ofNanos(System.nanoTime() - t0);

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(Onex.WORKFLOW_FAILED);
            JsonNode result = JSON.readTree(r.out());
            assertThat(result.get("status").asString()).isEqualTo("failed");
            assertThat(result.get("failure").get("step").asString()).isEqualTo("publish_completed");
            assertThat(result.get("failure").get("message").asString()).contains("TimeoutException");
            assertThat(status(result, "publish_started")).isEqualTo("succeeded");
            assertThat(status(result, "between")).isEqualTo("succeeded");
            assertThat(status(result, "publish_completed")).isEqualTo("failed");
            assertThat(status(result, "after")).isEqualTo("skipped");
            assertThat(status(result, "record_failure")).isEqualTo("succeeded");
            JsonNode failed = step(result, "publish_completed").get("output");
            assertThat(failed).as("what the Kafka node said with the failure").isNotNull();
            assertThat(failed.get("success").asBoolean()).isFalse();
            assertThat(failed.get("error_type").isString()).isTrue();
            assertThat(failed.get("dead_lettered").isBoolean()).isTrue();
            assertThat(failed.get("envelope").get("event_type").asString()).isEqualTo("DOCUMENT_COMPLETED");
            assertThat(TestNode.calls("test_echo")).containsExactly(Map.of("failed_step", "publish_completed",
                    "why", result.get("failure").get("message").asString()));
            assertThat(r.err()).doesNotContain("\tat ").doesNotContain("internal error");
            System.out.printf("broker stopped mid-run: onex run exited %d after %d ms%n", r.exitCode(), took.toMillis());
        } finally {
            broker.start(); // the shared broker, for the next test
        }
    }

    @Test
    void aNonRetriableKafkaErrorMidRunRunsOnStepFailureWhichPublishesTheFailureAndTheCliExitsOne() {
        EmbeddedKafkaBroker broker = SharedKafkaBroker.get();
        String prefix = "midrun-" + UUID.randomUUID().toString().substring(0, 8);
        broker.createTopic(prefix + ".small", 1, Map.of("max.message.bytes", "1024"));
        Cli.Result r = Cli.onex("run", WORKFLOW.toString(), "--plugins", plugins.toString(),
                "--input", "document_id=doc-2", "--input", "topic=small", "--input", "text=" + incompressible(4000),
                "--set", "KAFKA_BOOTSTRAP_SERVERS=" + broker.bootstrapServers(), "--set", "KAFKA_TOPIC_PREFIX=" + prefix);

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(Onex.WORKFLOW_FAILED);
        assertThat(r.out()).contains("step publish_completed failed; running on_step_failure")
                .containsPattern("(?m)^  FAILED  publish_completed .*RecordTooLargeException")
                .containsPattern("(?m)^  skipped after")
                .containsPattern("(?m)^  ok +on_failure: record_failure")
                .containsPattern("(?m)^  ok +on_failure: publish_failure .*topic " + prefix + "\\.midrun\\.failed");
        assertThat(r.err()).doesNotContain("\tat ");

        List<ConsumerRecord<String, String>> failed = read(broker, prefix + ".midrun.failed", 1);
        assertThat(failed).hasSize(1);
        JsonNode payload = JSON.readTree(failed.get(0).value()).get("payload");
        assertThat(payload.get("failed_step").asString()).isEqualTo("publish_completed");
        assertThat(payload.get("error_message").asString()).startsWith("publishing DOCUMENT_COMPLETED event")
                .contains("RecordTooLargeException").contains("(sent to " + prefix + ".small.dlq)");
        assertThat(read(broker, prefix + ".small", 0)).as("nothing in the topic that refused it").isEmpty();
        assertThat(read(broker, prefix + ".small.dlq", 1)).as("the event is in its dead-letter topic").hasSize(1);
    }

    /**
     * Text that lz4 (the Kafka node's default compression) cannot shrink below the topic's 1024 bytes, as it would
     * 4000 repeated characters.
     */
    private static String incompressible(int length) {
        java.util.Random random = new java.util.Random(7);
        String chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(chars.charAt(random.nextInt(chars.length())));
        }
        return sb.toString();
    }

    private static JsonNode step(JsonNode result, String step) {
        for (JsonNode s : result.get("steps")) {
            if (s.get("name").asString().equals(step)) {
                return s;
            }
        }
        throw new AssertionError("no step " + step + " in " + result);
    }

    private static String status(JsonNode result, String step) {
        for (JsonNode s : result.get("steps")) {
            if (s.get("name").asString().equals(step)) {
                return s.get("status").asString();
            }
        }
        throw new AssertionError("no step " + step + " in " + result);
    }

    static List<ConsumerRecord<String, String>> read(EmbeddedKafkaBroker broker, String topic, int expected) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        assertThat(out.size()).as("records in " + topic).isGreaterThanOrEqualTo(expected);
        return out;
    }
}
