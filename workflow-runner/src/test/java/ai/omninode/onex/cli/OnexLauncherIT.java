package ai.omninode.onex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as a user runs it, after {@code package}: {@code target/onex/bin/onex} in a process of its own,
 * from the repository root, with the README's first command.
 */
class OnexLauncherIT {
    private static final Path DIST = Path.of(System.getProperty("onex.test.dist", "target/onex")).toAbsolutePath();

    @TempDir
    Path tmp;

    record Run(int exitCode, String out, String err, long millis) {
    }

    private Run onex(String... args) throws IOException, InterruptedException {
        return launch(DIST.resolve("bin/onex").toString(), Cli.REPO, Map.of(), args);
    }

    /** Runs {@code launcher} (a path, relative to {@code directory} or absolute) in {@code directory}. */
    private Run launch(String launcher, Path directory, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(launcher);
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(directory.toFile())
                .redirectOutput(tmp.resolve("out.txt").toFile())
                .redirectError(tmp.resolve("err.txt").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("KAFKA_") || k.startsWith("ONEX_") || k.equals("CDPATH"));
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("onex did not finish in 180 s: " + command);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        return new Run(p.exitValue(), Files.readString(tmp.resolve("out.txt")), Files.readString(tmp.resolve("err.txt")), ms);
    }

    @Test
    void theReadmeCommandRunsTheExampleOnAnEmbeddedBrokerAndPrintsWhereTheEventWent() throws Exception {
        Run r = onex("run", "examples/document_ingestion.yaml", "--input-file", "examples/document_ingestion.input.json",
                "--embedded-kafka");

        assertThat(r.exitCode()).as("%s%n%s", r.out(), r.err()).isZero();
        assertThat(r.out()).contains("published DOCUMENT_INGESTED: topic dev.archon-intelligence.enrichment.completed.v1,"
                + " partition 0, offset 0");
        for (String line : r.out().split("\\R")) {
            assertThat(line).as("stdout holds progress and results only, no log lines")
                    .matches("^(running workflow |embedded Kafka broker started |  (ok|retry|FAILED|failed\\*|skipped) "
                            + "|workflow |published |step ).*");
        }
        System.out.printf("README command: %d ms%n", r.millis());
    }

    /** DESIGN.md: the runner module is also an executable jar, which finds the installation's plugins as bin/onex does. */
    @Test
    void theBuildsJarRunsWithJavaDashJarAndFindsTheInstallationsNodes() throws Exception {
        Path jar;
        try (var files = Files.list(DIST.getParent())) {
            jar = files.filter(f -> f.getFileName().toString().matches("onex-workflow-runner-[^-]+(-SNAPSHOT)?\\.jar"))
                    .findFirst().orElseThrow();
        }
        String javaCommand = Path.of(System.getProperty("java.home"), "bin", "java").toString();

        Run nodes = launch(javaCommand, Cli.REPO, Map.of(), "-jar", jar.toString(), "nodes");
        Run validate = launch(javaCommand, Cli.REPO, Map.of(), "-jar", jar.toString(), "validate",
                "examples/document_ingestion.yaml");

        assertThat(nodes.exitCode()).as("%s%n%s", nodes.out(), nodes.err()).isZero();
        assertThat(nodes.out()).containsPattern("kafka_event_effect +1\\.0\\.0 +effect +"
                + java.util.regex.Pattern.quote(DIST.resolve("plugins").toString()));
        assertThat(validate.exitCode()).as("%s%n%s", validate.out(), validate.err()).isZero();
    }

