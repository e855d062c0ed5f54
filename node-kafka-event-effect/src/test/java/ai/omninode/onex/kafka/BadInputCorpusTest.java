package ai.omninode.onex.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.omninode.onex.node.NodeExecutionException;
import ai.omninode.onex.node.OnexException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.core.json.JsonReadFeature;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The node's bad-input corpus ({@code src/test/resources/bad-input}): events the contract or Kafka refuses
 * ({@code events/*.json}) and configurations the node refuses ({@code config/*.env}). For each, the error names what
 * is wrong and where (the JSON pointer, or the variable and field), nothing is sent, and the host goes on: the same
 * node publishes the next good event; a node whose configuration was refused creates no producer.
 *
 * <p>Event cases hold JSON with NaN and Infinity allowed, so that they reach the node as Java doubles, and a few
 * placeholders for what JSON cannot say: {@code $repeat:c:n} (n times c), {@code $java:object} (an object without
 * properties), {@code $java:self} (a map that contains itself), {@code $java:float-nan}, {@code $java:deep-10000}
 * (lists nested 10,000 levels deep). {@code via} says whether the
 * case goes through the typed API, the SPI's map, or both.
 */
class BadInputCorpusTest {
    private static final Path CORPUS = Path.of("src/test/resources/bad-input");
    private static final JsonMapper LENIENT = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    static Stream<Path> events() throws IOException {
        return list(CORPUS.resolve("events"), ".json");
    }

    static Stream<Path> configs() throws IOException {
        return list(CORPUS.resolve("config"), ".env");
    }

    private static Stream<Path> list(Path dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(suffix)).sorted().toList().stream();
        }
    }

    @Test
    void theCorpusHasItsCases() throws IOException {
        long events = events().count();
        long configs = configs().count();
        System.out.printf("node bad-input corpus: %d event cases, %d configuration cases%n", events, configs);
        assertThat(events).isGreaterThanOrEqualTo(25);
        assertThat(configs).isGreaterThanOrEqualTo(30);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("events")
    void aBadEventIsRejectedWithItsPointerNothingIsSentAndTheNodeGoesOn(Path file) throws Exception {
        Map<String, Object> c = LENIENT.readValue(file.toFile(), new TypeReference<Map<String, Object>>() { });
        String via = (String) c.get("via");
        @SuppressWarnings("unchecked")
        List<String> expect = (List<String>) c.get("expect");
        @SuppressWarnings("unchecked")
        Map<String, Object> input = (Map<String, Object>) materialize(c.get("input"));
        try (MockNode m = new MockNode(MockNode.config().build(), true)) {
            if (!via.equals("spi")) {
                ModelKafkaEventOutput out = m.node.executeEffect(typed(input)).get(5, TimeUnit.SECONDS);
                assertThat(out.success()).isFalse();
                assertThat(out.errorType()).isEqualTo(ModelKafkaEventOutput.INVALID_INPUT);
                assertThat(out.error()).as(file.toString()).startsWith("invalid input, not published: ");
                for (String e : expect) {
                    assertThat(out.error()).as(file.toString()).contains(e);
                }
                assertThat(m.producer.history()).as("nothing sent").isEmpty();
            }
            if (!via.equals("api")) {
                CompletableFuture<Map<String, Object>> spi = m.node.execute(input).toCompletableFuture();
                assertThat(spi).failsWithin(5, TimeUnit.SECONDS).withThrowableThat().havingCause()
                        .isInstanceOfSatisfying(NodeExecutionException.class, e -> {
                            assertThat(e.retriable()).isFalse();
                            assertThat(e.details()).containsEntry("error_type", "invalid_input");
                            for (String x : expect) {
                                assertThat(e.getMessage()).as(file.toString()).contains(x);
                            }
                        });
                assertThat(m.producer.history()).as("nothing sent").isEmpty();
            }
            // the host goes on: the same node publishes the next event
            ModelKafkaEventOutput ok = m.node.executeEffect(ModelKafkaEventInput.builder().topic("t").eventType("E")
                    .payload("n", 1).build()).get(5, TimeUnit.SECONDS);
            assertThat(ok.success()).isTrue();
            assertThat(m.producer.history()).hasSize(1);
            assertThat(m.metrics().get("events_rejected")).isEqualTo(via.equals("both") ? 2L : 1L);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void aBadConfigurationIsRefusedNamingTheVariableAndNoProducerIsCreated(Path file) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        List<String> expect = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith("# expect: ")) {
                expect.add(line.substring("# expect: ".length()));
            } else if (!line.startsWith("#") && line.contains("=")) {
                env.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        env.putIfAbsent("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");

        assertThatThrownBy(() -> ModelKafkaEventConfig.fromEnvironment(env))
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> {
                    assertThat(e.getMessage()).as(file.toString()).startsWith("Invalid ModelKafkaEventConfig: ");
                    for (String x : expect) {
                        assertThat(e.getMessage()).as(file.toString()).contains(x);
                    }
                    env.forEach((k, v) -> {
                        if (k.contains("JAAS") || k.contains("JASS") || k.contains("PASSWORD")) {
                            assertThat(e.getMessage()).doesNotContain(v);
                        }
                    });
                });

        // as a host does it: the SPI node, configured from the settings when it initializes
        AtomicInteger producers = new AtomicInteger();
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, null, props -> {
            producers.incrementAndGet();
            throw new AssertionError("no producer for a refused configuration");
        });
        assertThatThrownBy(() -> node.initialize(env))
                .isInstanceOf(OnexException.class)
                .hasMessageStartingWith("Kafka producer initialization failed: Invalid ModelKafkaEventConfig: ")
                .hasMessageContaining(expect.get(0))
                .hasCauseInstanceOf(IllegalArgumentException.class);
        assertThat(producers.get()).isZero();
        assertThatThrownBy(() -> node.execute(Map.of("topic", "t", "event_type", "E", "payload", Map.of())))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("Kafka producer not initialized");
        node.shutdown();
    }

    /** The input with its placeholders replaced. */
    private static Object materialize(Object value) {
        if (value instanceof String s) {
            if (s.startsWith("$repeat:")) {
                String[] parts = s.split(":");
                return parts[1].repeat(Integer.parseInt(parts[2]));
            }
            return switch (s) {
                case "$java:object" -> new Object();
                case "$java:float-nan" -> Float.NaN;
                case "$java:deep-10000" -> {
                    Object deep = "bottom";
                    for (int i = 0; i < 10_000; i++) {
                        deep = List.of(deep);
                    }
                    yield deep;
                }
                default -> s;
            };
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put((String) k, "$java:self".equals(v) ? out : materialize(v)));
            return out;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(BadInputCorpusTest::materialize).toList();
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    private static ModelKafkaEventInput typed(Map<String, Object> in) {
        Object correlation = in.get("correlation_id");
        return new ModelKafkaEventInput((String) in.get("topic"), (String) in.get("event_type"),
                (Map<String, Object>) in.get("payload"), correlation == null ? null : UUID.fromString((String) correlation),
                (String) in.get("key"), (Map<String, String>) in.get("headers"));
    }
}
