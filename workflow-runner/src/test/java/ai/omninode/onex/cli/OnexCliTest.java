package ai.omninode.onex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.cli.internal.UsageErrorHandler;
import ai.omninode.onex.workflow.testnodes.HookCompute;
import ai.omninode.onex.workflow.testnodes.TestNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code onex} through picocli's {@code execute}: exit codes and what is printed where. */
class OnexCliTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Path RUN = Path.of("src/test/resources/workflows/run");
    private static final String INPUT = Cli.REPO.resolve("examples/document_ingestion.input.json").toString();

    @TempDir
    Path plugins;

    /** The plugin jars the build made, copied into a folder of the test's own: the runner sees them only there. */
    @BeforeEach
    void copyPluginJars() throws IOException {
        TestNode.reset();
        Cli.copyPluginJars(plugins);
    }

    @Test
    void helpListsTheCommandsAndTheExitCodes() {
        Cli.Result r = Cli.onex("--help");

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Usage: onex", "run", "validate", "nodes", "--version", "Exit codes:",
                "1  the workflow failed", "2  usage error");
    }

    @Test
    void everyCommandHasHelpThatNamesItsOptions() {
        assertThat(Cli.onex("run", "--help").out()).contains("WORKFLOW.yaml", "--input=KEY=VALUE", "--input-file=FILE",
                "--embedded-kafka", "--plugins=DIR", "--output=FORMAT", "--set=KEY=VALUE", "Exit codes:");
        assertThat(Cli.onex("validate", "--help").out()).contains("PATH...", "file:line:col: error: message",
                "--plugins=DIR");
        assertThat(Cli.onex("nodes", "--help").out()).contains("contract name", "--plugins=DIR");
        assertThat(Cli.onex("help", "run").out()).contains("--embedded-kafka");
        assertThat(Cli.onex("run", "--help").out()).contains("--inputs=FILE|DIR", "--concurrency=N", "--fail-fast",
                "--dry-run", "default: 16", "--inputs examples/batch/documents.jsonl", "--dry-run\n", "--fail-fast \\\n");
        assertThat(Cli.onex("describe", "--help").out()).contains("WORKFLOW.yaml", "input_schema",
                "onex describe examples/document_ingestion.yaml");
        assertThat(Cli.onex("nodes", "--help").out()).contains("[NAME]", "onex nodes kafka_event_effect");
    }

    @Test
    void helpTextIsNotMangledByPicocliVariableInterpolation() {
        String help = Cli.onex("validate", "--help").out();
        assertThat(help).contains("${...} syntax").doesNotContain("null syntax");
        assertThat(Cli.onex("run", "--help").out().replaceAll("\\s+", " ")).contains("nor the workflow (${env.NAME}) reads");
        for (String command : List.of("run", "serve", "publish", "validate", "describe", "nodes", "broker", "new")) {
            assertThat(Cli.onex(command, "--help").out()).as(command).doesNotContainPattern("\\(null\\)|\\bnull\\b");
        }
    }

    @Test
    void everyHelpFooterLineFitsEightyColumnsUnlessAWholeParagraphSoNoneBreaksMidLine() {
        List<picocli.CommandLine> commands = new java.util.ArrayList<>(List.of(Onex.commandLine()));
        for (int i = 0; i < commands.size(); i++) {
            picocli.CommandLine c = commands.get(i);
            commands.addAll(c.getSubcommands().values());
            String[] footer = c.getCommandSpec().usageMessage().footer();
            for (int j = 0; j < footer.length; j++) {
                // a whole paragraph may be long (picocli wraps it at word breaks, flush left); an indented line, or
                // one that the next line continues, would be broken in the middle and lose its indent
                boolean paragraph = !footer[j].startsWith(" ") && (j + 1 == footer.length || footer[j + 1].isBlank());
                if (!paragraph) {
                    assertThat(footer[j].length()).as("%s: %s", c.getCommandSpec().qualifiedName(), footer[j])
                            .isLessThanOrEqualTo(80);
                }
            }
        }
        assertThat(commands).hasSizeGreaterThan(8);
    }

    @Test
    void serveHelpNamesTheInputSchemaWhereTheWorkflowFormatHasIt() {
        String help = Cli.onex("serve", "--help").out().replaceAll("\\s+", " ");
        assertThat(help).contains("breaks the workflow's input_schema").doesNotContain("event_bus.input_schema");
    }

    @Test
    void aMalformedSetOrCorrelationIdIsOneCleanUsageError() {
        Cli.Result set = Cli.onex("run", RUN.resolve("echo_input.yaml").toString(), "--set", "S3cretPassw0rd");
        Cli.Result uuid = Cli.onex("publish", "x.v1", "--correlation-id", "nope");

        assertThat(set.exitCode()).isEqualTo(2);
        assertThat(set.err()).startsWith("onex run: error: Value for option '--set' (KEY=VALUE) should be KEY=VALUE,"
                + " but has no '=' (what was given is not shown: it may be a secret").doesNotContain("S3cretPassw0rd");
        assertThat(uuid.exitCode()).isEqualTo(2);
        assertThat(uuid.err()).startsWith("onex publish: error: Invalid value for option '--correlation-id': cannot"
                + " convert 'nope' to UUID\n").doesNotContain("java.lang", "Exception");
    }

    @Test
    void anEmptyPathArgumentIsAUsageErrorNotTheWorkingDirectory() {
        String workflow = RUN.resolve("echo_input.yaml").toString();
        List<Cli.Result> results = List.of(Cli.onex("validate", ""), Cli.onex("run", ""),
                Cli.onex("run", workflow, "--input-file", ""), Cli.onex("nodes", "--plugins", ""),
                Cli.onex("serve", ""), Cli.onex("run", workflow, "--inputs", ""));

        for (Cli.Result r : results) {
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(Onex.INVALID);
            assertThat(r.err()).as(r.toString()).contains("an empty path ('') names no file or folder")
                    .contains("for the working directory write '.'");
            assertThat(r.out()).as("nothing was validated, run or listed").isEmpty();
        }
    }

    @Test
    void aBrokerDataFolderThatIsAFileOrInUseIsOneLineAndExitTwo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("afile"), "x");
        String inUse = ai.omninode.onex.kafka.embedded.SharedKafkaBroker.get().dataDir().toString();

        Cli.Result notAFolder = Cli.onex("broker", "--data-dir", file.toString());
        Cli.Result below = Cli.onex("broker", "--data-dir", file.resolve("sub").toString());
        Cli.Result used = Cli.onex("broker", "--data-dir", inUse);

        assertThat(notAFolder.exitCode()).as(notAFolder.toString()).isEqualTo(Onex.INVALID);
        assertThat(notAFolder.err()).isEqualTo("onex: error: --data-dir " + file + ": cannot create the folder (a file"
                + " that is not a folder is in the way: " + file + ")\n");
        assertThat(below.exitCode()).as(below.toString()).isEqualTo(Onex.INVALID);
        assertThat(below.err()).startsWith("onex: error: --data-dir " + file.resolve("sub") + ": cannot create the"
                + " folder (").doesNotContain("Exception", "\tat ");
        assertThat(used.exitCode()).as(used.toString()).isEqualTo(Onex.INVALID);
        assertThat(used.err()).isEqualTo("onex: error: data folder " + inUse + " is in use by another running broker;"
                + " stop it, or give this one another folder\n");
    }

    @Test
    void versionPrintsTheBuildVersionAndTheJava() {
        Cli.Result r = Cli.onex("--version");

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).containsPattern("^onex \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\R")
                .contains("Java " + System.getProperty("java.version"));
    }

    @Test
    void everySubcommandAnswersVersionAsTheRootDoes() {
        String root = Cli.onex("--version").out();
        for (String[] args : new String[][] {{"run", "-V"}, {"serve", "--version"}, {"publish", "-V"}, {"validate", "-V"},
                {"describe", "-V"}, {"nodes", "-V"}, {"broker", "-V"}, {"new", "-V"}, {"new", "node", "--version"}}) {
            Cli.Result r = Cli.onex(args);

            assertThat(r.exitCode()).as(String.join(" ", args)).isZero();
            assertThat(r.out()).as(String.join(" ", args)).isEqualTo(root).startsWith("onex ");
        }
    }

    @Test
    void noCommandIsAUsageError() {
        Cli.Result r = Cli.onex();

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Usage: onex", "a command is required: run, serve, publish, validate, describe,"
                + " nodes, broker or new");
    }

    @Test
    void anUnknownOptionIsAUsageError() {
        Cli.Result r = Cli.onex("run", "flow.yaml", "--bogus");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("onex run: error: Unknown option: '--bogus'")
                .contains("Usage: onex run [-hV]", "Try 'onex run --help' for more information.")
                .as("the synopsis, not the whole help page").doesNotContain("Exit codes:");
    }

    @Test
    void aUsageErrorWithOutputJsonStillAnswersWithJsonOnStdout() throws Exception {
        Cli.Result r = Cli.onex("run", "flow.yaml", "--output", "json", "--bogus");

        assertThat(r.exitCode()).isEqualTo(2);
        JsonNode result = JSON.readTree(r.out());
        assertThat(result.get("status").asString()).isEqualTo("invalid");
        assertThat(result.get("problems").get(0).get("message").asString()).isEqualTo("Unknown option: '--bogus'");
        assertThat(r.err()).startsWith("onex run: error: Unknown option: '--bogus'");
    }

    @Test
    void aMisspelledOptionBeforeASecretNamesTheOptionButNeverShowsTheSecret() throws Exception {
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"a\""
                + " password=\"Zq9Secr3tPw\";";
        for (String command : new String[] {"run", "publish", "nodes"}) {
            String[] args = command.equals("nodes") ? new String[] {"nodes", "--sett", "ONEX_KAFKA_SASL_JAAS_CONFIG="
                    + jaas, "--output", "json"} : new String[] {command, "x.v1", "--sett", "ONEX_KAFKA_SASL_JAAS_CONFIG="
                    + jaas, "--output", "json", "--pasword=Zq9Secr3tPw", "Zq9Secr3tPw"};
            Cli.Result r = Cli.onex(args);

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("error: Unknown option", "'--sett'")
                    .doesNotContain("Zq9Secr3tPw").doesNotContain("PlainLoginModule");
            if (!command.equals("nodes")) { // there the value was taken for the NAME parameter
                assertThat(r.err()).contains("not shown: they may be secrets");
            }
            assertThat(r.out()).doesNotContain("Zq9Secr3tPw");
        }
        for (String[] args : new String[][] {{"run", "x.yaml", "-pZq9Secr3tPw"}, {"run", "x.yaml", "--Zq9Secr3tPw"},
                {"run", "x.yaml", "--concurrency", "Zq9Secr3tPw"}, {"validate", ".", "--output", "Zq9Secr3tPw"}}) {
            Cli.Result r = Cli.onex(args);
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", args)).contains("not shown").doesNotContain("Zq9Secr3tPw");
        }
        // the choices as --help writes them
        assertThat(Cli.onex("validate", ".", "--output", "Zq9Secr3tPw").err())
                .contains("expected one of [text, json, sarif, junit, github] (case-insensitive) but was something else");
        assertThat(UsageErrorHandler.unmatched(List.of("extra.yaml", "--sett", "K=s3cret", "--pw=s3cret", "s3cret")))
                .isEqualTo("Unknown options: '--sett', '--pw=...'; Unmatched argument: 'extra.yaml' (3 values given with"
                        + " them not shown: they may be secrets)");
    }

    @Test
    void anUnknownCommandIsNamedWithTheCommandsThereAre() {
        Cli.Result r = Cli.onex("rn", "flow.yaml");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("onex: error: unknown command 'rn' (did you mean 'run'?); the commands: run,"
                + " serve, publish, validate, describe, nodes, broker, new");
    }

    @Test
    void anUnknownOptionInPlaceOfTheWorkflowIsNamedBeforeTheMissingWorkflow() {
        Cli.Result r = Cli.onex("run", "--bogus");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("onex run: error: Unknown option: '--bogus' (Missing required parameter:"
                + " 'WORKFLOW.yaml')");
    }

    @Test
    void nodesListsEachPluginNodeWithItsVersionAndTheJarItCameFrom() {
        Cli.Result r = Cli.onex("nodes", "--plugins", plugins.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).containsPattern("(?m)^NAME +VERSION +TYPE +ORIGIN$");
        String jar = plugins.resolve("onex-examples-" + version() + "-plugin.jar").toString();
        for (String node : List.of("vectorization_compute", "entity_extraction_compute", "relationship_detection_compute",
                "qdrant_vector_effect", "memgraph_graph_effect", "validate_document_input", "emit_state_update_intent")) {
            assertThat(r.out()).containsPattern("(?m)^" + node + " +1\\.0\\.0 +\\w+ +" + java.util.regex.Pattern.quote(jar) + "$");
        }
        assertThat(r.out()).containsPattern("(?m)^test_echo +0\\.1\\.0 +compute +classpath ");
    }

    @Test
    void thePluginNodesAreNotOnTheRunnersOwnClasspath() {
        for (String type : List.of("ai.omninode.onex.kafka.NodeKafkaEventEffect",
                "ai.omninode.onex.examples.NodeVectorizationCompute")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Class.forName(type, false, getClass().getClassLoader()))
                    .isInstanceOf(ClassNotFoundException.class);
        }
        Cli.Result r = Cli.onex("nodes");
        assertThat(r.out()).doesNotContain("vectorization_compute").doesNotContain("kafka_event_effect");
    }

    @Test
    void nodesAsJsonSaysWhichCameFromPlugins() {
        Cli.Result r = Cli.onex("nodes", "--plugins", plugins.toString(), "--output", "json");

        assertThat(r.exitCode()).isZero();
        JsonNode nodes = JSON.readTree(r.out()).get("nodes");
        JsonNode vectorization = find(nodes, "vectorization_compute");
        assertThat(vectorization.get("plugin").asBoolean()).isTrue();
        assertThat(vectorization.get("class").asString()).isEqualTo("ai.omninode.onex.examples.NodeVectorizationCompute");
        assertThat(find(nodes, "test_echo").get("plugin").asBoolean()).isFalse();
    }

    @Test
    void nodesNamesAJarThatRegistersNoNodeAndOneThatIsNoJarAndExitsTwo() throws IOException {
        Path jar = plugins.resolve("forgot-services.jar");
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new java.util.jar.JarEntry("com/example/README.txt"));
        }
        Path corrupt = Files.writeString(plugins.resolve("corrupt.jar"), "not a zip");

        Cli.Result r = Cli.onex("nodes", "--plugins", plugins.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).contains("vectorization_compute"); // the nodes that were found are still listed
        assertThat(r.err()).contains(jar + ": error: plugin registers no node: it has no"
                + " META-INF/services/ai.omninode.onex.node.EffectNode file")
                .contains(corrupt + ": error: not a readable jar (zip) file: ")
                .doesNotContain(corrupt + ": error: plugin registers no node");
    }

    @Test
    void runSaysWhenAnUnknownNodeIsInTheInstallationsPluginsThatPluginsReplaced() throws IOException {
        Path mine = Files.createDirectory(plugins.resolve("mine"));
        String before = System.getProperty("onex.plugins");
        System.setProperty("onex.plugins", plugins.toString());
        try {
            Cli.Result r = Cli.onex("run", Cli.REPO.resolve("examples/document_ingestion.yaml").toString(),
                    "--input-file", INPUT, "--plugins", mine.toString());

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("unknown node 'kafka_event_effect'").contains("'kafka_event_effect' is in the"
                    + " installation's plugins folder (" + plugins + "), which --plugins replaces: pass --plugins "
                    + plugins + " as well");
        } finally {
            if (before == null) {
                System.clearProperty("onex.plugins");
            } else {
                System.setProperty("onex.plugins", before);
            }
        }
    }

    @Test
    void aPluginFolderThatDoesNotExistIsAnError() {
        Cli.Result r = Cli.onex("nodes", "--plugins", plugins.resolve("nowhere").toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("nowhere: error: plugin folder does not exist");
    }

    @Test
    void runExecutesPluginNodesPrintsOneLinePerStepAndExitsZero() {
        Cli.Result r = Cli.onex("run", RUN.resolve("ingest_without_kafka.yaml").toString(), "--input-file", INPUT,
                "--plugins", plugins.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        for (String step : List.of("validate_input", "emit_reducer_intent", "vectorize_document", "extract_entities",
                "parallel_processing", "store_vectors", "detect_relationships", "store_graph", "update_fsm_state")) {
            assertThat(r.out()).containsPattern("(?m)^  ok +(  )?" + step + " +\\d+ ms$");
        }
        assertThat(r.out()).contains("workflow ingest_without_kafka succeeded in ");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void aFailingRunRetriesSkipsTheRestRunsOnStepFailureAndExitsOne() {
        Cli.Result r = Cli.onex("run", RUN.resolve("ingest_without_kafka_failing.yaml").toString(), "--input-file", INPUT,
                "--plugins", plugins.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.out())
                .containsPattern("(?m)^  retry +store_vectors +attempt 1 failed, retrying in 5 ms: collection "
                        + "'archived_documents' does not exist \\(collections: documents\\)$")
                .containsPattern("(?m)^  FAILED +store_vectors +\\d+ ms  after 4 attempts: collection 'archived_documents'")
                .containsPattern("(?m)^  skipped +store_graph$")
                .contains("step store_vectors failed; running on_step_failure")
                .containsPattern("(?m)^  ok +on_failure: update_fsm_to_failed +\\d+ ms$")
                .contains("workflow ingest_without_kafka_failing FAILED in ");
    }

    @Test
    void jsonOutputIsTheOnlyThingOnStdout() {
        Cli.Result r = Cli.onex("run", RUN.resolve("ingest_without_kafka.yaml").toString(), "--input-file", INPUT,
                "--plugins", plugins.toString(), "--output", "json");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        JsonNode result = JSON.readTree(r.out());
        assertThat(result.get("status").asString()).isEqualTo("succeeded");
        assertThat(result.get("failure").isNull()).isTrue();
        assertThat(result.get("steps")).hasSize(9);
        JsonNode store = find(result.get("steps"), "store_vectors");
        assertThat(store.get("output").get("collection").asString()).isEqualTo("documents");
        assertThat(store.get("attempts").asInt()).isEqualTo(1);
        assertThat(result.get("node_metrics").get("vectorization_compute").get("documents_vectorized").asInt()).isEqualTo(1);
        assertThat(r.err()).as("progress goes to stderr").contains("running workflow ingest_without_kafka");
    }

    @Test
    void inputOptionsSetStringsJsonValuesAndNestedMembersOverTheInputFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("input.json");
        Files.writeString(file, "{\"a\": \"from file\", \"keep\": 1, \"m\": {\"y\": 2}}");

        Cli.Result r = Cli.onex("run", RUN.resolve("echo_input.yaml").toString(), "--input-file", file.toString(),
                "--input", "a=1", "--input", "b:=[true, 2]", "--input", "m.x=deep", "--set", "ONEX_TEST_SETTING=on",
                "--output", "json");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        JsonNode echo = JSON.readTree(r.out()).get("steps").get(0).get("output").get("echo");
        assertThat(echo.get("input")).isEqualTo(JSON.readTree(
                "{\"a\": \"1\", \"keep\": 1, \"m\": {\"y\": 2, \"x\": \"deep\"}, \"b\": [true, 2]}"));
        assertThat(echo.get("setting").asString()).isEqualTo("on");
    }

    @Test
    void oneInputOptionTakesSeveralKeyValuesAsTheUsageLineWritesItAndStopsAtTheWorkflowFile() {
        Cli.Result after = Cli.onex("run", RUN.resolve("echo_input.yaml").toString(), "--input", "a=1", "b:=[true]",
                "m.x=deep", "--output", "json");
        Cli.Result before = Cli.onex("run", "--input", "a=1", "b:=[true]", "m.x=deep",
                RUN.resolve("echo_input.yaml").toString(), "--output", "json");

        for (Cli.Result r : List.of(after, before)) {
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(JSON.readTree(r.out()).get("steps").get(0).get("output").get("echo").get("input"))
                    .isEqualTo(JSON.readTree("{\"a\": \"1\", \"b\": [true], \"m\": {\"x\": \"deep\"}}"));
        }
        Cli.Result missing = Cli.onex("run", RUN.resolve("echo_input.yaml").toString(), "--input", "--dry-run");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("Missing required parameter for option '--input' (KEY=VALUE)");
    }

    @Test
    void anInputValueThatIsNotJsonIsAUsageErrorNamingTheOption() {
        Cli.Result r = Cli.onex("run", RUN.resolve("echo_input.yaml").toString(), "--input", "n:={broken");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--input n:={broken: error: the value after ':=' is not JSON");
        assertThat(TestNode.calls("test_echo")).isEmpty();
    }

    @Test
    void jsonErrorsLeaveOutJacksonsAdviceToProgrammers() {
        Cli.Result nan = Cli.onex("run", RUN.resolve("echo_input.yaml").toString(), "--input", "n:=NaN");
        Cli.Result rs = Cli.onex("run", RUN.resolve("echo_input.yaml").toString(), "--input", "n:=\u001E1");

        assertThat(nan.err()).contains("--input n:=NaN: error: the value after ':=' is not JSON: Non-standard token 'NaN'")
                .doesNotContain("JsonReadFeature");
        assertThat(rs.exitCode()).isEqualTo(2);
        assertThat(rs.err()).contains("the value after ':=' is not JSON").doesNotContain("JsonReadFeature")
                .doesNotContain("consider enabling");
        assertThat(Cli.onex("run", RUN.resolve("echo_input.yaml").toString(), "--input", "n:={\"a\":1} 2").err())
                .contains("--input n:={\"a\":1} 2: error: the value after ':=' is not JSON: not one JSON value: more"
                        + " content after the value at 1:9").doesNotContain("tools.jackson", "FAIL_ON_TRAILING_TOKENS");
    }

    @Test
    void aMetricsPathThatCannotBeWrittenIsRefusedInOneLineBeforeAnyStepRuns(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("afile"), "");
        Path metrics = file.resolve("m.json");

        Cli.Result r = Cli.onex("run", RUN.resolve("echo_input.yaml").toString(), "--input", "n=1", "--metrics",
                metrics.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("onex: error: --metrics " + metrics + ": cannot be created: " + file
                + " is a file, not a folder\n");
        assertThat(TestNode.calls("test_echo")).as("no step ran").isEmpty();
        assertThat(Cli.onex("run", RUN.resolve("echo_input.yaml").toString(), "--metrics", dir.toString()).err())
                .isEqualTo("onex: error: --metrics " + dir + ": is a folder\n");
        // a folder that looks writable but takes no new file, and a name the file system refuses
        Path tooLong = dir.resolve("m".repeat(300) + ".json");
        for (Path refused : List.of(Path.of("/proc/onex-metrics.json"), tooLong)) {
            Cli.Result p = Cli.onex("run", RUN.resolve("echo_input.yaml").toString(), "--input", "n=1", "--metrics",
                    refused.toString());
            assertThat(p.exitCode()).as(p.toString()).isEqualTo(2);
            assertThat(p.err()).startsWith("onex: error: --metrics " + refused + ": cannot be created: ");
        }
        assertThat(TestNode.calls("test_echo")).as("no step ran").isEmpty();
    }

    @Test
    void metricsThatCannotBeWrittenAtTheEndLeaveASucceededRunSucceededAndExitThree(@TempDir Path dir) {
        Path folder = dir.resolve("metrics");
        // the path is fine when the run starts; during it, a file takes the place of the folder the metrics go to
        HookCompute.HOOK.set(() -> {
            try {
                Files.writeString(folder, "");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try {
            Cli.Result r = Cli.onex("run", RUN.resolve("hook.yaml").toString(), "--metrics",
                    folder.resolve("run.json").toString());

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(Onex.OUTPUT_NOT_WRITTEN);
            assertThat(r.out()).as("the run's progress, as for any run").containsPattern("  ok +hook").contains("workflow hook succeeded");
            assertThat(r.err()).isEqualTo("onex: error: the workflow succeeded, but its metrics were not written:"
                    + " --metrics " + folder.resolve("run.json") + ": cannot be created: " + folder
                    + " is a file, not a folder\n");
        } finally {
            HookCompute.HOOK.set(() -> { });
        }
    }

    @Test
    void anEmptyJsonInputValueSaysHowToWriteNullOrAnEmptyString() {
        Cli.Result r = Cli.onex("run", RUN.resolve("echo_input.yaml").toString(), "--input", "n:=");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains(
                "--input n:=: error: nothing after ':='; write KEY:=null for JSON null, KEY= for an empty string");
        assertThat(TestNode.calls("test_echo")).isEmpty();
    }

    @Test
    void aMissingInputFileIsAnErrorAndNothingRuns() {
        Cli.Result r = Cli.onex("run", RUN.resolve("echo_input.yaml").toString(), "--input-file", "no-such-input.json");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("no-such-input.json: error: file not found");
        assertThat(TestNode.calls("test_echo")).isEmpty();
    }

    @Test
    void anInvalidWorkflowIsNotRunAndItsProblemsArePrintedWithTheirPlace() {
        Path bad = Path.of("src/test/resources/workflows/bad/13_unknown_root.yaml");

        Cli.Result r = Cli.onex("run", bad.toString(), "--plugins", plugins.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains(bad + ":16:10: error: step 'count': unknown root 'extraction_results'");
        assertThat(r.out()).isEmpty();
        assertThat(TestNode.calls("test_echo")).isEmpty();
    }

    @Test
    void withJsonOutputARefusedRunStillPrintsOneJsonResultOnStdout() {
        // a script that runs `onex run ... --output json` parses stdout whatever the exit code
        Path bad = Path.of("src/test/resources/workflows/bad/13_unknown_root.yaml");

        Cli.Result r = Cli.onex("run", bad.toString(), "--plugins", plugins.toString(), "--output", "json");

        assertThat(r.exitCode()).isEqualTo(2);
        JsonNode result = JSON.readTree(r.out());
        assertThat(result.get("status").asString()).isEqualTo("invalid");
        assertThat(result.get("file").asString()).isEqualTo(bad.toString());
        assertThat(result.get("problems")).singleElement().satisfies(p -> {
            assertThat(p.get("file").asString()).isEqualTo(bad.toString());
            assertThat(p.get("line").asInt()).isEqualTo(16);
            assertThat(p.get("column").asInt()).isEqualTo(10);
            assertThat(p.get("message").asString()).startsWith("step 'count': unknown root 'extraction_results'");
        });
        assertThat(r.err()).as("the problems still go to stderr as text")
                .contains(bad + ":16:10: error: step 'count': unknown root 'extraction_results'");

        Cli.Result missing = Cli.onex("run", RUN.resolve("echo_input.yaml").toString(), "--input-file",
                "no-such-input.json", "--output", "json");

        assertThat(missing.exitCode()).isEqualTo(2);
        JsonNode refused = JSON.readTree(missing.out());
        assertThat(refused.get("status").asString()).isEqualTo("invalid");
        assertThat(refused.get("problems")).singleElement().satisfies(p ->
                assertThat(p.get("message").asString()).isEqualTo("file not found"));
        assertThat(TestNode.calls("test_echo")).isEmpty();
    }

    @Test
    void aWorkflowNeedingANodeThatIsNotInstalledIsNotRun(@TempDir Path empty) {
        Cli.Result r = Cli.onex("run", RUN.resolve("ingest_without_kafka.yaml").toString(), "--input-file", INPUT,
                "--plugins", empty.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("error: unknown node 'validate_document_input' (handler of step 'validate_input')");
    }

    @Test
    void validateCanReportAsJson() {
        Cli.Result r = Cli.onex("validate", "src/test/resources/workflows/bad/16_duplicate_step_name.yaml",
                "--plugins", plugins.toString(), "--output", "json");

        assertThat(r.exitCode()).isEqualTo(2);
        JsonNode report = JSON.readTree(r.out());
        assertThat(report.get("valid").asBoolean()).isFalse();
        assertThat(report.get("problems")).singleElement().satisfies(p -> {
            assertThat(p.get("line").asInt()).isEqualTo(10);
            assertThat(p.get("pointer").asString()).isEqualTo("/steps/1/name");
            assertThat(p.get("message").asString()).isEqualTo("duplicate step name 'store'; the first is at line 7");
        });
    }

    @Test
    void validateOfAFileThatDoesNotExistExitsTwo() {
        Cli.Result r = Cli.onex("validate", "no/such/flow.yaml");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("no/such/flow.yaml: error: file not found");
    }

    @Test
    void validateOfALinkThatLeadsNowhereSaysSo(@TempDir Path dir) throws IOException {
        Path one = dir.resolve("one.yaml");
        Files.createSymbolicLink(one, dir.resolve("two.yaml"));
        Files.createSymbolicLink(dir.resolve("two.yaml"), one);

        Cli.Result r = Cli.onex("validate", one.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains(one + ": error: a symbolic link that leads to no file (its target is missing, or"
                + " links lead back to it)");
    }

    @Test
    void validateOfAFolderChecksEveryYamlFileInIt() {
        Cli.Result r = Cli.onex("validate", "src/test/resources/workflows/good", "--plugins", plugins.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("ok: 2 files valid (2 workflows, 0 contracts)");
    }

    @Test
    void validateRefusesAWorkflowTooLargeForRunAsRunDoes(@TempDir Path dir) throws IOException {
        // 5 MB: over the 4 MB a workflow may have, which is validate's limit for every file, checked before parsing
        Path big = dir.resolve("big.yaml");
        Files.writeString(big, """
                name: big
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: a
                    type: compute
                    compute_node: test_echo
                    input:
                      padding: |
                """ + ("        " + "x".repeat(92) + "\n").repeat(50_000));

        String tooLarge = " is " + Files.size(big) + " bytes, larger than the limit of 4194304 bytes";

        Cli.Result validate = Cli.onex("validate", big.toString(), "--plugins", plugins.toString());
        Cli.Result run = Cli.onex("run", big.toString(), "--plugins", plugins.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains(big + ":1:1: error: workflow" + tooLarge);
        assertThat(validate.exitCode()).as(validate.toString()).isEqualTo(2);
        assertThat(validate.err()).contains(big + ":1:1: error: file" + tooLarge);
    }

    @Test
    void brokerOnAPortInUseIsAClearErrorWithExitTwo() throws IOException {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Cli.Result r = Cli.onex("broker", "--port", String.valueOf(taken.getLocalPort()));

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).startsWith("onex: error: port " + taken.getLocalPort() + " on 127.0.0.1 is in use")
                    .doesNotContain("\tat ");
            assertThat(r.out()).isEmpty();
        }
    }

    @Test
    void aYamlFileThatIsNeitherWorkflowNorContractIsReported(@TempDir Path dir) throws IOException {
        Path other = dir.resolve("compose.yaml");
        Files.writeString(other, "services:\n  web: {image: nginx}\n");

        Cli.Result r = Cli.onex("validate", other.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains(other + ":1:1: error: neither an ONEX workflow (it has no 'steps') nor a node contract");
    }

    private static JsonNode find(JsonNode array, String name) {
        for (JsonNode n : array) {
            if (n.get("name").asString().equals(name)) {
                return n;
            }
        }
        throw new AssertionError("no '" + name + "' in " + array);
    }

    private static String version() {
        return ai.omninode.onex.cli.internal.VersionProvider.version();
    }
}
