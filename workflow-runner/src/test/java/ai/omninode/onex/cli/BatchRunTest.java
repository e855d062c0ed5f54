package ai.omninode.onex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.workflow.testnodes.TestNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code onex run --inputs}: one run per input, every input accounted for, with the runner's test nodes. */
class BatchRunTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Path RUN = Path.of("src/test/resources/workflows/run");
    private static final String FLAKY = RUN.resolve("batch_flaky.yaml").toString();

    @TempDir
    Path tmp;

    private final InputStream stdin = System.in;

    @BeforeEach
    void reset() {
        TestNode.reset();
    }

    @AfterEach
    void restoreStdin() {
        System.setIn(stdin);
    }

    private Path lines(String... lines) throws IOException {
        return Files.writeString(tmp.resolve("inputs.jsonl"), String.join("\n", lines) + "\n");
    }

    private static List<JsonNode> jsonLines(String out) {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : out.split("\\R")) {
            if (!line.isBlank()) {
                nodes.add(JSON.readTree(line));
            }
        }
        return nodes;
    }

    private static JsonNode byLine(List<JsonNode> results, int line) {
        return results.stream().filter(r -> r.path("line").asInt() == line).findFirst()
                .orElseThrow(() -> new AssertionError("no result for line " + line + " in " + results));
    }

    @Test
    void eachLineIsOneRunAndEveryLineIsAccountedForByItsNumber() throws Exception {
        Path inputs = lines(
                "{\"key\": \"a\", \"failures\": 0}",
                "",
                "{\"key\": \"b\", \"failures\": 1}",
                "{\"key\": \"c\", \"failures\": ",
                "{\"key\": \"d\"}",
                "[1, 2]",
                "{\"key\": \"e\", \"failures\": 0}");

        Cli.Result r = Cli.onex("run", FLAKY, "--inputs", inputs.toString(), "--output", "json", "--run-key", "k1");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(Onex.WORKFLOW_FAILED);
        List<JsonNode> results = jsonLines(r.out());
        assertThat(results).as("one JSON line per input; the blank line is none").hasSize(6);
        assertThat(results).extracting(n -> n.get("line").asInt()).containsExactlyInAnyOrder(1, 3, 4, 5, 6, 7);
        assertThat(byLine(results, 1).get("status").asString()).isEqualTo("succeeded");
        assertThat(byLine(results, 1).get("run_key").asString())
                .isEqualTo("k1/" + key("{\"key\": \"a\", \"failures\": 0}"));
        assertThat(byLine(results, 1).get("input").asString()).isEqualTo(inputs + ":1");
        assertThat(byLine(results, 3).get("status").asString()).isEqualTo("failed");
        assertThat(byLine(results, 3).get("failure").get("step").asString()).isEqualTo("call");
        assertThat(byLine(results, 3).get("failure").get("message").asString()).isEqualTo("attempt 1 of b failed");
        assertThat(byLine(results, 4).get("status").asString()).isEqualTo("invalid");
        assertThat(byLine(results, 4).get("problems").get(0).get("message").asString()).startsWith("invalid JSON: ");
        assertThat(byLine(results, 4).get("problems").get(0).get("line").asInt()).isEqualTo(4);
        assertThat(byLine(results, 5).get("problems").get(0).get("message").asString())
                .contains("missing required field 'failures'", "input_schema of workflow batch_flaky");
        assertThat(byLine(results, 6).get("problems").get(0).get("message").asString())
                .isEqualTo("the workflow input must be a JSON object, found array");
        assertThat(List.of(4, 5, 6)).as("each problem names its rule").extracting(n -> byLine(results, n)
                .get("problems").get(0).get("rule").asString()).containsExactly("input.json", "input.schema", "input.json");
        assertThat(TestNode.calls("test_flaky")).as("only the valid inputs ran").hasSize(3);
        assertThat(TestNode.contexts("test_flaky")).extracting(c -> c.idempotencyKey().orElseThrow())
                .containsExactlyInAnyOrder("k1/" + key("{\"key\": \"a\", \"failures\": 0}") + "/call",
                        "k1/" + key("{\"key\": \"b\", \"failures\": 1}") + "/call",
                        "k1/" + key("{\"key\": \"e\", \"failures\": 0}") + "/call");

        assertThat(r.err()).contains("batch of 6 inputs from " + inputs + ": 2 succeeded, 4 failed (3 invalid)")
                .contains("durations: p50 ")
                .containsPattern("1  at step call: attempt 1 of b failed \\(" + inputs + ":3\\)")
                .contains("invalid input: missing required field 'failures'", inputs + ":5")
                .contains("run key: k1");
    }

    /** What names a line's run within a batch: a digest of its content (BatchInputs.contentKey). */
    private static String key(String line) {
        byte[] digest;
        try {
            digest = java.security.MessageDigest.getInstance("SHA-256").digest(line.strip().getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        return "sha-" + java.util.HexFormat.of().formatHex(digest, 0, 8);
    }

    @Test
    void aBatchRunAgainAfterALineWasRemovedGivesEveryOtherInputTheRunKeyItHadAndCopiesTheirOwn() throws Exception {
        String a = "{\"key\": \"a\", \"failures\": 0}";
        String broken = "{\"key\": ";
        String c = "{\"key\": \"c\", \"failures\": 0}";
        Path first = lines(a, broken, c, a);
        Path fixed = tmp.resolve("fixed.jsonl");
        Files.writeString(fixed, a + "\n" + c + "\n" + a + "\n");

        Cli.Result r1 = Cli.onex("run", FLAKY, "--inputs", first.toString(), "--concurrency", "1", "--run-key", "k");
        List<String> before = TestNode.contexts("test_flaky").stream().map(x -> x.idempotencyKey().orElseThrow()).toList();
        Cli.Result r2 = Cli.onex("run", FLAKY, "--inputs", fixed.toString(), "--concurrency", "1", "--run-key", "k");
        List<String> all = TestNode.contexts("test_flaky").stream().map(x -> x.idempotencyKey().orElseThrow()).toList();

        assertThat(r1.exitCode()).as(r1.toString()).isEqualTo(Onex.WORKFLOW_FAILED);
        assertThat(r2.exitCode()).as(r2.toString()).isZero();
        assertThat(before).as("the second copy of a line is a run of its own")
                .containsExactly("k/" + key(a) + "/call", "k/" + key(c) + "/call", "k/" + key(a) + "-2/call");
        assertThat(all.subList(before.size(), all.size())).as("line 3 became line 2, and kept its key")
                .containsExactlyElementsOf(before);
    }

    @Test
    void aRunThatFailsForKafkaNotForItsInputStopsTheBatchAndSaysHowToGoOn() throws Exception {
        String kafkaDown = RUN.resolve("batch_kafka_down.yaml").toString();
        Path inputs = lines(
                "{\"key\": \"a\", \"failures\": 0, \"mode\": \"throw\"}",
                "{\"key\": \"b\", \"failures\": 1, \"mode\": \"throw\"}",
                "{\"key\": \"c\", \"failures\": 1, \"mode\": \"circuit_open\"}",
                "{\"key\": \"d\", \"failures\": 0, \"mode\": \"throw\"}",
                "{\"key\": \"e\", \"failures\": 0, \"mode\": \"throw\"}");

        Cli.Result r = Cli.onex("run", kafkaDown, "--inputs", inputs.toString(), "--concurrency", "1", "--run-key", "k");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(Onex.WORKFLOW_FAILED);
        assertThat(TestNode.calls("test_flaky")).as("an input failing for its content does not stop the batch; one"
                + " failing for Kafka does").extracting(c -> c.get("key")).containsExactly("a", "b", "c");
        assertThat(r.out()).contains("batch of 5 inputs from " + inputs + ": 1 succeeded, 2 failed")
                .contains("stopped: a run failed for what it needs, not for its input (" + inputs + ":3: step 'call'"
                        + " failed with error_type circuit_open")
                .contains("2 inputs were not run. Run the batch again with --run-key k once it answers");
    }

    @Test
    void aFolderOfJsonFilesIsOneRunPerFileInNameOrder() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("in"));
        Files.writeString(dir.resolve("b.json"), "{\"key\": \"b\", \"failures\": 0}");
        Files.writeString(dir.resolve("a.json"), "{\"key\": \"a\", \"failures\": 0}");
        Files.writeString(dir.resolve("notes.txt"), "not an input");

        Cli.Result r = Cli.onex("run", FLAKY, "--inputs", dir.toString(), "--concurrency", "1", "--run-key", "f");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(TestNode.calls("test_flaky")).extracting(c -> c.get("key")).containsExactly("a", "b");
        assertThat(TestNode.contexts("test_flaky")).extracting(c -> c.idempotencyKey().orElseThrow())
                .containsExactly("f/a.json/call", "f/b.json/call");
        assertThat(r.out()).contains("batch of 2 inputs from " + dir + ": 2 succeeded, 0 failed");
    }

    /** {@code --inputs -}: JSON Lines from standard input, named stdin:LINE, counted as they come. */
    @Test
    void dashReadsTheInputsFromStandardInput() {
        System.setIn(new ByteArrayInputStream(("{\"key\": \"a\", \"failures\": 0}\n{\"key\": \n\n"
                + "{\"key\": \"c\", \"failures\": 0}\n").getBytes(StandardCharsets.UTF_8)));

        Cli.Result r = Cli.onex("run", FLAKY, "--inputs", "-", "--output", "json", "--run-key", "s");
        System.setIn(new ByteArrayInputStream(new byte[0]));
        Cli.Result empty = Cli.onex("run", FLAKY, "--inputs", "-");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(Onex.WORKFLOW_FAILED);
        List<JsonNode> results = jsonLines(r.out());
        assertThat(results).extracting(n -> n.get("input").asString())
                .containsExactlyInAnyOrder("stdin:1", "stdin:2", "stdin:4");
        assertThat(byLine(results, 2).get("status").asString()).isEqualTo("invalid");
        assertThat(byLine(results, 4).get("run_key").asString())
                .isEqualTo("s/" + key("{\"key\": \"c\", \"failures\": 0}"));
        assertThat(r.err()).contains("batch of 3 inputs from stdin: 2 succeeded, 1 failed (1 invalid)");
        assertThat(empty.exitCode()).as(empty.toString()).isEqualTo(Onex.INVALID);
        assertThat(empty.err()).contains("stdin: error: no inputs");
    }

    /**
     * A stream that stays open (a producer still writing): --fail-fast ends the batch at the first failure without
     * waiting for the stream's next line, and says the rest was not read.
     */
    @Test
    @Timeout(60) // without the fix it waits for the stream forever
    void failFastEndsABatchFromAStreamThatStaysOpen() throws IOException {
        PipedOutputStream writer = new PipedOutputStream();
        System.setIn(new PipedInputStream(writer, 1 << 16));
        writer.write("{\"key\": \"b\", \"failures\": 1}\n".getBytes(StandardCharsets.UTF_8));
        writer.flush();
        try {
            Cli.Result r = Cli.onex("run", FLAKY, "--inputs", "-", "--concurrency", "2", "--fail-fast");

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(Onex.WORKFLOW_FAILED);
            assertThat(r.out()).contains("batch of 1 input from stdin: 0 succeeded, 1 failed",
                    "stopped at the first failure (--fail-fast): the rest of stdin was not read");
        } finally {
            writer.close(); // the worker still waiting for a line ends
        }
    }

    /**
     * A terminal's end of input (Ctrl-D) is read once: a read after it would wait for another. The batch ends at the
     * first end, whatever the concurrency.
     */
    @Test
    @Timeout(60) // reading again after the end would wait forever here
    void theEndOfStandardInputIsReadOnce() {
        byte[] lines = "{\"key\": \"a\", \"failures\": 0}\n{\"key\": \"b\", \"failures\": 0}\n"
                .getBytes(StandardCharsets.UTF_8);
        System.setIn(new InputStream() {
            private int next;
            private boolean ended;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
            }

            /** As a terminal: what was typed, then the end once (Ctrl-D), then a read waits for the user. */
            @Override
            public int read(byte[] b, int off, int len) {
                if (next < lines.length) {
                    int n = Math.min(len, lines.length - next);
                    System.arraycopy(lines, next, b, off, n);
                    next += n;
                    return n;
                }
                if (ended) {
                    try {
                        new java.util.concurrent.CountDownLatch(1).await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                ended = true;
                return -1;
            }
        });

        Cli.Result r = Cli.onex("run", FLAKY, "--inputs", "-", "--concurrency", "3");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("batch of 2 inputs from stdin: 2 succeeded, 0 failed");
    }

    /** A stream that breaks: the batch stops there, says why, and does not succeed. */
    @Test
    @Timeout(60)
    void aStreamThatBreaksStopsTheBatchAndFailsIt() {
        byte[] line = "{\"key\": \"a\", \"failures\": 0}\n".getBytes(StandardCharsets.UTF_8);
        System.setIn(new InputStream() {
            private int next;

            @Override
            public int read() throws IOException {
                if (next < line.length) {
                    return line[next++];
                }
                throw new IOException("device gone");
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (next < line.length) {
                    int n = Math.min(len, line.length - next);
                    System.arraycopy(line, next, b, off, n);
                    next += n;
                    return n;
                }
                throw new IOException("device gone");
            }
        });

        Cli.Result r = Cli.onex("run", FLAKY, "--inputs", "-", "--concurrency", "2");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(Onex.WORKFLOW_FAILED);
        assertThat(r.out()).contains("batch of 1 input from stdin: 1 succeeded, 0 failed",
                "stopped: stdin: cannot read line 2: device gone; the rest of stdin was not read");
    }

    /** {@code --input-file -}: one input from standard input, JSON or YAML. */
    @Test
    void dashReadsTheSingleInputFromStandardInput() {
        System.setIn(new ByteArrayInputStream("{\"key\": \"one\", \"failures\": 0}".getBytes(StandardCharsets.UTF_8)));
        Cli.Result json = Cli.onex("run", FLAKY, "--input-file", "-");
        System.setIn(new ByteArrayInputStream("key: two\nfailures: 0\n".getBytes(StandardCharsets.UTF_8)));
        Cli.Result yaml = Cli.onex("run", FLAKY, "--input-file", "-");

        assertThat(json.exitCode()).as(json.toString()).isZero();
        assertThat(yaml.exitCode()).as(yaml.toString()).isZero();
        assertThat(TestNode.calls("test_flaky")).extracting(c -> c.get("key")).containsExactly("one", "two");
    }

    @Test
    void runsGoOnAtTheSameTimeUpToTheConcurrency() throws Exception {
        // each run waits at a barrier for 4 runs: they pass only if 4 runs are under way at once
        Path inputs = lines("{\"n\": 1}", "{\"n\": 2}", "{\"n\": 3}", "{\"n\": 4}");

        Cli.Result r = Cli.onex("run", RUN.resolve("batch_barrier.yaml").toString(), "--inputs", inputs.toString(),
                "--concurrency", "4");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("4 succeeded, 0 failed", "concurrency 4");
    }

    @Test
    void failFastStartsNoInputAfterTheFirstFailure() throws Exception {
        Path inputs = lines("{\"key\": \"a\", \"failures\": 0}", "{\"key\": \"b\", \"failures\": 1}",
                "{\"key\": \"c\", \"failures\": 0}", "{\"key\": \"d\", \"failures\": 0}");

        Cli.Result r = Cli.onex("run", FLAKY, "--inputs", inputs.toString(), "--concurrency", "1", "--fail-fast",
                "--output", "json");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(Onex.WORKFLOW_FAILED);
        assertThat(jsonLines(r.out())).extracting(n -> n.get("line").asInt()).containsExactly(1, 2);
        assertThat(TestNode.calls("test_flaky")).hasSize(2);
        assertThat(r.err()).contains("stopped at the first failure (--fail-fast): 2 inputs were not run");
    }

    @Test
    void withoutARunKeyTheBatchGetsOneAndSaysHowToRepeatIt() throws Exception {
        Path inputs = lines("{\"key\": \"a\", \"failures\": 0}");

        Cli.Result r = Cli.onex("run", FLAKY, "--inputs", inputs.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        String key = TestNode.contexts("test_flaky").get(0).idempotencyKey().orElseThrow();
        String suffix = "/" + key("{\"key\": \"a\", \"failures\": 0}") + "/call";
        assertThat(key).endsWith(suffix);
        String batchKey = key.substring(0, key.length() - suffix.length());
        assertThat(r.out()).contains("run key: " + batchKey, "--run-key " + batchKey);
    }

    @Test
    void withOutputJsonEveryLineOnStdoutIsOneJsonObjectAlsoWhenTheBatchIsRefused() throws Exception {
        Path empty = Files.writeString(tmp.resolve("empty.jsonl"), "\n");
        List<Cli.Result> refused = List.of(
                Cli.onex("run", FLAKY, "--inputs", empty.toString(), "--output", "json"),
                Cli.onex("run", FLAKY, "--inputs", tmp.resolve("none.jsonl").toString(), "--output", "json"),
                Cli.onex("run", FLAKY, "--inputs", empty.toString(), "--output", "json", "--concurrency", "0"),
                Cli.onex("run", FLAKY, "--inputs", empty.toString(), "--output", "json", "--bogus"));

        for (Cli.Result r : refused) {
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.out().lines().toList()).as(r.toString()).singleElement()
                    .satisfies(line -> assertThat(JSON.readTree(line).get("status").asString()).isEqualTo("invalid"));
        }
        assertThat(JSON.readTree(refused.get(0).out()).at("/problems/0/rule").asString()).isEqualTo("input.none");
        assertThat(JSON.readTree(refused.get(1).out()).at("/problems/0/rule").asString()).isEqualTo("file.unreadable");
    }

    @Test
    void contentAfterALinesValueIsSaidInTheUsersWordsAtItsPlace() throws Exception {
        Path inputs = lines("{\"key\": \"a\", \"failures\": 0} 1");

        Cli.Result r = Cli.onex("run", FLAKY, "--inputs", inputs.toString(), "--output", "json");

        JsonNode problem = jsonLines(r.out()).get(0).get("problems").get(0);
        assertThat(problem.get("message").asString()).isEqualTo("invalid JSON: not one JSON value: more content after"
                + " the value");
        assertThat(problem.get("rule").asString()).isEqualTo("input.json");
        assertThat(problem.get("line").asInt()).isEqualTo(1);
        assertThat(problem.get("column").asInt()).as("where the extra content starts").isEqualTo(29);
    }

    @Test
    void batchOptionsThatContradictEachOtherAreUsageErrors() throws Exception {
        Path inputs = lines("{\"key\": \"a\", \"failures\": 0}");

        assertThat(Cli.onex("run", FLAKY, "--inputs", inputs.toString(), "--input", "key=x").err())
                .contains("does not combine with --input or --input-file");
        assertThat(Cli.onex("run", FLAKY, "--inputs", inputs.toString(), "--concurrency", "0").exitCode()).isEqualTo(2);
        assertThat(Cli.onex("run", FLAKY, "--input", "key=a", "--fail-fast").err())
                .contains("--fail-fast and --concurrency apply to a batch (--inputs)");
        Cli.Result missing = Cli.onex("run", FLAKY, "--inputs", tmp.resolve("none.jsonl").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("none.jsonl: error: no such file or folder");
        assertThat(TestNode.calls("test_flaky")).isEmpty();
    }
}
