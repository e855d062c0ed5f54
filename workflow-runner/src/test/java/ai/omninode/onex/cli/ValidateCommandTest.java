package ai.omninode.onex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code onex validate} as CI uses it: folders, globs, excludes, node projects, plugins, strictness, report files. */
class ValidateCommandTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final String CONTRACT = """
            name: greeting_compute
            version: {major: 1, minor: 0, patch: 0}
            description: Greets someone.
            node_type: compute
            input_model: GreetingInput
            output_model: GreetingOutput
            schemas:
              input: input.schema.json
            """;
    private static final String INPUT_SCHEMA = """
            {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
             "additionalProperties": false, "required": ["name"], "properties": {"name": {"type": "string"}}}
            """;
    private static final String WORKFLOW = """
            name: greet
            version: {major: 1, minor: 0, patch: 0}
            steps:
              - name: greet
                type: compute
                compute_node: greeting_compute
                input:
                  name: ${input.name}
            """;

    /** A node project as `onex new node` makes it: a contract in the resources, a workflow next to it, no jar yet. */
    private static Path nodeProject(Path dir) throws IOException {
        Path contract = dir.resolve("src/main/resources/com/example/greeting");
        Files.createDirectories(contract);
        Files.writeString(contract.resolve("effect_contract.yaml"), CONTRACT);
        Files.writeString(contract.resolve("input.schema.json"), INPUT_SCHEMA);
        Files.createDirectories(dir.resolve("workflows"));
        Files.writeString(dir.resolve("workflows/greet.yaml"), WORKFLOW);
        Files.writeString(dir.resolve("docker-compose.yml"), "services:\n  kafka: {image: redpanda}\n");
        Files.createDirectories(dir.resolve(".github/workflows"));
        Files.writeString(dir.resolve(".github/workflows/ci.yml"), "on: push\njobs: {}\n");
        return dir;
    }

    /** The fuzzer's input_schema {if: 5} was reported 8 times: the meta-schema reaches 'if' by several paths. */
    @Test
    void aBadKeywordInAnInputSchemaIsReportedOnce(@TempDir Path dir) throws IOException {
        Path flow = dir.resolve("flow.yaml");
        Files.writeString(flow, "name: d\nversion: 1.0.0\ninput_schema: {if: 5}\nsteps:\n  - name: a\n    type: compute\n"
                + "    compute_node: test_echo\n    input: {content: x}\n");

        Cli.Result r = Cli.onex("validate", flow.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.problems()).containsExactly(flow + ":3:20: error: '/if' must be an object (mapping) or a boolean"
                + " (true or false), found integer 5 [workflow.input-schema]");
    }

    @Test
    void aFolderWithNoOnexFileIsAnErrorNotAPass(@TempDir Path dir) throws IOException {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Path other = Files.createDirectory(dir.resolve("other"));
        Files.writeString(other.resolve("docker-compose.yml"), "services:\n  kafka: {image: redpanda}\n");

        Cli.Result none = Cli.onex("validate", empty.toString());
        Cli.Result skippedOnly = Cli.onex("validate", other.toString());

        assertThat(none.exitCode()).as(none.toString()).isEqualTo(2);
        assertThat(none.err()).contains(empty + ": error: no ONEX workflow or node contract here, so nothing was"
                + " validated (no YAML files)");
        assertThat(skippedOnly.exitCode()).as(skippedOnly.toString()).isEqualTo(2);
        assertThat(skippedOnly.err()).contains("nothing was validated (1 file skipped: not ONEX files)");
    }

    @Test
    void controlCharactersFromAWorkflowAreShownEscapedAndTheJunitReportStaysWellFormedXml(@TempDir Path dir)
            throws Exception {
        Path flow = dir.resolve("esc.yaml");
        // YAML double-quoted escapes: ESC (clears a terminal, recolours it), NUL, BEL
        Files.writeString(flow, WORKFLOW.replace("compute_node: greeting_compute",
                "compute_node: \"greeting\\u001b[2J\\u001b[31m\\u0000compute\"")
                .replace("name: ${input.name}", "name: \"${input.\\u0007}\""));
        Path junit = dir.resolve("TEST-onex.xml");

        Cli.Result r = Cli.onex("validate", flow.toString(), "--junit", junit.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("greeting\\u001B[2J\\u001B[31m\\u0000compute").doesNotContain("\u001b", "\u0000",
                "\u0007");
        assertThat(r.err()).contains("\\u0007");
        org.w3c.dom.Document xml = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(junit.toFile());
        assertThat(xml.getElementsByTagName("failure").getLength()).isEqualTo(1);
        assertThat(Files.readString(junit)).contains("\\u001B[2J");
    }

    @Test
    void aNodeProjectValidatesItsWorkflowsAgainstItsOwnContractBeforeAnyJarExists(@TempDir Path dir) throws IOException {
        Path project = nodeProject(dir);

        Cli.Result r = Cli.onex("validate", project.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("ok: 2 files valid (1 workflow, 1 contract); 1 file skipped (not ONEX files)");
        assertThat(r.err()).contains("docker-compose.yml: note: neither an ONEX workflow").contains("[file.skipped]")
                .doesNotContain("ci.yml"); // hidden folders are not searched
    }

    @Test
    void aStepInputThatBreaksTheProjectsOwnContractIsAnError(@TempDir Path dir) throws IOException {
        Path project = nodeProject(dir);
        Files.writeString(project.resolve("workflows/greet.yaml"), WORKFLOW.replace("name: ${input.name}", "nme: x"));

        Cli.Result r = Cli.onex("validate", project.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("greet.yaml:8:7: error: step 'greet': input does not match the input schema of node"
                + " 'greeting_compute': unknown field 'nme' (did you mean 'name'?)").contains("[node.input-mismatch]");
    }

    @Test
    void excludeAndGlobsChooseTheFiles(@TempDir Path dir) throws IOException {
        Path project = nodeProject(dir);
        Files.writeString(project.resolve("workflows/broken.yaml"), "name: broken\nversion: {major: 1}\nsteps: []\n");

        Cli.Result all = Cli.onex("validate", project.toString());
        Cli.Result excluded = Cli.onex("validate", project.toString(), "--exclude", "broken.yaml");
        Cli.Result globbed = Cli.onex("validate", project + "/**/greet.yaml", project + "/src/**/*.yaml");

        assertThat(all.exitCode()).as(all.toString()).isEqualTo(2);
        assertThat(all.err()).contains("broken.yaml:2:10: error: missing required field 'minor'");
        assertThat(excluded.exitCode()).as(excluded.toString()).isZero();
        assertThat(globbed.exitCode()).as(globbed.toString()).isZero();
        assertThat(globbed.out()).startsWith("ok: 2 files valid (1 workflow, 1 contract)");
    }

    /** The probe that found CI passing a broken workflow: 'flows/**' + '/*.yaml' skipped the files directly in flows/. */
    @Test
    void aDoubleStarGlobChecksTheFilesDirectlyInTheFolder(@TempDir Path dir) throws IOException {
        Path project = nodeProject(dir);
        Files.createDirectories(project.resolve("workflows/sub"));
        Files.writeString(project.resolve("workflows/sub/ok.yaml"), WORKFLOW);
        Files.writeString(project.resolve("workflows/broken.yaml"), "name: broken\nversion: {major: 1}\nsteps: []\n");

        Cli.Result r = Cli.onex("validate", project + "/./workflows/**/*.yaml",
                "--exclude", "**/greet.yaml");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("broken.yaml:2:10: error: missing required field 'minor'")
                .contains("workflows/sub/ok.yaml:6:19: error: unknown node 'greeting_compute'")
                .contains("4 errors in 2 files").doesNotContain("greet.yaml:");
    }

    @Test
    void aMalformedGlobIsAOneLineUsageErrorThatNamesIt(@TempDir Path dir) throws IOException {
        Path project = nodeProject(dir);

        Cli.Result set = Cli.onex("validate", project + "/workflows/[abc");
        Cli.Result alternatives = Cli.onex("validate", project + "/workflows/{a,b");
        Cli.Result exclude = Cli.onex("validate", project.toString(), "--exclude", "[abc");

        assertThat(set.exitCode()).as(set.toString()).isEqualTo(2);
        assertThat(set.err().lines().findFirst()).hasValue("onex validate: error: '" + project + "/workflows/[abc' is"
                + " neither a file or folder nor a valid glob: missing ']' ('[' opens a set of characters, as in [abc])");
        assertThat(alternatives.exitCode()).as(alternatives.toString()).isEqualTo(2);
        assertThat(alternatives.err()).contains("workflows/{a,b' is neither a file or folder nor a valid glob: missing"
                + " '}' ('{' opens alternatives, as in {a,b})");
        assertThat(exclude.exitCode()).as(exclude.toString()).isEqualTo(2);
        assertThat(exclude.err()).contains("onex validate: error: --exclude '[abc' is not a valid glob: missing ']'");
        for (Cli.Result r : List.of(set, alternatives, exclude)) {
            assertThat(r.err()).doesNotContain("Exception", "\tat ");
        }
    }

    @Test
    void aFileWhoseNameHasGlobCharactersCanBeNamed(@TempDir Path dir) throws IOException {
        Path project = nodeProject(dir);
        Path brackets = Files.writeString(project.resolve("workflows/reports[2024].yaml"), "name: broken\nversion:"
                + " {major: 1}\nsteps: []\n");
        Path braces = Files.writeString(project.resolve("workflows/{draft}.yaml"), WORKFLOW);

        Cli.Result r = Cli.onex("validate", brackets.toString(), braces.toString(), project.resolve("src").toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains(brackets + ":2:10: error: missing required field 'minor'")
                .contains("3 errors in 3 files");
    }

    @Test
    void whenTheExcludesLeaveOutEveryFileTheMessageSaysSo(@TempDir Path dir) throws IOException {
        Path project = nodeProject(dir);

        Cli.Result r = Cli.onex("validate", project.resolve("workflows").toString(), "--exclude", "*.yaml");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("nothing was validated (the excludes left out every file there: 1 file)")
                .contains("[file.nothing-validated]");
    }

    @Test
    void aLineFeedInsideAYamlValueDoesNotSplitTheProblemsLine(@TempDir Path dir) throws IOException {
        Path flow = dir.resolve("nl.yaml");
        Files.writeString(flow, WORKFLOW.replace("compute_node: greeting_compute", "compute_node: \"greeting\\ncompute\""));

        Cli.Result text = Cli.onex("validate", flow.toString());
        Cli.Result github = Cli.onex("validate", flow.toString(), "--output", "github");
        Cli.Result json = Cli.onex("validate", flow.toString(), "--output", "json");

        assertThat(text.exitCode()).as(text.toString()).isEqualTo(2);
        // every line of stderr but the summary is a whole problem, ending in its rule id
        assertThat(text.err().lines().toList()).hasSize(3).first().asString()
                .contains("nl.yaml:6:19: error: unknown node 'greeting\\ncompute'").endsWith("[node.unknown]");
        assertThat(text.err().lines().toList().get(1)).contains("found \"greeting\\ncompute\"")
                .endsWith("[workflow.invalid-value]");
        assertThat(github.out().lines().toList()).hasSize(3).first().asString()
                .startsWith("::error file=").contains("unknown node 'greeting%0Acompute'");
        assertThat(JSON.readTree(json.out()).get("problems").get(0).get("message").asString())
                .contains("unknown node 'greeting\ncompute'");
    }

    @Test
    void aDashReadsOneWorkflowOrContractFromStandardInput(@TempDir Path dir) throws IOException {
        java.io.InputStream stdin = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream("name: broken\nversion: {major: 1}\nsteps: []\n"
                    .getBytes(StandardCharsets.UTF_8)));
            Cli.Result broken = Cli.onex("validate", "-");
            System.setIn(new java.io.ByteArrayInputStream(WORKFLOW.getBytes(StandardCharsets.UTF_8)));
            Cli.Result named = Cli.onex("validate", "-", "--stdin-name", "flows/greet.yaml");
            System.setIn(new java.io.ByteArrayInputStream(CONTRACT.replace("schemas:\n  input: input.schema.json\n", "")
                    .getBytes(StandardCharsets.UTF_8)));
            Cli.Result contract = Cli.onex("validate", "-");

            assertThat(broken.exitCode()).as(broken.toString()).isEqualTo(2);
            assertThat(broken.err()).contains("<stdin>:2:10: error: missing required field 'minor'");
            assertThat(named.exitCode()).as(named.toString()).isEqualTo(2);
            assertThat(named.err()).contains("flows/greet.yaml:6:19: error: unknown node 'greeting_compute'");
            assertThat(contract.exitCode()).as(contract.toString()).isZero();
            assertThat(contract.out()).startsWith("ok: 1 file valid (0 workflows, 1 contract)");
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void aReportFileThatCannotBeWrittenIsAOneLineErrorBeforeAnythingIsValidated(@TempDir Path dir) throws IOException {
        Path project = nodeProject(dir);
        Path aFile = Files.writeString(dir.resolve("a-file"), "x");
        String none = Files.createDirectory(dir.resolve("none")).toString();

        Cli.Result underAFile = Cli.onex("validate", project.toString(), "--sarif",
                aFile.resolve("onex.sarif").toString());
        Cli.Result aFolder = Cli.onex("validate", project.toString(), "--junit", none);
        Cli.Result created = Cli.onex("validate", project.toString(), "--junit",
                dir.resolve("new/folder/TEST-onex.xml").toString());

        assertThat(underAFile.exitCode()).as(underAFile.toString()).isEqualTo(2);
        assertThat(underAFile.err()).isEqualTo("onex: error: cannot write " + aFile.resolve("onex.sarif")
                + ": a part of its folder path is a file, not a folder (" + aFile + ")" + System.lineSeparator());
        assertThat(underAFile.out()).isEmpty();
        assertThat(aFolder.exitCode()).isEqualTo(2);
        assertThat(aFolder.err()).isEqualTo("onex: error: cannot write " + none + ": it is a folder"
                + System.lineSeparator());
        if (Files.isDirectory(Path.of("/proc/self"))) { // Linux: a folder that takes no new file
            Cli.Result proc = Cli.onex("validate", project.toString(), "--sarif", "/proc/x.sarif");
            assertThat(proc.exitCode()).as(proc.toString()).isEqualTo(2);
            assertThat(proc.err()).startsWith("onex: error: cannot write /proc/x.sarif: ").doesNotContain("\tat ");
        }
        assertThat(created.exitCode()).as(created.toString()).isZero();
        assertThat(dir.resolve("new/folder/TEST-onex.xml")).isNotEmptyFile();
    }

    @Test
    void aReportFileThatIsAnInputOrTheOtherReportIsRefusedAndNothingIsOverwritten(@TempDir Path dir)
            throws IOException {
        Path project = nodeProject(dir);
        Path flow = project.resolve("workflows/greet.yaml");

        Cli.Result named = Cli.onex("validate", flow.toString(), "--junit", flow.toString());
        Cli.Result found = Cli.onex("validate", project.toString(), "--sarif", flow.toString());
        Cli.Result twice = Cli.onex("validate", project.toString(), "--sarif",
                dir.resolve("x").toString(), "--junit", dir.resolve("./x").toString());
        Path pipeline = Files.writeString(project.resolve("azure-pipelines.yml"), "steps:\n  - script: mvn verify\n");
        Cli.Result skipped = Cli.onex("validate", project.toString(), "--sarif", pipeline.toString());

        assertThat(named.exitCode()).as(named.toString()).isEqualTo(2);
        assertThat(named.err()).isEqualTo("onex: error: --junit " + flow + " is one of the files validated or searched:"
                + " writing the report would overwrite it; write the report elsewhere (build/test-results/TEST-onex.xml,"
                + " say)" + System.lineSeparator());
        assertThat(found.exitCode()).as(found.toString()).isEqualTo(2);
        assertThat(found.err()).contains("--sarif " + flow + " is one of the files validated");
        assertThat(Files.readString(flow)).isEqualTo(WORKFLOW);
        assertThat(twice.exitCode()).as(twice.toString()).isEqualTo(2);
        assertThat(twice.err()).contains("--sarif and --junit name the same file, " + dir.resolve("./x"));
        assertThat(dir.resolve("x")).doesNotExist();
        assertThat(skipped.exitCode()).as("a file the search skipped is the user's all the same").isEqualTo(2);
        assertThat(Files.readString(pipeline)).startsWith("steps:");
    }

    @Test
    void aReportFileNamedDashIsRefusedWithTheOptionThatWritesOnStandardOutput(@TempDir Path dir) throws IOException {
        Path project = nodeProject(dir);

        Cli.Result sarif = Cli.onex("validate", project.toString(), "--sarif", "-");

        assertThat(sarif.exitCode()).as(sarif.toString()).isEqualTo(2);
        assertThat(sarif.err()).contains("--sarif -", "--output sarif");
        assertThat(Path.of("-")).doesNotExist();
    }

    @Test
    void aNonOnexFileNamedExplicitlyIsAnError(@TempDir Path dir) throws IOException {
        Path project = nodeProject(dir);

        Cli.Result r = Cli.onex("validate", project.resolve("docker-compose.yml").toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("docker-compose.yml:1:1: error: neither an ONEX workflow").contains("[file.unrecognized]");
    }

    @Test
    void strictTurnsWarningsIntoErrors(@TempDir Path dir) throws IOException {
        Path project = nodeProject(dir);
        Files.writeString(project.resolve("workflows/greet.yaml"), WORKFLOW + "monitoring:\n  metrics_enabled: true\n");

        Cli.Result lenient = Cli.onex("validate", project.toString());
        Cli.Result strict = Cli.onex("validate", project.toString(), "--strict");

        assertThat(lenient.exitCode()).as(lenient.toString()).isZero();
        assertThat(lenient.err()).contains("greet.yaml:9:1: warning: 'monitoring' settings are accepted but not interpreted");
        assertThat(strict.exitCode()).as(strict.toString()).isEqualTo(2);
        assertThat(strict.err()).contains("greet.yaml:9:1: error: 'monitoring' settings").contains("[workflow.ignored-setting]");
    }

    @Test
    void aPluginJarThatRegistersNoNodeIsNamed(@TempDir Path dir) throws IOException {
        Path project = nodeProject(dir);
        Path plugins = Files.createDirectory(dir.resolve("plugins"));
        Path jar = plugins.resolve("forgot-services.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("com/example/README.txt"));
            out.write("no META-INF/services here".getBytes(StandardCharsets.UTF_8));
        }

        Cli.Result r = Cli.onex("validate", project.toString(), "--plugins", plugins.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains(jar + ": error: plugin registers no node: it has no"
                + " META-INF/services/ai.omninode.onex.node.EffectNode file").contains("[plugin.no-nodes]");
    }

    @Test
    void aPluginFolderWithNoJarAndALinkToAJarThatIsGoneAreNamed(@TempDir Path dir) throws IOException {
        Path project = nodeProject(dir);
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Path dangling = Files.createDirectory(dir.resolve("dangling"));
        Path gone = Files.createSymbolicLink(dangling.resolve("gone.jar"), Path.of("/nonexistent.jar"));

        Cli.Result r = Cli.onex("validate", project.toString(), "--plugins", empty.toString(), "--plugins",
                dangling.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains(empty + ": error: plugin folder holds no plugin: no .jar file, and no sub-folder"
                + " with one").contains("[plugin.no-nodes]")
                .contains(gone + ": error: a symbolic link to /nonexistent.jar, which does not exist (a dangling link)")
                .contains("[plugin.invalid]");
    }

    @Test
    void aPluginJarThatIsNoZipFileIsNamedAsUnreadableNotAsUnregistered(@TempDir Path dir) throws IOException {
        Path project = nodeProject(dir);
        Path plugins = Files.createDirectory(dir.resolve("plugins"));
        Path corrupt = Files.writeString(plugins.resolve("corrupt.jar"), "<html>404</html>");

        Cli.Result r = Cli.onex("validate", project.toString(), "--plugins", plugins.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains(corrupt + ": error: not a readable jar (zip) file: ").contains("[plugin.invalid]")
                .doesNotContain("META-INF/services");
    }

    @Test
    void aBadPluginIsReportedAndTheWorkflowIsStillCheckedAgainstTheNodesOfTheGoodOnes(@TempDir Path dir)
            throws IOException {
        Path workflow = Files.writeString(dir.resolve("m1.yaml"), """
                name: m1
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: a
                    type: effect
                    effect_node: kafka_event_effect
                    input: {topic: 42, event_type: X, payload: {}}
                  - name: b
                    type: effect
                    effect_node: no_such_node
                    input: {x: 1}
                """);
        Path bad = Files.createDirectory(dir.resolve("only_bad"));
        Path jar = bad.resolve("badservice.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("META-INF/services/ai.omninode.onex.node.EffectNode"));
            out.write("com.example.DoesNotExist\n".getBytes(StandardCharsets.UTF_8));
        }

        Cli.Result r = Cli.onex("validate", workflow.toString(), "--plugins", bad.toString(), "--plugins",
                Cli.PLUGINS.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains(jar + ": error: broken node registration in META-INF/services: ")
                .contains("[plugin.invalid]")
                .contains("m1.yaml:7:20: error: step 'a': input does not match the input schema of node"
                        + " 'kafka_event_effect'")
                .contains("m1.yaml:10:18: error: unknown node 'no_such_node'");
    }

    @Test
    void anUnknownNodeThatIsInTheInstallationsPluginsSaysThatPluginsReplacedThem(@TempDir Path dir) throws IOException {
        Path workflow = dir.resolve("publish.yaml");
        Files.writeString(workflow, """
                name: publish
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: publish
                    type: effect
                    effect_node: kafka_event_effect
                    input: {topic: t, event_type: E, payload: {}}
                """);
        String before = System.getProperty("onex.plugins");
        System.setProperty("onex.plugins", Cli.PLUGINS.toString());
        try {
            Cli.Result r = Cli.onex("validate", workflow.toString(), "--plugins", Files.createDirectory(dir.resolve("mine")).toString());

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("error: unknown node 'kafka_event_effect' (effect_node of step 'publish')")
                    .contains("'kafka_event_effect' is in the installation's plugins folder (" + Cli.PLUGINS
                            + "), which --plugins replaces: pass --plugins " + Cli.PLUGINS + " as well");
        } finally {
            if (before == null) {
                System.clearProperty("onex.plugins");
            } else {
                System.setProperty("onex.plugins", before);
            }
        }
    }

    @Test
    void reportFilesAreWrittenNextToTheConsoleOutput(@TempDir Path dir) throws IOException {
        Path project = nodeProject(dir);
        Path sarif = dir.resolve("out/onex.sarif");
        Path junit = dir.resolve("out/TEST-onex.xml");

        Cli.Result r = Cli.onex("validate", project.toString(),
                "--sarif", sarif.toString(), "--junit", junit.toString(), "--output", "github");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        // a skipped file is a log line, not an annotation, nor a code-scanning result
        assertThat(r.out()).contains("docker-compose.yml: note: neither an ONEX workflow").doesNotContain("::notice");
        JsonNode log = JSON.readTree(Files.readString(sarif));
        assertThat(log.get("version").asString()).isEqualTo("2.1.0");
        JsonNode run = log.get("runs").get(0);
        assertThat((Iterable<JsonNode>) run.get("results")).extracting(x -> x.get("ruleId").asString())
                .doesNotContain("file.skipped");
        assertThat(run.at("/invocations/0/toolExecutionNotifications/0/associatedRule/id").asString())
                .isEqualTo("file.skipped");
        assertThat(Files.readString(junit)).contains("<testsuites name=\"onex validate\" tests=\"3\" failures=\"0\"");
    }

    @Test
    void theOutputFormatsAreAllAccepted(@TempDir Path dir) throws IOException {
        Path project = nodeProject(dir);
        for (String format : new String[] {"text", "json", "sarif", "junit", "github", "SARIF"}) {
            Cli.Result r = Cli.onex("validate", project.toString(), "--output", format);

            assertThat(r.exitCode()).as(format + ": " + r).isZero();
        }
        Cli.Result bad = Cli.onex("validate", project.toString(), "--output", "xml");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err().toLowerCase(java.util.Locale.ROOT)).contains("--output", "sarif", "junit", "github",
                "not shown");
    }

    @Test
    void helpShowsEveryOptionWithAnExample() {
        // picocli wraps at 80 columns: compare with the line breaks folded
        String help = Cli.onex("validate", "--help").out().replaceAll("\\s+", " ");

        assertThat(help).contains("--exclude=GLOB", "--exclude 'docker-compose*.yml'", "--plugins=DIR", "--output=FORMAT",
                "--output sarif > onex.sarif", "--strict", "onex validate . --strict", "--sarif=FILE",
                "--sarif build/onex.sarif", "--junit=FILE", "--junit build/test-results/TEST-onex.xml", "Examples:",
                "onex validate . --output github", "Exit codes:", "docs/validation-rules.md", "--stdin-name=NAME",
                "- for one workflow or contract on standard input", "**/ is zero or more folders");
    }
}