    @Test
    void metricsGoToAFileOnceAtTheEndWithTheRunnersTheKafkaNodesAndTheProducersMeters() throws Exception {
        Path file = tmp.resolve("metrics/run.json");
        Run r = onex("run", "examples/document_ingestion.yaml", "--input-file", "examples/document_ingestion.input.json",
                "--embedded-kafka", "--metrics", file.toString());

        assertThat(r.exitCode()).as("%s%n%s", r.out(), r.err()).isZero();
        tools.jackson.databind.JsonNode meters = tools.jackson.databind.json.JsonMapper.builder().build()
                .readTree(file.toFile()).get("meters");
        List<String> names = new ArrayList<>();
        meters.forEach(m -> names.add(m.get("name").asString()));
        assertThat(names).contains("onex.workflow.runs", "onex.workflow.steps", "onex.kafka.events", "onex.kafka.publish",
                "resilience4j.circuitbreaker.state", "kafka.producer.record.send.total");
        tools.jackson.databind.JsonNode published = null;
        for (tools.jackson.databind.JsonNode m : meters) {
            if (m.get("name").asString().equals("onex.kafka.events")
                    && m.get("tags").get("outcome").asString().equals("published")) {
                published = m;
            }
        }
        assertThat(published).isNotNull();
        assertThat(published.get("tags").get("topic").asString()).isEqualTo("dev.archon-intelligence.enrichment.completed.v1");
        assertThat(published.get("measurements").get("count").asDouble()).isEqualTo(1.0);
        for (tools.jackson.databind.JsonNode m : meters) {
            if (m.get("name").asString().equals("onex.workflow.runs")) {
                assertThat(m.get("tags").get("outcome").asString()).isEqualTo("succeeded");
                assertThat(m.get("measurements").get("count").asDouble()).isEqualTo(1.0);
            }
        }
    }

    @Test
    void withJsonLogsEveryLineAboutAnEventCarriesTheRunsCorrelationId() throws Exception {
        String correlation = "7a1c0b7e-5d1e-4c5a-9b0f-3f1f3e2a9d11";
        // an event too large for the producer: Kafka refuses it, and the node logs a WARN line about it
        Path workflow = Path.of("workflow-runner/src/test/resources/workflows/run/publish_text.yaml");
        Run r = launch(DIST.resolve("bin/onex").toString(), Cli.REPO, Map.of("ONEX_LOG_FORMAT", "json"),
                "run", workflow.toString(), "--input", "text=" + "x".repeat(3000), "--input", "correlation_id=" + correlation,
                "--set", "ONEX_KAFKA_MAX_REQUEST_SIZE=2048", "--embedded-kafka", "--output", "json");

        assertThat(r.exitCode()).as("%s%n%s", r.out(), r.err()).isEqualTo(1);
        tools.jackson.databind.json.JsonMapper json = tools.jackson.databind.json.JsonMapper.builder().build();
        assertThat(json.readTree(r.out()).get("correlation_id").asString()).isEqualTo(correlation);
        List<tools.jackson.databind.JsonNode> lines = new ArrayList<>();
        for (String line : r.err().split("\\R")) {
            if (line.startsWith("{")) {
                lines.add(json.readTree(line));
            }
        }
        assertThat(lines).as("JSON log lines on stderr:%n%s", r.err()).isNotEmpty();
        List<tools.jackson.databind.JsonNode> aboutTheRun = lines.stream()
                .filter(l -> l.path("loggerName").asString("").startsWith("ai.omninode")
                        && l.path("message").asString("").contains(" event "))
                .toList();
        assertThat(aboutTheRun).as("log lines about an event:%n%s", r.err()).isNotEmpty()
                .allSatisfy(l -> assertThat(l.path("mdc").path("correlation_id").asString()).isEqualTo(correlation));
    }

    /**
     * A password with a quote in it: picocli warned about the unbalanced quotes with the whole argument, and Kafka's
     * JAAS parser named the rest of the password as an option name; neither reaches the terminal now.
     */
    @Test
    void aJaasConfigWithAQuoteInThePasswordIsNeverPrinted() throws Exception {
        String jaas = "ONEX_KAFKA_SASL_JAAS_CONFIG=org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\"alice\" password=\"Ab\"Zq9Secr3tPw\";";
        Run dry = onex("run", "examples/document_ingestion.yaml", "--input-file", "examples/document_ingestion.input.json",
                "--dry-run", "--set", jaas);
        Run run = launch(DIST.resolve("bin/onex").toString(), Cli.REPO, Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"),
                "run", "examples/document_ingestion.yaml", "--input-file", "examples/document_ingestion.input.json",
                "--set", "ONEX_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT", "--set", "ONEX_KAFKA_SASL_MECHANISM=PLAIN",
                "--set", jaas);

        assertThat(dry.exitCode()).as("%s%n%s", dry.out(), dry.err()).isZero();
        assertThat(run.exitCode()).as("%s%n%s", run.out(), run.err()).isEqualTo(2);
        assertThat(run.err()).contains("ONEX_KAFKA_SASL_JAAS_CONFIG");
        for (Run r : List.of(dry, run)) {
            assertThat(r.out() + r.err()).doesNotContain("Zq9Secr3tPw", "picocli");
        }
    }

