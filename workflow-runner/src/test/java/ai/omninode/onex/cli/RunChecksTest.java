package ai.omninode.onex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import ai.omninode.onex.workflow.testnodes.TestNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What {@code onex run} refuses before any step runs (exit 2), and what it tells without running anything:
 * {@code --dry-run}, {@code onex describe}, {@code onex nodes NAME}.
 */
class RunChecksTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Path RUN = Path.of("src/test/resources/workflows/run");
    private static final String ECHO_THEN_PUBLISH = RUN.resolve("echo_then_publish.yaml").toString();
    private static final String INGESTION = Cli.REPO.resolve("examples/document_ingestion.yaml").toString();
    private static final String INGESTION_INPUT = Cli.REPO.resolve("examples/document_ingestion.input.json").toString();

    @TempDir
    Path plugins;

    @BeforeEach
    void copyPluginJars() throws IOException {
        TestNode.reset();
        Cli.copyPluginJars(plugins);
    }

    private static String closedAddress() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + s.getLocalPort();
        }
    }

    @Test
    void aKafkaAddressNoBrokerAnswersAtIsASettingsErrorBeforeAnyStepRuns() throws IOException {
        String address = closedAddress();

        Cli.Result r = Cli.onex("run", ECHO_THEN_PUBLISH, "--plugins", plugins.toString(), "--input", "document_id=d1",
                "--set", "KAFKA_BOOTSTRAP_SERVERS=" + address, "--set", "KAFKA_EVENT_CLUSTER_CHECK_TIMEOUT_MS=500");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(Onex.INVALID);
        assertThat(TestNode.calls("test_echo")).as("no step ran").isEmpty();
        assertThat(r.out()).doesNotContain("running workflow");
        assertThat(r.problems()).singleElement().satisfies(p -> assertThat(p)
                .contains("echo_then_publish.yaml:17:18: error: node 'kafka_event_effect' could not be initialized:"
                        + " Kafka producer initialization failed: no Kafka broker answered at " + address
                        + " (KAFKA_BOOTSTRAP_SERVERS) within 500 ms")
                .contains("Set KAFKA_BOOTSTRAP_SERVERS to the brokers' host:port list")
                .endsWith("[KAFKA_BOOTSTRAP_SERVERS is set by --set] [node.init]"));
    }

    @Test
    void aBadNodeSettingIsNamedWithWhereItWasSet() {
        Cli.Result r = Cli.onex("run", ECHO_THEN_PUBLISH, "--plugins", plugins.toString(), "--input", "document_id=d1",
                "--set", "KAFKA_TOPIC_PREFIX=a b", "--set", "KAFKA_EVENT_MAX_RETRIES=many");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(Onex.INVALID);
        assertThat(TestNode.calls("test_echo")).as("no step ran").isEmpty();
        assertThat(r.problems()).singleElement().satisfies(p -> assertThat(p)
                .contains("maxRetries (from KAFKA_EVENT_MAX_RETRIES) must be an integer, but was 'many'")
                .endsWith("[KAFKA_EVENT_MAX_RETRIES is set by --set; KAFKA_TOPIC_PREFIX is set by --set] [node.init]"));
    }

    @Test
    void anInputTheWorkflowDeclaresOtherwiseIsRefusedWithEveryProblemAndNoNodeConnects() throws IOException {
        String address = closedAddress();

        Cli.Result r = Cli.onex("run", INGESTION, "--plugins", plugins.toString(), "--input", "document_id:=7",
                "--input", "metadata.lang=en", "--set", "KAFKA_BOOTSTRAP_SERVERS=" + address, "--output", "json");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(Onex.INVALID);
        JsonNode refused = JSON.readTree(r.out());
        assertThat(refused.get("status").asString()).isEqualTo("invalid");
        assertThat(refused.get("problems")).extracting(p -> p.get("pointer").asString()).containsExactlyInAnyOrder(
                "/document_id", "/content", "/correlation_id", "/metadata/language", "/metadata/lang");
        assertThat(r.err()).as("refused for its input, not for the Kafka address nothing answers at")
                .doesNotContain("Kafka producer initialization failed");
    }

    @Test
    void aFieldOfALaterStepsInputThatTheInputAloneDecidesIsCheckedBeforeAnyStepAsTheDryRunChecksIt()
            throws IOException {
        // correlation_id reaches the publish step as written; the Kafka node's contract wants a UUID there
        Path input = Files.writeString(plugins.resolve("in.json"), Files.readString(Path.of(INGESTION_INPUT))
                .replaceFirst("\"correlation_id\"\\s*:\\s*\"[^\"]*\"", "\"correlation_id\": \"z\""));
        String broker = SharedKafkaBroker.get().bootstrapServers();

        Cli.Result dry = Cli.onex("run", INGESTION, "--plugins", plugins.toString(), "--input-file", input.toString(),
                "--dry-run");
        Cli.Result run = Cli.onex("run", INGESTION, "--plugins", plugins.toString(), "--input-file", input.toString(),
                "--set", "KAFKA_BOOTSTRAP_SERVERS=" + broker);

        assertThat(dry.exitCode()).as(dry.toString()).isEqualTo(Onex.INVALID);
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(Onex.INVALID);
        assertThat(run.out()).as("no step ran").doesNotContain("running workflow").doesNotContain("ok ");
        assertThat(run.problems()).singleElement().satisfies(p -> assertThat(p)
                .contains("step 'publish_completion_event'", "/correlation_id"));
        assertThat(dry.problems()).contains(run.problems().get(0));
    }

    /** The same check for each input of a batch: such an input is invalid, and no step runs for it. */
    @Test
    void inABatchAnInputThatBreaksALaterStepsContractIsInvalidAndRunsNoStep() throws IOException {
        String good = Files.readString(Path.of(INGESTION_INPUT)).replaceAll("\\s*\\R\\s*", " ");
        String bad = good.replaceFirst("\"correlation_id\"\\s*:\\s*\"[^\"]*\"", "\"correlation_id\": \"z\"");
        Path inputs = Files.writeString(plugins.resolve("in.jsonl"), good + "\n" + bad + "\n");

        Cli.Result r = Cli.onex("run", INGESTION, "--plugins", plugins.toString(), "--inputs", inputs.toString(),
                "--output", "json", "--set", "KAFKA_BOOTSTRAP_SERVERS=" + SharedKafkaBroker.get().bootstrapServers());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(Onex.WORKFLOW_FAILED);
        assertThat(r.out()).contains("\"line\":1,\"status\":\"succeeded\"");
        String line2 = r.out().lines().filter(l -> l.contains("\"line\":2,\"status\"")).findFirst().orElseThrow();
        assertThat(line2).contains("\"line\":2,\"status\":\"invalid\"", "step 'publish_completion_event'",
                        "/correlation_id")
                .doesNotContain("\"steps\":[{");
        assertThat(r.err()).contains("1 succeeded, 1 failed (1 invalid)").as("the summary names the step's place")
                .containsPattern("invalid input: \\S*document_ingestion\\.yaml:\\d+:\\d+: step 'publish_completion_event'");
    }

    @Test
    void aMisspeltSettingIsRefusedWithADidYouMean() {
        Cli.Result r = Cli.onex("run", ECHO_THEN_PUBLISH, "--plugins", plugins.toString(), "--input", "document_id=d1",
                "--set", "KAFKA_BOOTSTRAP_SERVERS=" + SharedKafkaBroker.get().bootstrapServers(),
                "--set", "KAFKA_EVENT_MAX_RETRIS=1");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(Onex.INVALID);
        assertThat(r.err()).contains("KAFKA_EVENT_MAX_RETRIS is not a setting of this node (did you mean"
                + " KAFKA_EVENT_MAX_RETRIES?)");
        assertThat(TestNode.calls("test_echo")).isEmpty();
    }

    @Test
    void anUnquotedExpressionInAFlowMappingGetsTheHintToQuoteIt() throws IOException {
        Path flow = Files.writeString(plugins.resolve("flow.yaml"), """
                name: flow
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: echo
                    type: compute
                    compute_node: test_echo
                    input: {text: ${input.message}}
                """);

        Cli.Result r = Cli.onex("validate", flow.toString());

        assertThat(r.exitCode()).isEqualTo(Onex.INVALID);
        assertThat(r.problems()).singleElement().satisfies(p -> assertThat(p).startsWith(flow + ":7:")
                .endsWith("quote the expression, as in \"${input.message}\" [yaml.syntax]"));
    }

    @Test
    void dryRunPrintsThePlanWithWhatEachStepWouldReceiveAndRunsNothing() {
        Cli.Result r = Cli.onex("run", INGESTION, "--plugins", plugins.toString(), "--input-file", INGESTION_INPUT,
                "--set", "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9", "--dry-run");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("plan of workflow document_ingestion 1.0.0")
                .containsPattern("(?m)^  3\\.1 +  vectorize_document +compute +vectorization_compute$")
                .containsPattern("(?m)^  7 +publish_completion_event +effect +kafka_event_effect +\\(after extract_entities,"
                        + " detect_relationships, vectorize_document\\)$")
                .contains("\"document_id\":\"doc-2025-0042\"", "\"vectorized\":\"${vectorization_result.success}\"")
                .contains("ok: no problem found");
        assertThat(r.out()).doesNotContain("running workflow");
    }

    @Test
    void anInputFilesSchemaProblemsAreNamedByTheFileAndADryRunReportsThemAloneAndFirst() throws IOException {
        Path input = Files.writeString(plugins.resolve("bad-input.json"), "{\"document_id\": 7}");

        Cli.Result run = Cli.onex("run", INGESTION, "--plugins", plugins.toString(), "--input-file", input.toString(),
                "--set", "KAFKA_BOOTSTRAP_SERVERS=" + closedAddress());
        Cli.Result dry = Cli.onex("run", INGESTION, "--plugins", plugins.toString(), "--input-file", input.toString(),
                "--dry-run");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(Onex.INVALID);
        assertThat(run.err()).contains(input + ":1:1: error: missing required field 'content'") // the object lacking it
                .contains(input + ":1:17: error: '/document_id' must be a string").doesNotContain("input: error");
        assertThat(dry.exitCode()).as(dry.toString()).isEqualTo(Onex.INVALID);
        List<String> errors = dry.err().lines().filter(l -> l.contains(": error: ")).toList();
        assertThat(errors).as("the input's problems, named by its file; nothing about the steps that only follows"
                + " from them").isNotEmpty().allSatisfy(l -> assertThat(l).startsWith(input + ":"));
        assertThat(dry.err()).contains("the steps' inputs were not checked against their nodes' contracts, as the input"
                + " does not fit the workflow's input_schema");
    }

    @Test
    void anInputFilesSchemaProblemIsAtItsLineAndColumnUnlessAnInputOptionGaveTheValue() throws IOException {
        Path input = Files.writeString(plugins.resolve("nested-input.json"), """
                {
                  "document_id": "d1",
                  "content": "text",
                  "correlation_id": "c1",
                  "metadata": {
                    "language": 7
                  }
                }
                """);

        Cli.Result fromFile = Cli.onex("run", INGESTION, "--plugins", plugins.toString(), "--input-file",
                input.toString(), "--dry-run");
        Cli.Result fromOption = Cli.onex("run", INGESTION, "--plugins", plugins.toString(), "--input-file",
                input.toString(), "--input", "metadata.language:=8", "--dry-run");

        assertThat(fromFile.exitCode()).as(fromFile.toString()).isEqualTo(Onex.INVALID);
        assertThat(fromFile.err()).contains(input + ":6:17: error: '/metadata/language' must be a string");
        assertThat(fromOption.err()).as("the --input that set it is to fix, not the file")
                .contains("--input: error: '/metadata/language' must be a string");
    }

    @Test
    void aMissingFieldIsAtTheObjectOfTheInputFileThatLacksItUnlessAnInputOptionChangedThatObject() throws IOException {
        Path input = Files.writeString(plugins.resolve("missing-input.json"), """
                {
                  "content": "text",
                  "correlation_id": "c1",
                  "metadata": {
                    "title": "t"
                  }
                }
                """);

        Cli.Result fromFile = Cli.onex("run", INGESTION, "--plugins", plugins.toString(), "--input-file",
                input.toString(), "--dry-run");
        Cli.Result added = Cli.onex("run", INGESTION, "--plugins", plugins.toString(), "--input-file",
                input.toString(), "--input", "metadata.source=s", "--dry-run");
        Cli.Result replaced = Cli.onex("run", INGESTION, "--plugins", plugins.toString(), "--input-file",
                input.toString(), "--input", "metadata:={\"source\": \"s\"}", "--dry-run");

        assertThat(fromFile.exitCode()).as(fromFile.toString()).isEqualTo(Onex.INVALID);
        assertThat(fromFile.err()).contains(input + ":1:1: error: missing required field 'document_id'")
                .contains(input + ":4:15: error: missing required field 'language' in '/metadata'");
        assertThat(added.err()).contains(input + ":1:1: error: missing required field 'document_id'")
                .contains(input + ":4:15: error: missing required field 'language' in '/metadata'");
        assertThat(replaced.err()).as("the file's metadata is not the input's: the --input replaced it")
                .contains(input + ":1:1: error: missing required field 'document_id'")
                .contains("--input: error: missing required field 'language' in '/metadata'");
    }

    @Test
    void anInputFromAFifoIsReadOnceAndItsProblemsAreReportedWithoutAPosition() throws Exception {
        Path fifo = plugins.resolve("input.fifo");
        Process mkfifo;
        try {
            mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.abort("no mkfifo here: " + e.getMessage());
            return;
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(mkfifo.waitFor() == 0, "mkfifo failed");
        // one writer, one write: a second read of the FIFO (to find line numbers) would wait for a writer forever
        java.util.concurrent.CompletableFuture<Void> writer = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                Files.writeString(fifo, "{\"content\": \"text\", \"correlation_id\": \"c1\"}");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        Cli.Result result = java.util.concurrent.CompletableFuture.supplyAsync(() -> Cli.onex("run", INGESTION,
                "--plugins", plugins.toString(), "--input-file", fifo.toString(), "--dry-run"))
                .get(2, java.util.concurrent.TimeUnit.MINUTES); // a guard against a hang, not a speed target

        writer.get(1, java.util.concurrent.TimeUnit.MINUTES);
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(Onex.INVALID);
        assertThat(result.err()).contains(fifo + ": error: missing required field 'document_id'");
    }

    @Test
    void dryRunReportsWhatTheContractOfAStepRefusesAsFarAsTheInputDecidesIt() throws IOException {
        Path flow = Files.writeString(plugins.resolve("publish.yaml"), """
                name: publish
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: publish
                    type: effect
                    effect_node: kafka_event_effect
                    input:
                      topic: ${input.topic}
                      event_type: E
                      payload: {}
                """);

        Cli.Result r = Cli.onex("run", flow.toString(), "--plugins", plugins.toString(), "--input", "topic=not a topic",
                "--dry-run", "--output", "json");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(Onex.INVALID);
        JsonNode plan = JSON.readTree(r.out());
        assertThat(plan.get("status").asString()).isEqualTo("invalid");
        assertThat(plan.get("steps").get(0).get("input").get("topic").asString()).isEqualTo("not a topic");
        assertThat(plan.get("problems").get(0).get("message").asString()).contains("'/topic' does not match");
        assertThat(plan.get("problems").get(0).get("line").asInt()).isEqualTo(8);
    }

    @Test
    void whatTheInputAndSettingsCannotResolveIsReportedByADryRunAsARefusedRunReportsItWithItsRule() throws IOException {
        Path flow = Files.writeString(plugins.resolve("unresolved.yaml"), """
                name: unresolved
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: publish
                    type: effect
                    effect_node: kafka_event_effect
                    input:
                      topic: ${input.topic}
                      event_type: E
                      payload: {}
                  - name: publish_again
                    type: effect
                    effect_node: kafka_event_effect
                    input:
                      topic: t
                      event_type: ${env.ONEX_TEST_NEVER_SET_77}
                      payload: {}
                """);

        Cli.Result dry = Cli.onex("run", flow.toString(), "--plugins", plugins.toString(), "--dry-run");
        Cli.Result dryJson = Cli.onex("run", flow.toString(), "--plugins", plugins.toString(), "--dry-run",
                "--output", "json");
        Cli.Result run = Cli.onex("run", flow.toString(), "--plugins", plugins.toString(),
                "--set", "KAFKA_BOOTSTRAP_SERVERS=" + closedAddress());

        assertThat(dry.exitCode()).as(dry.toString()).isEqualTo(Onex.INVALID);
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(Onex.INVALID);
        assertThat(dry.problems()).hasSize(2).isEqualTo(run.problems()).allSatisfy(p -> assertThat(p)
                .contains("cannot resolve").endsWith(" [expression.unavailable]"));
        assertThat(JSON.readTree(dryJson.out()).get("problems")).allSatisfy(p -> assertThat(p.get("rule").asString())
                .isEqualTo("expression.unavailable"));
    }

    @Test
    void describeTellsTheInputsStepsNodesAndWhatIsPublished() {
        Cli.Result r = Cli.onex("describe", INGESTION, "--plugins", plugins.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("document_ingestion 1.0.0 (")
                .contains("input (input_schema):")
                .containsPattern("(?m)^  content +string, required  The text to ingest$")
                .containsPattern("(?m)^    language +string, required")
                .containsPattern("(?m)^  3\\.2 +  extract_entities +compute +entity_extraction_compute$")
                .containsPattern("(?m)^  F1 +publish_error_event +effect +kafka_event_effect$")
                // as --dry-run shows it: depends_on and the steps whose results the input reads
                .containsPattern("(?m)^  7 +publish_completion_event +effect +kafka_event_effect +\\(after extract_entities,"
                        + " detect_relationships, vectorize_document\\)$")
                .containsPattern("(?m)^  kafka_event_effect 1\\.0\\.0 \\(effect\\): Publishes events to Kafka")
                .containsPattern("(?m)^  publish_completion_event +DOCUMENT_INGESTED to enrichment\\.completed\\.v1$");
    }

    /**
     * One jar in the plugin folder whose registration names a class it lacks: onex nodes listed nothing and every run
     * was refused, whatever nodes it used. Now the jar is left out with a warning, and listed as an error after the
     * nodes that loaded.
     */
    @Test
    void aBrokenPluginJarIsLeftOutAndTheOtherPluginsNodesStillListAndRun() throws IOException {
        Path broken = plugins.resolve("broken.jar");
        try (java.util.jar.JarOutputStream jar = new java.util.jar.JarOutputStream(Files.newOutputStream(broken))) {
            jar.putNextEntry(new java.util.jar.JarEntry("META-INF/services/ai.omninode.onex.node.EffectNode"));
            jar.write("com.example.Missing\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            jar.closeEntry();
        }

        Cli.Result nodes = Cli.onex("nodes", "--plugins", plugins.toString());
        Cli.Result json = Cli.onex("nodes", "--plugins", plugins.toString(), "--output", "json");
        Cli.Result run = Cli.onex("run", INGESTION, "--plugins", plugins.toString(), "--input-file", INGESTION_INPUT,
                "--dry-run");

        assertThat(nodes.exitCode()).as(nodes.toString()).isEqualTo(Onex.INVALID);
        assertThat(nodes.out()).contains("kafka_event_effect", "vectorization_compute");
        assertThat(nodes.err()).contains(broken + ": error: broken node registration in META-INF/services: ")
                .contains("com.example.Missing");
        assertThat(JSON.readTree(json.out()).get("nodes").size()).isGreaterThan(2);
        assertThat(run.exitCode()).as("a workflow that uses none of its nodes runs: " + run).isZero();
        assertThat(run.out()).contains("ok: no problem found");
    }

    @Test
    void nodesWithANameDescribesThatNodeAndItsSchemas() {
        Cli.Result r = Cli.onex("nodes", "kafka_event_effect", "--plugins", plugins.toString());
        Cli.Result typo = Cli.onex("nodes", "kafka_event_efect", "--plugins", plugins.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("kafka_event_effect 1.0.0 (effect node, with side effects")
                .containsPattern("(?m)^input:$").containsPattern("(?m)^  topic +string matching .*, required")
                .containsPattern("(?m)^output:$").containsPattern("(?m)^  offset +integer 0\\.\\. or null")
                .containsPattern("(?m)^config \\(settings it reads: KAFKA_BOOTSTRAP_SERVERS, KAFKA_EVENT_ACKS, .*,"
                        + " KAFKA_TOPIC_PREFIX, ONEX_KAFKA_\\*\\):$")
                .containsPattern("(?m)^  max_retries +integer 0\\.\\.100, default 3");
        assertThat(typo.exitCode()).isEqualTo(Onex.INVALID);
        assertThat(typo.err()).contains("kafka_event_efect: error: no node of that name (did you mean"
                + " 'kafka_event_effect'?)");
    }
}
