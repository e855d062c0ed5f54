package ai.omninode.onex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code onex run examples/document_ingestion.yaml --inputs}: a batch against the in-process broker, with the Kafka
 * node and the example nodes loaded from their plugin jars, as the installation runs it.
 */
class BatchRunIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String INGESTION = Cli.REPO.resolve("examples/document_ingestion.yaml").toString();

    @TempDir
    Path tmp;

    private Path plugins;

    @BeforeEach
    void copyPluginJars() throws IOException {
        plugins = Files.createDirectories(tmp.resolve("plugins"));
        Cli.copyPluginJars(plugins);
    }

    private static String document(int line, String content) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("document_id", "doc-" + line);
        doc.put("correlation_id", UUID.nameUUIDFromBytes(("batch-" + line).getBytes()).toString());
        doc.put("content", content);
        doc.putObject("metadata").put("language", "en").put("title", "Document " + line);
        return JSON.writeValueAsString(doc);
    }

    @Test
    void aThousandInputsAreEachAccountedForAndEverySuccessfulOnePublishesOneEvent() throws Exception {
        EmbeddedKafkaBroker broker = SharedKafkaBroker.get();
        String prefix = "batch-" + UUID.randomUUID().toString().substring(0, 8);
        int total = 1000;
        Set<Integer> malformed = new HashSet<>();
        Set<Integer> blank = new HashSet<>();
        List<String> lines = new ArrayList<>();
        for (int line = 1; line <= total; line++) {
            if (line % 97 == 0) {
                malformed.add(line);
                lines.add("{\"document_id\": \"doc-" + line + "\", \"content\": ");
            } else if (line % 89 == 0) {
                blank.add(line); // valid JSON and schema, refused by the validate_input step
                lines.add(document(line, "   "));
            } else {
                lines.add(document(line, "Ada Lovelace wrote about the Analytical Engine in " + (1800 + line % 100)
                        + ". See https://example.org/" + line + " or write to doc" + line + "@example.org."));
            }
        }
        Path inputs = Files.write(tmp.resolve("documents.jsonl"), lines);

        Cli.Result r = Cli.onex("run", INGESTION, "--inputs", inputs.toString(), "--plugins", plugins.toString(),
                "--concurrency", "16", "--run-key", "thousand", "--output", "json",
                "--set", "KAFKA_BOOTSTRAP_SERVERS=" + broker.bootstrapServers(), "--set", "KAFKA_TOPIC_PREFIX=" + prefix);

        assertThat(r.exitCode()).as(r.err()).isEqualTo(Onex.WORKFLOW_FAILED);
        Map<Integer, JsonNode> byLine = new HashMap<>();
        for (String json : r.out().split("\\R")) {
            JsonNode result = JSON.readTree(json);
            assertThat(byLine.put(result.get("line").asInt(), result)).as("one result per line").isNull();
        }
        assertThat(byLine.keySet()).as("every input accounted for").hasSize(total)
                .allSatisfy(line -> assertThat(line).isBetween(1, total));
        Set<String> succeededCorrelations = new HashSet<>();
        for (Map.Entry<Integer, JsonNode> e : byLine.entrySet()) {
            int line = e.getKey();
            JsonNode result = e.getValue();
            String status = result.get("status").asString();
            assertThat(result.get("input").asString()).isEqualTo(inputs + ":" + line);
            if (malformed.contains(line)) {
                assertThat(status).isEqualTo("invalid");
                assertThat(result.get("problems").get(0).get("line").asInt()).isEqualTo(line);
            } else if (blank.contains(line)) {
                assertThat(status).isEqualTo("failed");
                assertThat(result.get("failure").get("step").asString()).isEqualTo("validate_input");
                assertThat(result.get("run_key").asString()).as("named by the line's content")
                        .isEqualTo("thousand/sha-" + sha(lines.get(line - 1)));
            } else {
                assertThat(status).as(result.toString()).isEqualTo("succeeded");
                assertThat(result.get("events")).hasSize(1);
                succeededCorrelations.add(result.get("correlation_id").asString());
            }
        }
        int succeeded = total - malformed.size() - blank.size();
        assertThat(succeededCorrelations).hasSize(succeeded);
        assertThat(r.err()).contains("batch of " + total + " inputs from " + inputs + ": " + succeeded + " succeeded, "
                + (malformed.size() + blank.size()) + " failed (" + malformed.size() + " invalid)")
                .contains("durations: p50 ", "p99 ")
                .containsPattern(blank.size() + "  at step validate_input: document 'doc-\\d+' has no content")
                .containsPattern(malformed.size() + "  invalid input: column \\d+: invalid JSON");

        List<ConsumerRecord<String, String>> events = KafkaStepFailureTest.read(broker,
                prefix + ".enrichment.completed.v1", succeeded);
        assertThat(events).as("one event per successful input").hasSize(succeeded);
        Set<String> published = new HashSet<>();
        events.forEach(e -> published.add(JSON.readTree(e.value()).get("correlation_id").asString()));
        assertThat(published).isEqualTo(succeededCorrelations);
    }

    @Test
    void theSameBatchRunAgainWithTheSameRunKeyRepeatsEveryEventId() throws IOException {
        EmbeddedKafkaBroker broker = SharedKafkaBroker.get();
        String prefix = "rebatch-" + UUID.randomUUID().toString().substring(0, 8);
        Path inputs = Files.write(tmp.resolve("three.jsonl"),
                List.of(document(1, "One text."), document(2, "Two texts."), document(3, "Three texts.")));
        String[] args = {"run", INGESTION, "--inputs", inputs.toString(), "--plugins", plugins.toString(),
            "--run-key", "again", "--set", "KAFKA_BOOTSTRAP_SERVERS=" + broker.bootstrapServers(),
            "--set", "KAFKA_TOPIC_PREFIX=" + prefix};

        assertThat(Cli.onex(args).exitCode()).isZero();
        assertThat(Cli.onex(args).exitCode()).isZero();

        List<ConsumerRecord<String, String>> events = KafkaStepFailureTest.read(broker,
                prefix + ".enrichment.completed.v1", 6);
        Map<String, Integer> copies = new HashMap<>();
        events.forEach(e -> copies.merge(JSON.readTree(e.value()).get("event_id").asString(), 1, Integer::sum));
        assertThat(copies).as("three logical events, each published twice with one event_id").hasSize(3)
                .allSatisfy((id, n) -> assertThat(n).isEqualTo(2));
    }

    /** The first 8 bytes of the SHA-256 of a line without its blanks, in hex: what names its run in the batch. */
    private static String sha(String line) throws java.security.NoSuchAlgorithmException {
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                .digest(line.strip().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return java.util.HexFormat.of().formatHex(digest, 0, 8);
    }
}