    /**
     * The class-data archive names the jars by path: a copy of the installation elsewhere leaves it out (the JVM would
     * map it only to refuse it), and still runs; the installation where it was made uses it.
     */
    @Test
    void aCopyOfTheInstallationElsewhereRunsWithoutTheArchiveMadeForTheOriginal() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(DIST.resolve("lib/onex.jsa")),
                "the build made no class-data archive");
        Path copy = tmp.resolve("copied-onex");
        try (var paths = Files.walk(DIST)) {
            for (Path from : (Iterable<Path>) paths::iterator) {
                Path to = copy.resolve(DIST.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(from, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        Map<String, String> cdsLog = Map.of("ONEX_OPTS", "-Xlog:cds=info");

        Run original = launch(DIST.resolve("bin/onex").toString(), Cli.REPO, cdsLog, "--version");
        Run copied = launch(copy.resolve("bin/onex").toString(), Cli.REPO, cdsLog, "--version");

        assertThat(original.exitCode()).as("%s%n%s", original.out(), original.err()).isZero();
        assertThat(original.out()).contains("onex.jsa").doesNotContain("mismatch");
        assertThat(copied.exitCode()).as("%s%n%s", copied.out(), copied.err()).isZero();
        assertThat(copied.out()).containsPattern("(?m)^onex \\S+$").doesNotContain("onex.jsa", "mismatch");
    }

    /** A host logging JSON gets its start-up warnings as JSON too, not as a plain line among them. */
    @Test
    void serveWithJsonLogsWarnsAboutAMisspelledVariableAsAJsonLine() throws Exception {
        Run r = launch(DIST.resolve("bin/onex").toString(), Cli.REPO, Map.of("ONEX_LOG_FORMAT", "json",
                "KAFKA_TOPIC_PREFX", "secret-looking-value", "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"),
                "serve", "examples/document_ingestion.yaml", "--set", "KAFKA_EVENT_CLUSTER_CHECK_TIMEOUT_MS=500");

        assertThat(r.exitCode()).as("%s%n%s", r.out(), r.err()).isEqualTo(2);
        assertThat(r.err()).doesNotContain("onex: warning", "secret-looking-value");
        tools.jackson.databind.json.JsonMapper json = tools.jackson.databind.json.JsonMapper.builder().build();
        assertThat(r.err().lines().filter(l -> l.startsWith("{")).map(json::readTree)
                .filter(l -> "WARN".equals(l.path("level").asString()))
                .map(l -> l.path("message").asString()))
                .as(r.err()).contains("the environment sets KAFKA_TOPIC_PREFX, which no node here reads (did you mean"
                        + " 'KAFKA_TOPIC_PREFIX'?); it is ignored");
    }

    @Test
    void theFailingExampleExitsOneAfterPublishingTheFailureEvent() throws Exception {
        Run r = onex("run", "examples/document_ingestion_failing.yaml", "--input-file",
                "examples/document_ingestion.input.json", "--embedded-kafka");

        assertThat(r.exitCode()).as("%s%n%s", r.out(), r.err()).isEqualTo(1);
        assertThat(r.out()).contains("failed step: store_vectors: collection 'archived_documents' does not exist")
                .contains("published DOCUMENT_INGESTION_FAILED: topic dev.archon-intelligence.enrichment.failed.v1,"
                        + " partition 0, offset 0");
    }

    @Test
    void theInstalledPluginsAreFoundWithoutAnyOption() throws Exception {
        Run r = onex("nodes");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("(?m)^kafka_event_effect +1\\.0\\.0 +effect +.*/plugins/onex-node-kafka-event-effect-.*-plugin\\.jar$")
                .containsPattern("(?m)^vectorization_compute +1\\.0\\.0 +compute +.*/plugins/onex-examples-.*-plugin\\.jar$");
    }

    @Test
    void onexPluginsThatLeaveOutTheInstallationsFolderIsNamedWhenANodeFromThereIsMissing() throws Exception {
        Path empty = Files.createDirectory(tmp.resolve("no-plugins"));
        Map<String, String> env = Map.of("ONEX_PLUGINS", empty.toString());

        Run run = launch(DIST.resolve("bin/onex").toString(), Cli.REPO, env, "run", "examples/document_ingestion.yaml",
                "--input-file", "examples/document_ingestion.input.json");
        Run nodes = launch(DIST.resolve("bin/onex").toString(), Cli.REPO, env, "nodes");

        assertThat(run.exitCode()).as("%s%n%s", run.out(), run.err()).isEqualTo(2);
        assertThat(run.err()).contains("unknown node 'kafka_event_effect'", "is in the installation's plugins folder ("
                + DIST.resolve("plugins") + "), which ONEX_PLUGINS replaces: add it to ONEX_PLUGINS");
        assertThat(nodes.out()).contains("no nodes found", "ONEX_PLUGINS replaces the installation's plugins folder ("
                + DIST.resolve("plugins") + ")");
    }

    @Test
    void validateOfTheExamplesAndContractsIsCleanForCi() throws Exception {
        Run r = onex("validate", "examples", "contracts/nodes");

        assertThat(r.exitCode()).as("%s%n%s", r.out(), r.err()).isZero();
        assertThat(r.out()).startsWith("ok: ");
    }

    @Test
    void theLauncherFindsItsInstallationWhenCdpathIsSet() throws Exception {
        // with CDPATH set, `cd` prints the folder it went to, which ended up inside ONEX_HOME: no class path, exit 1
        Run r = launch("bin/onex", DIST, Map.of("CDPATH", "."), "--version");

        assertThat(r.exitCode()).as("%s%n%s", r.out(), r.err()).isZero();
        assertThat(r.out()).startsWith("onex ");
    }

    @Test
    void theLauncherWorksThroughRelativeSymlinksInFoldersWithSpacesAndPassesTheExitCodeOn() throws Exception {
        Path linkDir = Files.createDirectories(tmp.resolve("my tools"));
        Path otherDir = Files.createDirectories(tmp.resolve("other tools"));
        Files.createSymbolicLink(otherDir.resolve("onex"), DIST.resolve("bin/onex"));
        Files.createSymbolicLink(linkDir.resolve("onex"), Path.of("../other tools/onex"));

        Run version = launch(linkDir.resolve("onex").toString(), tmp, Map.of(), "--version");
        Run invalid = launch(linkDir.resolve("onex").toString(), tmp, Map.of(), "validate", "no such flow.yaml");

        assertThat(version.exitCode()).as("%s%n%s", version.out(), version.err()).isZero();
        assertThat(version.out()).startsWith("onex ");
        assertThat(invalid.exitCode()).as("%s%n%s", invalid.out(), invalid.err()).isEqualTo(2);
        assertThat(invalid.err()).contains("no such flow.yaml: error: file not found");
    }

    @Test
    void shortCommandsStartOnTheFastStartingJvmSettingsAndTheBrokerKeepsTheJvmDefaults() throws Exception {
        Map<String, String> printFlags = Map.of("ONEX_OPTS", "-XX:+PrintCommandLineFlags");

        Run version = launch(DIST.resolve("bin/onex").toString(), Cli.REPO, printFlags, "--version");
        Run broker = launch(DIST.resolve("bin/onex").toString(), Cli.REPO, printFlags, "broker", "--help");

        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).contains("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
        assertThat(broker.exitCode()).as("%s%n%s", broker.out(), broker.err()).isZero();
        assertThat(broker.out()).contains("-XX:+PrintCommandLineFlags", "Usage: onex broker")
                .as("no C1-only JIT (the collector is the JVM's own choice: Serial on a machine with 1 CPU)")
                .doesNotContain("TieredStopAtLevel");
    }

    @Test
    void versionStartsQuickly() throws Exception {
        Run r = onex("--version");

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).startsWith("onex ");
        System.out.printf("onex --version: %d ms%n", r.millis());
    }

    @Test
    void withoutAKafkaAddressTheRunIsRefusedBeforeAnyStepNamingTheDefaultAndTheVariable() throws Exception {
        Run r = onex("run", "examples/document_ingestion.yaml", "--input-file", "examples/document_ingestion.input.json");

        assertThat(r.exitCode()).as("%s%n%s", r.out(), r.err()).isEqualTo(2);
        assertThat(r.out()).as("no step ran").doesNotContain("running workflow");
        assertThat(r.err()).contains("node 'kafka_event_effect' could not be initialized: Kafka producer initialization"
                + " failed: cannot resolve host omninode-bridge-redpanda of the Kafka bootstrap servers"
                + " omninode-bridge-redpanda:9092 (the default address; KAFKA_BOOTSTRAP_SERVERS is not set). Set"
                + " KAFKA_BOOTSTRAP_SERVERS to the brokers' host:port list")
                .as("refused before any Kafka client existed").doesNotContain("ClientUtils");
        System.out.printf("no Kafka address: refused in %d ms%n", r.millis());
    }

    /**
     * A misspelled --set name would be ignored and the node run on its default address. The installed nodes all list
     * the settings they read, so such a name is refused before any node or broker starts, with the name meant; the
     * nodes' own names and families, and the host's, pass. Never with the value.
     */
    @Test
    void aSetNameNoInstalledNodeReadsIsRefusedWithTheNameMeant() throws Exception {
        Run dry = onex("run", "examples/document_ingestion.yaml", "--input-file", "examples/document_ingestion.input.json",
                "--dry-run", "--set", "KAFKA_BOOTSTRAP_SERVRES=127.0.0.1:1", "--set", "QDRANT_COLLECTIONS=documents");
        Run run = onex("run", "examples/document_ingestion.yaml", "--input-file", "examples/document_ingestion.input.json",
                "--set", "KAFKA_EVENT_ENABLE_DLQ=false", "--set", "NO_SUCH_SETTING=1");
        Run fine = onex("run", "examples/document_ingestion.yaml", "--input-file", "examples/document_ingestion.input.json",
                "--dry-run", "--set", "ONEX_KAFKA_LINGER_MS=5", "--set", "QDRANT_COLLECTIONS=documents");
        Run serve = onex("serve", "examples/document_ingestion.yaml", "--embedded-kafka", "--set", "KAFKA_TOPIC_PREFX=x",
                "--set", "ONEX_CONSUMER_MAX_POLL_RECORDS=5");
        Run publish = onex("publish", "t", "--event-type", "E", "--input", "a=1",
                "--set", "KAFKA_BOOTSTRAP_SERVRES=127.0.0.1:1");
        // with the inputs on a stream that never ends: refused before the stream is read
        Run streamed = onex("run", "examples/document_ingestion.yaml", "--inputs", "-",
                "--set", "KAFKA_BOOTSTRAP_SERVRES=127.0.0.1:1");
        // a setting the workflow reads itself (${env.NAME}) is known too
        Path withEnv = Files.writeString(tmp.resolve("with-env.yaml"), Files.readString(Cli.REPO.resolve(
                "examples/document_ingestion.yaml")).replace("\n        vectorized: ${vectorization_result.success}\n",
                "\n        vectorized: ${vectorization_result.success}\n        ingested_by: ${env.INGESTED_BY:unknown}\n"));
        assertThat(Files.readString(withEnv)).contains("ingested_by: ${env.INGESTED_BY:unknown}");
        Run env = onex("run", withEnv.toString(), "--input-file", "examples/document_ingestion.input.json",
                "--dry-run", "--set", "INGESTED_BY=batch-7", "--set", "INGESTED_BYY=x");

        assertThat(dry.exitCode()).as("%s%n%s", dry.out(), dry.err()).isEqualTo(2);
        assertThat(dry.err()).contains("--set: error: KAFKA_BOOTSTRAP_SERVRES is not a setting of any node here (did"
                + " you mean 'KAFKA_BOOTSTRAP_SERVERS'?)").doesNotContain("QDRANT_COLLECTIONS is not", "127.0.0.1:1");
        assertThat(run.exitCode()).as("%s%n%s", run.out(), run.err()).isEqualTo(2);
        assertThat(run.out()).as("no step ran").doesNotContain("running workflow");
        assertThat(run.err()).contains("--set: error: NO_SUCH_SETTING is not a setting of any node here; the settings"
                + " read here: KAFKA_BOOTSTRAP_SERVERS, KAFKA_EVENT_ACKS, ").contains("ONEX_KAFKA_*", "QDRANT_COLLECTIONS")
                .doesNotContain("KAFKA_EVENT_ENABLE_DLQ is not");
        assertThat(fine.exitCode()).as("%s%n%s", fine.out(), fine.err()).isZero();
        assertThat(serve.exitCode()).as("%s%n%s", serve.out(), serve.err()).isEqualTo(2);
        assertThat(serve.err()).contains("--set: KAFKA_TOPIC_PREFX is not a setting of any node here (did you mean"
                + " 'KAFKA_TOPIC_PREFIX'?)").doesNotContain("ONEX_CONSUMER_MAX_POLL_RECORDS");
        assertThat(serve.out()).doesNotContain("embedded Kafka broker started");
        assertThat(streamed.exitCode()).as("%s%n%s", streamed.out(), streamed.err()).isEqualTo(2);
        assertThat(streamed.err()).contains("--set: error: KAFKA_BOOTSTRAP_SERVRES is not a setting");
        assertThat(env.exitCode()).as("%s%n%s", env.out(), env.err()).isEqualTo(2);
        assertThat(env.err()).contains("--set: error: INGESTED_BYY is not a setting of any node here (did you mean"
                + " 'INGESTED_BY'?)").doesNotContain("INGESTED_BY is not");
        assertThat(publish.exitCode()).as("%s%n%s", publish.out(), publish.err()).isEqualTo(2);
        assertThat(publish.err()).contains("--set: KAFKA_BOOTSTRAP_SERVRES is not a setting of any node here (did you"
                + " mean 'KAFKA_BOOTSTRAP_SERVERS'?)").doesNotContain("127.0.0.1:1");
    }

    @Test
    void anAddressNoBrokerAnswersAtIsOneCleanErrorWithoutTheKafkaClientsConnectionWarnings() throws Exception {
        String[] args = {"run", "examples/document_ingestion.yaml", "--input-file",
            "examples/document_ingestion.input.json", "--set", "KAFKA_EVENT_CLUSTER_CHECK_TIMEOUT_MS=1500"};
        Run quiet = launch(DIST.resolve("bin/onex").toString(), Cli.REPO, Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"),
                args);
        Run verbose = launch(DIST.resolve("bin/onex").toString(), Cli.REPO, Map.of("KAFKA_BOOTSTRAP_SERVERS",
                "127.0.0.1:1", "ONEX_LOG_LEVEL", "warn"), args);

        assertThat(quiet.exitCode()).as("%s%n%s", quiet.out(), quiet.err()).isEqualTo(2);
        assertThat(quiet.err()).contains("no Kafka broker answered at 127.0.0.1:1")
                .doesNotContain("NetworkClient", "WARN");
        assertThat(verbose.exitCode()).isEqualTo(2);
        assertThat(verbose.err()).as("asked for").contains("WARN", "NetworkClient", "could not be established");

        // a host's log is where an outage is read: onex serve keeps them
        Run serve = launch(DIST.resolve("bin/onex").toString(), Cli.REPO, Map.of("KAFKA_BOOTSTRAP_SERVERS",
                "127.0.0.1:1"), "serve", "examples/document_ingestion.yaml", "--set",
                "KAFKA_EVENT_CLUSTER_CHECK_TIMEOUT_MS=1500");
        assertThat(serve.exitCode()).as("%s%n%s", serve.out(), serve.err()).isEqualTo(2);
        assertThat(serve.err()).contains("no Kafka broker answered at 127.0.0.1:1", "NetworkClient",
                "could not be established");
    }

    @Test
    void anEmptyLogLevelIsTheDefaultAndAnUnknownOneIsRefusedRatherThanReadAsDebug() throws Exception {
        Run empty = launch(DIST.resolve("bin/onex").toString(), Cli.REPO, Map.of("ONEX_LOG_LEVEL", ""), "nodes");
        Run bogus = launch(DIST.resolve("bin/onex").toString(), Cli.REPO, Map.of("ONEX_LOG_LEVEL", "bogus"), "nodes");

        assertThat(empty.exitCode()).as("%s%n%s", empty.out(), empty.err()).isZero();
        assertThat(empty.err()).doesNotContain("DEBUG");
        assertThat(bogus.exitCode()).isEqualTo(2);
        assertThat(bogus.err()).contains("ONEX_LOG_LEVEL must be one of trace, debug, info, warn, error, off, but was"
                + " 'bogus'");
    }

    @Test
    void aRunRefusedForItsInputConnectsNowhereAndLogsNoKafkaWarning() throws Exception {
        Run r = onex("run", "examples/document_ingestion.yaml", "--input", "document_id=doc-1");

        assertThat(r.exitCode()).as("%s%n%s", r.out(), r.err()).isEqualTo(2);
        assertThat(r.err()).contains("input: error: missing required field 'content'")
                .doesNotContain("ClientUtils", "Couldn't resolve", "Kafka producer");
    }

    @Test
    void theInstallationHasABashCompletionScriptThatCompletesCommandsAndOptions() throws Exception {
        Path script = DIST.resolve("completion/onex.bash");
        assertThat(script).isRegularFile();

        Run r = launch("bash", tmp, Map.of(), "-c", ". '" + script + "'; "
                + "COMP_WORDS=(onex ru); COMP_CWORD=1; _complete_onex 2>/dev/null; echo \"${COMPREPLY[*]}\"; "
                + "COMP_WORDS=(onex run flow.yaml --dry); COMP_CWORD=3; _complete_onex 2>/dev/null; "
                + "echo \"${COMPREPLY[*]}\"");

        assertThat(r.out().lines().toList()).containsExactly("run", "--dry-run");
    }

    @Test
    void ctrlCDuringABatchStartsNoNewInputLetsTheRunsInFlightFinishAndPrintsTheSummary() throws Exception {
        Path inputs = tmp.resolve("many.jsonl");
        String line = Files.readString(Cli.REPO.resolve("examples/batch/documents.jsonl")).lines().findFirst()
                .orElseThrow();
        Files.write(inputs, java.util.Collections.nCopies(20_000, line));
        Process p = start(Map.of("ONEX_PROGRESS", "lines"), "run", "examples/document_ingestion.yaml", "--inputs",
                inputs.toString(), "--concurrency", "4", "--embedded-kafka", "--output", "json");
        awaitLines(tmp.resolve("out.txt"), 20, p);

        new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();

        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("exits after the runs in flight").isTrue();
        String out = Files.readString(tmp.resolve("out.txt"));
        String err = Files.readString(tmp.resolve("err.txt"));
        int done = (int) out.lines().count();
        assertThat(p.exitValue()).as(err).isEqualTo(130);
        assertThat(err).contains("onex: interrupted: no new input will start; waiting up to 30 s for the")
                .containsPattern("batch of 20000 inputs from .*: " + done + " succeeded, 0 failed")
                .contains("interrupted: no new input was started; the runs in flight finished; " + (20_000 - done)
                        + " inputs were not run");
        assertThat(out.lines()).allSatisfy(json -> assertThat(json).contains("\"status\":\"succeeded\""));
    }

    @Test
    void aSingleRunCutOffByCtrlCStillAnswersOutputJsonWithTheStepWhoseOutcomeIsUnknown() throws Exception {
        Path plugins = testNodePlugins();
        Path flow = hangingWorkflow(120_000);
        Process p = start(Map.of(), "run", flow.toString(), "--plugins", plugins.toString(), "--output", "json");
        awaitLines(tmp.resolve("err.txt"), 1, p); // "running workflow hang ..." (on stderr with --output json)

        new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();

        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(130);
        tools.jackson.databind.JsonNode result = tools.jackson.databind.json.JsonMapper.builder().build()
                .readTree(Files.readString(tmp.resolve("out.txt")));
        assertThat(result.get("status").asString()).isEqualTo("interrupted");
        assertThat(result.get("steps")).extracting(st -> st.get("name").asString() + " " + st.get("status").asString())
                .containsExactly("wait cut_off");
        assertThat(result.get("steps").get(0).get("outcome_unknown").asBoolean()).isTrue();
        assertThat(result.get("failure").get("message").asString()).as("test_hang runs in a compute step")
                .doesNotContain("its effect may or may not have happened").contains("a compute step");
        assertThat(result.get("failure").get("message").asString()).contains("was cut off", "--run-key "
                + result.get("run_key").asString());
    }

    @Test
    void ctrlCDuringASingleRunSaysWhatHappenedToTheStepInFlight() throws Exception {
        // test_hang never answers, and its step gives up after 3 s
        Path plugins = testNodePlugins();
        Path flow = hangingWorkflow(3000);
        Process p = start(Map.of(), "run", flow.toString(), "--plugins", plugins.toString());
        awaitLines(tmp.resolve("out.txt"), 1, p); // "running workflow hang ..."

        new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();

        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String err = Files.readString(tmp.resolve("err.txt"));
        assertThat(p.exitValue()).isEqualTo(130);
        assertThat(err).contains("onex: interrupted while step wait (node test_hang) ran; letting the run finish (up to"
                + " 10 s)", "onex: interrupted: the run finished; its outcome is above");
        assertThat(Files.readString(tmp.resolve("out.txt"))).contains("FAILED  wait", "did not answer within 3000 ms");
    }

    /**
     * A node that calls System.exit(0): the JVM ran the Ctrl-C hook, which said "interrupted", and the process ended
     * with the node's status, 0, after a run that failed.
     */
    @Test
    void aNodeThatCallsSystemExitEndsTheRunWithExitOneAndSaysSoNotInterruptedOrZero() throws Exception {
        Path plugins = testNodePlugins();
        Path flow = Files.writeString(tmp.resolve("exit.yaml"), """
                name: exits
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - {name: leave, type: compute, compute_node: test_exit, timeout_ms: 2000, input: {status: 0}}
                """);
        Process p = start(Map.of(), "run", flow.toString(), "--plugins", plugins.toString());

        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String err = Files.readString(tmp.resolve("err.txt"));
        assertThat(p.exitValue()).as(err).isEqualTo(Onex.WORKFLOW_FAILED);
        assertThat(err).contains("onex: System.exit was called in the process while step leave (node test_exit) ran"
                + " (by a node or a library)").doesNotContain("onex: interrupted");
        assertThat(Files.readString(tmp.resolve("out.txt"))).contains("FAILED  leave");
    }

    @Test
    void ctrlCWhileAStepWaitsToRetryEndsTheWaitAndReportsTheStepAsFailedNotAsCutOff() throws Exception {
        Path flow = Files.writeString(tmp.resolve("failing.yaml"), Files.readString(Cli.REPO.resolve(
                "examples/document_ingestion_failing.yaml")).replace("base_delay_ms: 100", "base_delay_ms: 60000")
                .replace("max_delay_ms: 2000", "max_delay_ms: 60000"));
        assertThat(Files.readString(flow)).contains("base_delay_ms: 60000", "max_delay_ms: 60000");
        Process p = start(Map.of(), "run", flow.toString(), "--input-file", "examples/document_ingestion.input.json",
                "--embedded-kafka");
        Path out = tmp.resolve("out.txt");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(120))
                .pollInterval(java.time.Duration.ofMillis(50))
                .until(() -> !p.isAlive() || Files.exists(out) && Files.readString(out).contains("retrying in 60000 ms"));
        assertThat(p.isAlive()).as("waiting to retry when the signal comes").isTrue();

        new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();

        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String err = Files.readString(tmp.resolve("err.txt"));
        assertThat(p.exitValue()).as(err).isEqualTo(130);
        assertThat(err).contains("onex: interrupted: the run finished; its outcome is above")
                .doesNotContain("cut off", "may or may not have happened");
        assertThat(Files.readString(out)).containsPattern("FAILED +store_vectors")
                .contains("(not retried: interrupted while waiting to retry)", "publish_error_event");
    }

    /** {@code bin/onex ARGS} started in the repository root, its output going to out.txt and err.txt in tmp. */
    /** The runner's test nodes (test_hang never answers), as a plugin folder; the test is skipped without their jar. */
    private Path testNodePlugins() throws Exception {
        Path jar = Path.of(ai.omninode.onex.workflow.testnodes.TestNode.class.getProtectionDomain().getCodeSource()
                .getLocation().toURI());
        org.junit.jupiter.api.Assumptions.assumeTrue(jar.toString().endsWith(".jar"), "the test nodes are in a jar");
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        Files.copy(jar, plugins.resolve(jar.getFileName()));
        return plugins;
    }

    /** One step on test_hang that gives up after {@code timeoutMs}. */
    private Path hangingWorkflow(int timeoutMs) throws IOException {
        return Files.writeString(tmp.resolve("hang.yaml"), """
                name: hang
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - {name: wait, type: compute, compute_node: test_hang, timeout_ms: %d}
                """.formatted(timeoutMs));
    }

    private Process start(Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(DIST.resolve("bin/onex").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(Cli.REPO.toFile())
                .redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("KAFKA_") || k.startsWith("ONEX_"));
        pb.environment().putAll(env);
        return pb.start();
    }

    private static void awaitLines(Path file, int lines, Process p) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(120))
                .pollInterval(java.time.Duration.ofMillis(50))
                .until(() -> !p.isAlive() || Files.exists(file) && Files.readAllLines(file).size() >= lines);
        assertThat(p.isAlive()).as("still running when the signal comes").isTrue();
    }
}
