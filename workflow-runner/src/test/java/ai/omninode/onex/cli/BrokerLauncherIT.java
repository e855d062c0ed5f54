package ai.omninode.onex.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code onex broker} as a user runs it: a broker process of its own that any client can use, here {@code onex run}
 * (configured only through KAFKA_BOOTSTRAP_SERVERS) and a plain consumer; SIGTERM stops it cleanly.
 */
class BrokerLauncherIT {
    private static final Path DIST = Path.of(System.getProperty("onex.test.dist", "target/onex")).toAbsolutePath();

    @TempDir
    Path tmp;

    @Test
    void aBrokerStartedWithOnexBrokerServesOnexRunAndStopsOnSigterm() throws Exception {
        Path data = tmp.resolve("broker-data");
        Started started = startBroker("broker", Map.of(), "--data-dir", data.toString());
        Process broker = started.process();
        try {
            String bootstrap = started.bootstrap();

            String prefix = "launcher-" + UUID.randomUUID().toString().substring(0, 8);
            ProcessBuilder run = new ProcessBuilder(DIST.resolve("bin/onex").toString(), "run",
                    "examples/document_ingestion.yaml", "--input-file", "examples/document_ingestion.input.json")
                    .directory(Cli.REPO.toFile())
                    .redirectOutput(tmp.resolve("run.out").toFile()).redirectError(tmp.resolve("run.err").toFile());
            run.environment().keySet().removeIf(k -> k.startsWith("KAFKA_") || k.startsWith("ONEX_"));
            run.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
            run.environment().put("KAFKA_TOPIC_PREFIX", prefix);
            Process p = run.start();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("%s%n%s", Files.readString(tmp.resolve("run.out")),
                    Files.readString(tmp.resolve("run.err"))).isZero();
            assertThat(Files.readString(tmp.resolve("run.out")))
                    .contains("published DOCUMENT_INGESTED: topic " + prefix + ".enrichment.completed.v1, partition 0, offset 0");

            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.GROUP_ID_CONFIG, "launcher-" + UUID.randomUUID(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.subscribe(List.of(prefix + ".enrichment.completed.v1"));
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                    return !records.isEmpty();
                });
            }
            assertThat(new String(records.get(0).value(), UTF_8)).contains("\"event_type\":\"DOCUMENT_INGESTED\"");

            // a second broker on the same folder is refused before it touches it (one did corrupt the first's
            // metadata log), and the first goes on creating topics
            Process second = new ProcessBuilder(DIST.resolve("bin/onex").toString(), "broker", "--data-dir",
                    data.toString()).redirectErrorStream(true).redirectOutput(tmp.resolve("second.out").toFile()).start();
            assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String said = Files.readString(tmp.resolve("second.out"));
            assertThat(second.exitValue()).as(said).isEqualTo(Onex.INVALID);
            assertThat(said).contains("onex: error: data folder " + data + " is in use by another running broker")
                    .doesNotContain("Exception");
            try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(Map.of(
                    "bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(prefix + ".after", 1,
                        (short) 1))).all().get(60, TimeUnit.SECONDS);
                assertThat(admin.listTopics().names().get(60, TimeUnit.SECONDS)).contains(prefix + ".after");
            }
        } finally {
            broker.destroy(); // SIGTERM
        }
        assertThat(broker.waitFor(30, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
        assertThat(Files.exists(data.resolve("meta.properties"))).as("--data-dir is kept").isTrue();
    }
    /**
     * {@code onex broker} killed with SIGKILL cannot delete its temporary data folder; the next embedded broker to
     * start removes it (its process has ended), so the temporary folder does not fill up one killed run at a time.
     */
    @Test
    void theDataFolderOfABrokerKilledWithSigkillIsRemovedByTheNextOne() throws Exception {
        Path temp = Files.createDirectories(tmp.resolve("temp"));
        Map<String, String> inTemp = Map.of("ONEX_OPTS", "-Djava.io.tmpdir=" + temp);
        Process killed = startBroker("killed", inTemp).process();
        long pid = killed.pid();
        killed.destroyForcibly(); // SIGKILL
        assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
        try (var left = Files.list(temp)) {
            assertThat(left.map(p -> p.getFileName().toString()).toList()).as("left behind")
                    .anyMatch(n -> n.startsWith("embedded-kafka-" + pid + "-"));
        }

        Process next = startBroker("next", inTemp).process();
        try {
            try (var left = Files.list(temp)) {
                assertThat(left.map(p -> p.getFileName().toString()).toList())
                        .noneMatch(n -> n.startsWith("embedded-kafka-" + pid + "-"))
                        .anyMatch(n -> n.startsWith("embedded-kafka-" + next.pid() + "-"));
            }
        } finally {
            next.destroy();
            assertThat(next.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    private record Started(Process process, String bootstrap) {
    }

    /** {@code onex broker ARGS} with {@code env}, once it serves (its first line says where). */
    private Started startBroker(String name, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(DIST.resolve("bin/onex").toString(), "broker"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(tmp.resolve(name + ".err").toFile());
        pb.environment().putAll(env);
        Process broker = pb.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(broker.getInputStream(), UTF_8));
            String first = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(60, TimeUnit.SECONDS);
            assertThat(first).as("stderr: %s", Files.readString(tmp.resolve(name + ".err")))
                    .startsWith("bootstrap.servers=127.0.0.1:");
            return new Started(broker, first.substring("bootstrap.servers=".length()));
        } catch (Exception | AssertionError e) { // no broker left running behind a failed start
            broker.destroyForcibly();
            throw e;
        }
    }
}
