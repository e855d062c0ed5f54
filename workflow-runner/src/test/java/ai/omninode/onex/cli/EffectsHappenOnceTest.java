package ai.omninode.onex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.FaultyProxy;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.RunOptions;
import ai.omninode.onex.workflow.Step;
import ai.omninode.onex.workflow.StepResult;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowListener;
import ai.omninode.onex.workflow.WorkflowLoader;
import ai.omninode.onex.workflow.WorkflowResult;
import ai.omninode.onex.workflow.WorkflowRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A workflow step never stores its event twice, whatever its timeout, and every copy of one logical event (a re-run
 * of the same run) carries one {@code event_id}. Against a real broker behind a proxy that can lose the broker's
 * answers, with the Kafka node loaded from its plugin jar as {@code onex run} loads it.
 *
 * <p>This class starts a broker of its own (not the test JVM's shared one): the lost-acknowledgement fault needs a
 * broker that advertises the proxy's address.
 */
class EffectsHappenOnceTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Path WORKFLOWS = Path.of("src/test/resources/workflows/once");
    private static FaultyProxy proxy;
    private static EmbeddedKafkaBroker broker;

    @TempDir
    static Path plugins;

    @TempDir
    Path work;

    @BeforeAll
    static void start() throws IOException {
        proxy = FaultyProxy.start();
        broker = proxy.startBroker();
        Cli.copyPluginJars(plugins);
    }

    @AfterAll
    static void stop() {
        broker.close();
        proxy.close();
    }

    @AfterEach
    void heal() {
        proxy.dropResponses(false);
    }

    /** A runner with nodes of its own (closing a runner closes its nodes), loaded from the plugin jars. */
    private record Session(NodeRegistry registry, WorkflowRunner runner) implements AutoCloseable {
        WorkflowResult run(Workflow workflow, JsonNode input, RunOptions options) {
            return runner.run(workflow, input, options);
        }

        @Override
        public void close() {
            runner.close();
            registry.close();
        }
    }

    private static Session runner(String prefix, WorkflowListener listener, String... settings) {
        NodeRegistry registry = NodeRegistry.builder().pluginDirectory(plugins).build();
        WorkflowRunner.Builder b = WorkflowRunner.builder().registry(registry).listener(listener)
                .setting("KAFKA_BOOTSTRAP_SERVERS", proxy.address())
                .setting("KAFKA_TOPIC_PREFIX", prefix)
                .setting("KAFKA_EVENT_RETRY_BACKOFF_MS", "50");
        for (int i = 0; i < settings.length; i += 2) {
            b.setting(settings[i], settings[i + 1]);
        }
        return new Session(registry, b.build());
    }

    private Workflow workflow(String file, String timeoutMs) throws IOException {
        String text = Files.readString(WORKFLOWS.resolve(file)).replace("${TIMEOUT_MS}", timeoutMs);
        Path copy = work.resolve(file);
        Files.writeString(copy, text);
        return new WorkflowLoader().load(copy);
    }

    private static JsonNode input(String topic) {
        return JSON.createObjectNode().put("topic", topic).put("document_id", "doc-1");
    }

    /** Every record of the topic, after everything sent to it was answered (the runner closed its nodes). */
    private static List<ConsumerRecord<byte[], byte[]>> records(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, proxy.address());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            if (consumer.partitionsFor(topic, Duration.ofSeconds(10)).isEmpty()) {
                return List.of();
            }
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                assertThat(System.nanoTime()).as("read %s to its end", topic).isLessThan(deadline);
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    private static String eventId(ConsumerRecord<byte[], byte[]> r) {
        return new String(r.headers().lastHeader("event_id").value(), StandardCharsets.UTF_8);
    }

    private static String eventType(ConsumerRecord<byte[], byte[]> r) {
        return new String(r.headers().lastHeader("event_type").value(), StandardCharsets.UTF_8);
    }

    /**
     * The reported case: a fresh topic, a step timeout shorter than the first publish (the topic is created first),
     * and a retry policy naming the step. It used to leave one copy per attempt, each with its own event_id.
     */
    @ParameterizedTest(name = "timeout_ms: {0}")
    @CsvSource({"20, 73e4e210-455d-5054-8d5b-6f5ee1de9969", "150, 11e839e1-905b-5165-9dae-d7e65b6fff25"})
    void aStepTimeoutShorterThanTheFirstPublishStoresTheEventAtMostOnceAndSaysWhatHappened(String timeoutMs,
            String expectedEventId) throws IOException {
        String prefix = "once-" + UUID.randomUUID().toString().substring(0, 8);
        WorkflowResult result;
        try (Session runner = runner(prefix, WorkflowListener.NONE)) {
            result = runner.run(workflow("timed_publish.yaml", timeoutMs), input("fresh"),
                    RunOptions.withKey("timeout-" + timeoutMs));
        } // the nodes are closed: every record sent was answered or given up

        List<ConsumerRecord<byte[], byte[]>> copies = records(prefix + ".fresh");
        StepResult step = result.step("publish").orElseThrow();
        assertThat(copies).as("copies of the event in the topic; the step said: %s", step.error()).hasSizeLessThanOrEqualTo(1);
        copies.forEach(c -> assertThat(eventId(c)).isEqualTo(expectedEventId));
        if (step.succeeded()) {
            assertThat(copies).hasSize(1);
        } else {
            assertThat(step.error()).containsAnyOf("outcome unknown", "nothing was sent");
            assertThat(step.outcomeUnknown()).isEqualTo(step.error().contains("outcome unknown"));
            if (step.outcomeUnknown()) {
                // the attempts before it said nothing was sent; the one whose outcome is unknown was the last
                assertThat(step.output().get("error_type").asString()).isEqualTo("outcome_unknown");
                assertThat(step.attempts()).isBetween(1, 4);
            } else {
                assertThat(copies).as("every attempt said nothing was sent").isEmpty();
            }
        }
    }

    @Test
    void anAcknowledgementLostPastTheDeadlineIsOutcomeUnknownNotRetriedAndTheEventIsStoredOnce() throws IOException {
        String prefix = "once-" + UUID.randomUUID().toString().substring(0, 8);
        WorkflowListener loseAnswersAfterTheFirstPublish = new WorkflowListener() {
            @Override
            public void stepFinished(StepResult r) {
                if (r.name().equals("publish_first")) {
                    proxy.dropResponses(true);
                }
            }
        };
        WorkflowResult result;
        try (Session runner = runner(prefix, loseAnswersAfterTheFirstPublish)) {
            result = runner.run(workflow("lost_ack.yaml", ""), input("orders"), RunOptions.withKey("lost-ack"));
            proxy.dropResponses(false); // the producer delivers what it holds; the broker drops the repeat
        }

        StepResult timed = result.step("publish_timed").orElseThrow();
        assertThat(result.succeeded()).isFalse();
        assertThat(result.outcomeUnknown()).isTrue();
        assertThat(timed.outcomeUnknown()).isTrue();
        assertThat(timed.attempts()).as("the retry policy names the step, but its effect may have happened").isEqualTo(1);
        assertThat(timed.error()).startsWith("outcome unknown: ").contains("not sent again");
        assertThat(timed.output().get("error_type").asString()).isEqualTo("outcome_unknown");
        List<ConsumerRecord<byte[], byte[]>> records = records(prefix + ".orders");
        assertThat(records).extracting(EffectsHappenOnceTest::eventType)
                .containsExactly("DOCUMENT_STARTED", "DOCUMENT_INGESTED");
        assertThat(eventId(records.get(1))).isEqualTo("20c15adb-5a9a-5530-b9c6-d4d9246b749e");
    }

    @Test
    void aStepRetriedAfterRetriesExhaustedStoresTheEventOnce() throws IOException {
        String prefix = "once-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> retries = new ArrayList<>();
        WorkflowListener healOnRetry = new WorkflowListener() {
            @Override
            public void stepRetrying(Step step, int failedAttempt, Duration delay, String error) {
                retries.add(error);
                proxy.dropResponses(false);
            }
        };
        proxy.dropResponses(true); // the topic's check gets no answer: the event never leaves the node
        WorkflowResult result;
        // no cluster check when the node starts: the broker's silence from the start is this test's fault, and the
        // check would refuse the node's settings for it (as a host should), before the step could fail and be retried
        try (Session runner = runner(prefix, healOnRetry, "KAFKA_EVENT_MAX_RETRIES", "0",
                "KAFKA_EVENT_ENABLE_DLQ", "false", "ONEX_KAFKA_DELIVERY_TIMEOUT_MS", "2000",
                "ONEX_KAFKA_REQUEST_TIMEOUT_MS", "1000", "KAFKA_EVENT_CLUSTER_CHECK_TIMEOUT_MS", "0")) {
            result = runner.run(workflow("timed_publish.yaml", "60000"), input("exhausted"),
                    RunOptions.withKey("exhausted"));
        }

        assertThat(retries).as("the first attempt failed without sending").singleElement()
                .satisfies(e -> assertThat(e).contains("after 0 retries"));
        StepResult step = result.step("publish").orElseThrow();
        assertThat(step.succeeded()).as(String.valueOf(step.error())).isTrue();
        assertThat(step.attempts()).isEqualTo(2);
        assertThat(records(prefix + ".exhausted")).singleElement()
                .satisfies(r -> assertThat(eventId(r)).isEqualTo("d862fef5-8b95-50c0-8dbf-ca49c3070408"));
    }

    @Test
    void everyCopyOfOneLogicalEventSharesItsEventIdAndAnotherRunHasAnother() throws IOException {
        String prefix = "once-" + UUID.randomUUID().toString().substring(0, 8);
        Workflow workflow = workflow("timed_publish.yaml", "60000");
        try (Session runner = runner(prefix, WorkflowListener.NONE)) {
            // the same run twice (a redelivered trigger, onex run --run-key after a crash), then a new run
            assertThat(runner.run(workflow, input("rerun"), RunOptions.withKey("rerun")).succeeded()).isTrue();
            assertThat(runner.run(workflow, input("rerun"), RunOptions.withKey("rerun")).succeeded()).isTrue();
            assertThat(runner.run(workflow, input("rerun"), RunOptions.fresh()).succeeded()).isTrue();
        }

        List<String> ids = records(prefix + ".rerun").stream().map(EffectsHappenOnceTest::eventId).toList();
        assertThat(ids).hasSize(3);
        assertThat(ids.subList(0, 2)).containsOnly("295ecc47-81c8-52bd-9900-a114a33e89a6");
        assertThat(ids.get(2)).isNotEqualTo(ids.get(0));
    }
}
