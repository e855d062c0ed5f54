package ai.omninode.onex.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * examples/document_ingestion.yaml end to end: {@code onex run} with the Kafka node and the example nodes from a
 * plugin folder, publishing to a real (in-process) broker; the events are read back with a plain KafkaConsumer.
 * Each test uses a topic prefix of its own on the shared broker.
 */
class DocumentIngestionEndToEndTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Path EXAMPLES = Cli.REPO.resolve("examples");
    private static final String INPUT = EXAMPLES.resolve("document_ingestion.input.json").toString();
    private static final Pattern PUBLISHED =
            Pattern.compile("(?m)^published (\\w+): topic (\\S+), partition (\\d+), offset (\\d+)$");

    private final EmbeddedKafkaBroker broker = SharedKafkaBroker.get();
    private final String prefix = "e2e-" + UUID.randomUUID().toString().substring(0, 8);

    @TempDir
    Path plugins;

    @BeforeEach
    void copyPluginJars() throws IOException {
        Cli.copyPluginJars(plugins);
    }

    private Cli.Result run(String workflow, String... more) {
        List<String> args = new ArrayList<>(List.of("run", EXAMPLES.resolve(workflow).toString(), "--input-file", INPUT,
                "--plugins", plugins.toString(),
                "--set", "KAFKA_BOOTSTRAP_SERVERS=" + broker.bootstrapServers(),
                "--set", "KAFKA_TOPIC_PREFIX=" + prefix));
        args.addAll(List.of(more));
        return Cli.onex(args.toArray(String[]::new));
    }

    @Test
    void theDocumentIngestedEventCarriesNumericCountsABooleanAndTheInputsCorrelationId() throws IOException {
        Cli.Result r = run("document_ingestion.yaml");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        Matcher published = PUBLISHED.matcher(r.out());
        assertThat(published.find()).as(r.toString()).isTrue();
        assertThat(published.group(1)).isEqualTo("DOCUMENT_INGESTED");
        String topic = prefix + ".enrichment.completed.v1";
        assertThat(published.group(2)).isEqualTo(topic);
        assertThat(r.out()).containsPattern("(?m)^  ok +publish_completion_event +\\d+ ms  topic " + Pattern.quote(topic)
                + ", partition \\d+, offset \\d+$");

        ConsumerRecord<String, String> record = consumeOne(topic, Integer.parseInt(published.group(3)));
        assertThat(record.offset()).isEqualTo(Long.parseLong(published.group(4)));
        JsonNode event = JSON.readTree(record.value());
        JsonNode input = JSON.readTree(Files.readString(Path.of(INPUT)));
        assertThat(event.get("event_type").asString()).isEqualTo("DOCUMENT_INGESTED");
        assertThat(event.get("correlation_id").asString()).isEqualTo(input.get("correlation_id").asString());
        JsonNode payload = event.get("payload");
        assertThat(payload.get("document_id").asString()).isEqualTo("doc-2025-0042");
        assertThat(payload.get("entities_count").isIntegralNumber()).as(payload.toString()).isTrue();
        assertThat(payload.get("entities_count").asInt()).isGreaterThan(0);
        assertThat(payload.get("relationships_count").isIntegralNumber()).as(payload.toString()).isTrue();
        assertThat(payload.get("relationships_count").asInt()).isGreaterThan(0);
        assertThat(payload.get("vectorized").isBoolean()).as(payload.toString()).isTrue();
        assertThat(payload.get("vectorized").asBoolean()).isTrue();
    }

    @Test
    void theCountsInTheEventAreTheSizesOfTheStepResults() {
        Cli.Result r = run("document_ingestion.yaml", "--output", "json");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        JsonNode result = JSON.readTree(r.out());
        JsonNode entities = step(result, "extract_entities").get("output").get("entities");
        JsonNode relationships = step(result, "detect_relationships").get("output").get("relationships");
        JsonNode publish = step(result, "publish_completion_event").get("output");
        assertThat(publish.get("topic").asString()).isEqualTo(prefix + ".enrichment.completed.v1");

        JsonNode event = JSON.readTree(consumeOne(publish.get("topic").asString(), publish.get("partition").asInt()).value());
        assertThat(event.get("payload").get("entities_count").asInt()).isEqualTo(entities.size());
        assertThat(event.get("payload").get("relationships_count").asInt()).isEqualTo(relationships.size());
        assertThat(step(result, "update_fsm_state").get("output").get("payload").get("event_offset").asLong())
                .isEqualTo(publish.get("offset").asLong());
    }

    @Test
    void theFailingVariantPublishesDocumentIngestionFailedWithTheFailedStepAndExitsOne() throws Exception {
        Cli.Result r = run("document_ingestion_failing.yaml");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        Matcher published = PUBLISHED.matcher(r.out());
        assertThat(published.find()).as(r.toString()).isTrue();
        assertThat(published.group(1)).isEqualTo("DOCUMENT_INGESTION_FAILED");
        String topic = prefix + ".enrichment.failed.v1";
        assertThat(published.group(2)).isEqualTo(topic);
        int partition = Integer.parseInt(published.group(3));
        assertThat(published.find()).as("only the failure event").isFalse();

        JsonNode event = JSON.readTree(consumeOne(topic, partition).value());
        assertThat(event.get("event_type").asString()).isEqualTo("DOCUMENT_INGESTION_FAILED");
        assertThat(event.get("correlation_id").asString()).isEqualTo("6f1c2b9e-4d3a-4e8f-9b71-2a5c8d0e4f13");
        JsonNode payload = event.get("payload");
        assertThat(payload.get("document_id").asString()).isEqualTo("doc-2025-0042");
        assertThat(payload.get("failed_step").asString()).isEqualTo("store_vectors");
        assertThat(payload.get("error_message").asString())
                .isEqualTo("collection 'archived_documents' does not exist (collections: documents)");
        try (Admin admin = broker.admin()) {
            assertThat(admin.listTopics().names().get()).doesNotContain(prefix + ".enrichment.completed.v1");
        }
    }

    @Test
    void embeddedKafkaRunsTheExampleOnABrokerOfItsOwn() {
        Cli.Result r = Cli.onex("run", EXAMPLES.resolve("document_ingestion.yaml").toString(), "--input-file", INPUT,
                "--plugins", plugins.toString(), "--embedded-kafka", "--set", "KAFKA_TOPIC_PREFIX=embedded",
                "--output", "json");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.err()).containsPattern("embedded Kafka broker started at 127\\.0\\.0\\.1:(\\d+) in \\d+ ms");
        assertThat(r.err()).doesNotContain(broker.bootstrapServers());
        JsonNode events = JSON.readTree(r.out()).get("events");
        assertThat(events).hasSize(1);
        assertThat(events.get(0).get("event_type").asString()).isEqualTo("DOCUMENT_INGESTED");
        assertThat(events.get(0).get("topic").asString()).isEqualTo("embedded.enrichment.completed.v1");
        assertThat(events.get(0).get("partition").asInt()).isZero();
        assertThat(events.get(0).get("offset").asLong()).isZero();
    }

    private ConsumerRecord<String, String> consumeOne(String topic, int partition) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            TopicPartition tp = new TopicPartition(topic, partition);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return !records.isEmpty();
            });
        }
        assertThat(records).hasSize(1);
        return records.get(0);
    }

    private static JsonNode step(JsonNode result, String name) {
        for (JsonNode s : result.get("steps")) {
            if (s.get("name").asString().equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no step " + name + " in " + result);
    }
}
