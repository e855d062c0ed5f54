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
}
