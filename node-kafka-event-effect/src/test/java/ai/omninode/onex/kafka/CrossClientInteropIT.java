package ai.omninode.onex.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the node publishes, read back by clients that are not Java: kcat and Python's confluent-kafka (both on
 * librdkafka). They must see the same envelope (keys in order, JSON types), key, headers, partition and offset.
 * Skipped where the tools are not installed; {@code .ci/run} installs them (Debian: kcat, python3-confluent-kafka).
 */
class CrossClientInteropIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String PYTHON = "/usr/bin/python3";
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void broker() {
        broker = SharedKafkaBroker.get();
    }

    @Test
    void kcatSeesTheEnvelopeKeyHeadersAndPositionTheNodeReported() throws Exception {
        assumeTrue(run(List.of("kcat", "-V")).exitCode == 0, "kcat is not installed");
        Published published = publishThree();

        Result kcat = run(List.of("kcat", "-b", broker.bootstrapServers(), "-C", "-t", published.topic,
                "-o", "beginning", "-c", "3", "-e", "-q", "-J"));

        assertThat(kcat.exitCode).as("kcat stderr: %s", kcat.stderr).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : kcat.stdout.strip().split("\n")) {
            lines.add(JSON.readTree(line));
        }
        assertThat(lines).hasSize(3);
        for (JsonNode line : lines) {
            ModelKafkaEventOutput out = published.byPosition(line.get("partition").asInt(), line.get("offset").asLong());
            assertThat(out).as("a record at a position the node reported").isNotNull();
            assertThat(line.get("key").asString()).isEqualTo(out.correlationId().toString());
            JsonNode envelope = JSON.readTree(line.get("payload").asString());
            assertThat(fieldNames(envelope)).containsExactly("event_id", "event_type", "correlation_id", "timestamp",
                    "version", "source", "payload");
            assertThat(envelope.get("event_id").asString()).isEqualTo(out.eventId().toString());
            assertThat(envelope.get("payload").get("count").isIntegralNumber()).isTrue();
            assertThat(envelope.get("payload").get("text").asString()).isEqualTo("naïve ✓ 日本");
            Map<String, String> headers = new LinkedHashMap<>();
            JsonNode h = line.get("headers");
            for (int i = 0; i + 1 < h.size(); i += 2) {
                headers.put(h.get(i).asString(), h.get(i + 1).asString());
            }
            assertThat(headers).containsEntry("correlation_id", out.correlationId().toString())
                    .containsEntry("event_type", "INTEROP_CHECKED")
                    .containsEntry("event_id", out.eventId().toString())
                    .containsEntry("tenant", "acmé");
        }
    }

    @Test
    void pythonConfluentKafkaSeesTheSameEventsWithJsonTypesKept() throws Exception {
        assumeTrue(run(List.of(PYTHON, "-c", "import confluent_kafka")).exitCode == 0,
                "python3-confluent-kafka is not installed");
        Published published = publishThree();
        Path script = Files.createTempFile("consume_envelopes", ".py");
        try (var in = getClass().getResourceAsStream("/interop/consume_envelopes.py")) {
            Files.write(script, in.readAllBytes());
        }

        Result python = run(List.of(PYTHON, script.toString(), broker.bootstrapServers(), published.topic, "3"));

        assertThat(python.exitCode).as("python stderr: %s", python.stderr).isZero();
        JsonNode records = JSON.readTree(python.stdout).get("records");
        assertThat(records).hasSize(3);
        for (JsonNode r : records) {
            ModelKafkaEventOutput out = published.byPosition(r.get("partition").asInt(), r.get("offset").asLong());
            assertThat(out).isNotNull();
            assertThat(r.get("key").asString()).isEqualTo(out.correlationId().toString());
            assertThat(texts(r.get("envelope_keys"))).containsExactly("event_id", "event_type", "correlation_id",
                    "timestamp", "version", "source", "payload");
            assertThat(texts(r.get("source_keys"))).containsExactly("service", "node_type", "node_id");
            assertThat(r.get("timestamp_type").asString()).isEqualTo("float");
            JsonNode types = r.get("payload_types");
            assertThat(types.get("count").asString()).isEqualTo("int");
            assertThat(types.get("score").asString()).isEqualTo("float");
            assertThat(types.get("flag").asString()).isEqualTo("bool");
            assertThat(types.get("nothing").asString()).isEqualTo("NoneType");
            assertThat(types.get("list").asString()).isEqualTo("list");
            assertThat(types.get("text").asString()).isEqualTo("str");
            assertThat(r.get("headers").get("tenant").asString()).isEqualTo("acmé");
            assertThat(r.get("envelope").get("source").get("node_type").asString()).isEqualTo("kafka_event_effect");
            assertThat(r.get("envelope").get("correlation_id").asString()).isEqualTo(out.correlationId().toString());
        }
    }

    private static Published publishThree() throws Exception {
        String prefix = Topics.unique("interop");
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, ModelKafkaEventConfig.builder()
                .bootstrapServers(broker.bootstrapServers()).topicPrefix(prefix).build());
        node.initialize();
        List<ModelKafkaEventOutput> outputs = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Map<String, Object> payload = new LinkedHashMap<>();
                payload.put("count", i);
                payload.put("score", 0.5 + i);
                payload.put("flag", i % 2 == 0);
                payload.put("nothing", null);
                payload.put("list", List.of(1, "two", 3.0));
                payload.put("text", "naïve ✓ 日本");
                ModelKafkaEventOutput out = node.executeEffect(ModelKafkaEventInput.builder()
                        .topic("interop.checked.v1").eventType("INTEROP_CHECKED").payload(payload)
                        .correlationId(UUID.randomUUID()).headers(Map.of("tenant", "acmé")).build())
                        .get(30, TimeUnit.SECONDS);
                assertThat(out.success()).as("published: %s", out.error()).isTrue();
                outputs.add(out);
            }
        } finally {
            node.shutdown();
        }
        return new Published(prefix + ".interop.checked.v1", outputs);
    }

    private record Published(String topic, List<ModelKafkaEventOutput> outputs) {
        ModelKafkaEventOutput byPosition(int partition, long offset) {
            return outputs.stream().filter(o -> o.partition() == partition && o.offset() == offset).findFirst()
                    .orElse(null);
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.propertyNames().forEach(names::add);
        return names;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }

    private record Result(int exitCode, String stdout, String stderr) {
    }

    private static Result run(List<String> command) throws InterruptedException {
        try {
            Path out = Files.createTempFile("interop", ".out");
            Path err = Files.createTempFile("interop", ".err");
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "", "timed out: " + command);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, "", e.toString());
        }
    }
}
