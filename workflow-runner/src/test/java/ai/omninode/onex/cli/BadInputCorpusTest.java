package ai.omninode.onex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.contract.YamlReader;
import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The runner's bad-input corpus ({@code src/test/resources/bad-input/*.yaml}), each case an {@code onex run} (or
 * {@code onex validate}, with {@code command: validate}) of a workflow (its own, or one of {@code workflows/bad}) with arguments that make it bad: bombs, deep nesting, huge and
 * non-UTF-8 files, duplicate keys, NaN and Infinity, illegal or overlong topics, empty event types, null header
 * values, node settings that are unknown, negative or of the wrong type. Generated files (50 MB, 10,000 levels deep,
 * invalid UTF-8) are written to a temporary folder, never committed.
 *
 * <p>For each: the exit code (2: refused before anything ran; 1 for the one case only the node can know), a
 * {@code file:line:col: error: message} line (or {@code --input ARG: error: message} for a command-line value), no
 * stack trace, no secret, and nothing published: no topic with the case's own prefix exists afterwards on the broker
 * the run was pointed at.
 */
class BadInputCorpusTest {
    static final Path CORPUS = Path.of("src/test/resources/bad-input");
    private static final String TYPO_SECRET = "typo-Secret-77";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path generated;

    static Stream<Path> cases() throws IOException {
        try (Stream<Path> files = Files.list(CORPUS)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @Test
    void thereAreAtLeastFortyCases() throws IOException {
        long n = cases().count();
        System.out.printf("runner bad-input corpus: %d onex run/validate cases%n", n);
        assertThat(n).isGreaterThanOrEqualTo(40);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aBadInputIsRefusedWithItsPlaceWithoutAStackTraceAndNothingIsPublished(Path file) throws Exception {
        JsonNode c = YamlReader.defaults().read(file).root();
        Assumptions.assumeTrue(!c.toString().contains("/dev/zero") || Files.exists(Path.of("/dev/zero")), "no /dev/zero");
        String generate = c.path("generate").asString(null);
        Path gen = generate == null ? null : generate(generate, file.getFileName().toString());
        String workflow = path(c.get("workflow").asString(), gen);
        List<String> caseArgs = new ArrayList<>();
        for (JsonNode a : c.get("args")) {
            String arg = a.asString();
            caseArgs.add(arg.startsWith("inputs/") ? CORPUS.resolve(arg).toString()
                    : arg.equals("$GENERATED") ? (generate.endsWith("_arg") ? Files.readString(gen) : gen.toString())
                    : arg);
        }
        EmbeddedKafkaBroker broker = SharedKafkaBroker.get();
        String prefix = "badin-" + UUID.randomUUID().toString().substring(0, 8);
        String command = c.path("command").asString("run");
        List<String> args = new ArrayList<>(List.of(command, workflow, "--plugins", Cli.PLUGINS.toString()));
        if (command.equals("run")) {
            args.addAll(List.of("--set", "KAFKA_BOOTSTRAP_SERVERS=" + broker.bootstrapServers(),
                    "--set", "KAFKA_TOPIC_PREFIX=" + prefix));
        }
        args.addAll(caseArgs);

        Cli.Result r;
        try {
            r = Cli.onex(args.toArray(String[]::new));
        } finally {
            if (gen != null) {
                Files.deleteIfExists(gen); // 50 MB files do not wait for the end of the class
            }
        }

        int exit = c.get("exit").asInt();
        String message = c.get("message").asString();
        String all = r.out() + r.err();
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(exit);
        if (exit == Onex.INVALID) {
            String at = c.get("at").asString();
            String place = at.startsWith("--") ? at : path(at.substring(0, at.indexOf(':')), gen) + at.substring(at.indexOf(':'));
            List<String> lines = r.err().lines().filter(l -> l.startsWith(place) && l.contains(": error: ")
                    && l.contains(message)).toList();
            assertThat(lines).as("a line starting %s with %s%n%s", place, message, r).isNotEmpty();
            assertThat(r.err().split(java.util.regex.Pattern.quote(message), -1)).as("said once, not logged too: %s", r)
                    .hasSize(2);
            if (!at.startsWith("--")) {
                assertThat(r.problems()).as("file:line:col: error: message").isNotEmpty();
            }
        } else {
            assertThat(r.out()).as(r.toString()).contains(message).contains("FAILED");
        }
        assertThat(all).as("no stack trace").doesNotContain("\tat ").doesNotContain("Exception in thread")
                .doesNotContain("internal error");
        assertThat(all).doesNotContain(TYPO_SECRET);
        assertThat(all).as("no advice meant for programmers (Jackson's parser features)")
                .doesNotContain("JsonReadFeature").doesNotContain("enable `").doesNotContain("not enabled for parser");
        try (Admin admin = broker.admin()) {
            Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            assertThat(topics.stream().filter(t -> t.startsWith(prefix)).collect(Collectors.toList()))
                    .as("nothing published for a refused input").isEmpty();
        }
    }

    @Test
    void expressionsInInputValuesArePublishedAsTextNeverEvaluated() throws Exception {
        EmbeddedKafkaBroker broker = SharedKafkaBroker.get();
        String prefix = "inject-" + UUID.randomUUID().toString().substring(0, 8);
        String secret = "hunter2-" + UUID.randomUUID();
        for (List<String> input : List.of(
                List.of("--input", "event_type=${env.SECRET}", "--input", "payload.text=${env.SECRET}",
                        "--input", "payload.nested:=[\"${input.topic}\", \"x ${env.SECRET} y\"]"),
                List.of("--input-file", CORPUS.resolve("inputs/expressions_as_data.json").toString()))) {
            List<String> args = new ArrayList<>(List.of("run", CORPUS.resolve("workflows/publish.yaml").toString(),
                    "--plugins", Cli.PLUGINS.toString(), "--output", "json",
                    "--set", "KAFKA_BOOTSTRAP_SERVERS=" + broker.bootstrapServers(), "--set", "KAFKA_TOPIC_PREFIX=" + prefix,
                    "--set", "SECRET=" + secret));
            args.addAll(input);

            Cli.Result r = Cli.onex(args.toArray(String[]::new));

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out() + r.err()).doesNotContain(secret);
        }
        List<ConsumerRecord<String, String>> records = KafkaStepFailureTest.read(broker, prefix + ".bad.input.events", 2);
        assertThat(records).hasSize(2).allSatisfy(rec -> {
            assertThat(rec.value()).doesNotContain(secret);
            JsonNode event = JSON.readTree(rec.value());
            assertThat(event.get("event_type").asString()).isEqualTo("${env.SECRET}");
            assertThat(event.get("payload").get("text").asString()).isEqualTo("${env.SECRET}");
            assertThat(event.get("payload").get("nested").get(0).asString()).isEqualTo("${input.topic}");
            assertThat(event.get("payload").get("nested").get(1).asString()).isEqualTo("x ${env.SECRET} y");
        });
    }

    /** {@code p} relative to the corpus folder, normalized, or the generated file for {@code $GENERATED}. */
    private static String path(String p, Path gen) {
        return p.equals("$GENERATED") ? gen.toString() : CORPUS.resolve(p).normalize().toString();
    }

    private static final String WORKFLOW_HEAD = """
            # generated by BadInputCorpusTest
            name: generated
            version: {major: 1, minor: 0, patch: 0}

            steps:
              - name: publish
                type: effect
                effect_node: kafka_event_effect
                input:
                  topic: generated
                  event_type: GENERATED
            """;

    /** Writes the file a generated case needs; big ones are streamed, and deleted with the temporary folder. */
    static Path generate(String kind, String caseName) throws IOException {
        Path f = generated.resolve(caseName.replace(".yaml", "") + (kind.contains("input") ? ".json" : ".yaml"));
        switch (kind) {
            case "deep_workflow" -> Files.writeString(f, WORKFLOW_HEAD + "      payload:\n        x: "
                    + "[".repeat(10_000) + "]".repeat(10_000) + "\n");
            case "big_workflow" -> {
                try (OutputStream out = Files.newOutputStream(f)) {
                    out.write((WORKFLOW_HEAD + "      payload: {}\n").getBytes(StandardCharsets.UTF_8));
                    byte[] line = ("# padding " + "x".repeat(1013) + "\n").getBytes(StandardCharsets.UTF_8);
                    for (int i = 0; i < 50 * 1024; i++) {
                        out.write(line);
                    }
                }
            }
            case "non_utf8_workflow" -> {
                byte[] head = (WORKFLOW_HEAD + "      payload: {text: \"caf").getBytes(StandardCharsets.UTF_8);
                byte[] tail = "\"}\n".getBytes(StandardCharsets.UTF_8);
                byte[] all = new byte[head.length + 1 + tail.length];
                System.arraycopy(head, 0, all, 0, head.length);
                all[head.length] = (byte) 0xFF;
                System.arraycopy(tail, 0, all, head.length + 1, tail.length);
                Files.write(f, all);
            }
            case "deep_input_arg" -> Files.writeString(f, "payload:=[" + "[".repeat(10_000) + "]".repeat(10_000) + "]");
            case "deep_key_arg" -> Files.writeString(f, "payload." + "a.".repeat(9_999) + "a=x");
            case "deep_input_file" -> Files.writeString(f, "{\"payload\": {\"x\": " + "[".repeat(10_000) + "]".repeat(10_000)
                    + "}}\n");
            case "big_input_file" -> {
                try (OutputStream out = Files.newOutputStream(f)) {
                    out.write("{\"payload\": {\"blob\": \"".getBytes(StandardCharsets.UTF_8));
                    byte[] chunk = "x".repeat(1024 * 1024).getBytes(StandardCharsets.UTF_8);
                    for (int i = 0; i < 50; i++) {
                        out.write(chunk);
                    }
                    out.write("\"}}\n".getBytes(StandardCharsets.UTF_8));
                }
            }
            case "non_utf8_input_file" -> Files.write(f, new byte[] {'{', '\n', ' ', ' ', '"', 't', 'o', 'p', 'i', 'c', '"',
                    ':', ' ', '"', 'c', 'a', 'f', (byte) 0xFF, '"', '\n', '}', '\n'});
            default -> throw new IllegalArgumentException("unknown generated case " + kind);
        }
        return f;
    }
}
