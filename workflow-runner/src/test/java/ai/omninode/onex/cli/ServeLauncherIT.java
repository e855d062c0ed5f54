package ai.omninode.onex.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.omninode.onex.host.Triggers;
import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code onex serve} as users run it: {@code target/onex/bin/onex} processes in one consumer group, serving
 * {@code examples/document_ingestion.yaml} on the test JVM's broker, with triggers sent and events read back here.
 *
 * <p>Triggers per test: {@value #CI_TRIGGERS} by default, to keep {@code ./mvnw verify} short on two cores; the issue's
 * full count with {@code -Donex.serve.triggers=10000}:
 * <pre>
 * ./mvnw -B verify -pl workflow-runner -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Dit.test=ServeLauncherIT -Dfailsafe.failIfNoSpecifiedTests=false -Donex.serve.triggers=10000
 * </pre>
 */
class ServeLauncherIT {
    private static final Path DIST = Path.of(System.getProperty("onex.test.dist", "target/onex")).toAbsolutePath();
    static final int CI_TRIGGERS = 1000;
    private static final int N = Integer.getInteger("onex.serve.triggers", CI_TRIGGERS);
    private static EmbeddedKafkaBroker broker;
    private final List<Process> processes = new ArrayList<>();

    @TempDir
    Path tmp;

    @BeforeAll
    static void startBroker() {
        broker = SharedKafkaBroker.get();
    }

    @AfterEach
    void killLeftovers() {
        processes.forEach(Process::destroyForcibly);
    }

    /** A served instance: the process and the files its stdout and stderr go to. */
    record Served(Process process, Path out, Path err) {
        String stdout() throws IOException {
            return Files.readString(out);
        }

        String stderr() throws IOException {
            return Files.readString(err);
        }
    }

    private Served serve(String name, String prefix, String... extra) throws IOException {
        List<String> command = new ArrayList<>(List.of(DIST.resolve("bin/onex").toString(), "serve",
                "examples/document_ingestion.yaml", "--concurrency", "16", "--drain-timeout", "30s"));
        command.addAll(List.of(extra));
        Path out = tmp.resolve(name + ".out");
        Path err = tmp.resolve(name + ".err");
        ProcessBuilder pb = new ProcessBuilder(command).directory(Cli.REPO.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("KAFKA_") || k.startsWith("ONEX_"));
        pb.environment().putAll(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "KAFKA_TOPIC_PREFIX", prefix,
                // a killed member's partitions move after this (the broker's minimum), not after the default 45 s
                "ONEX_CONSUMER_SESSION_TIMEOUT_MS", "6000", "ONEX_CONSUMER_HEARTBEAT_INTERVAL_MS", "1000",
                "ONEX_OPTS", "-Xmx384m"));
        Served s = new Served(pb.start(), out, err);
        processes.add(s.process());
        return s;
    }

    private static void awaitAssigned(Served s) {
        await().atMost(Duration.ofMinutes(2)).until(() -> {
            assertThat(s.process().isAlive()).as("onex serve exited early:%n%s", s.stderr()).isTrue();
            return s.stdout().contains(" assigned ");
        });
    }

    private static String[] topics(String prefix) {
        String requests = prefix + "." + Triggers.REQUEST_TOPIC;
        broker.createTopic(requests, 6);
        broker.createTopic(prefix + "." + Triggers.COMPLETED_TOPIC, 3);
        return new String[] {requests, "dev.archon-intelligence".equals(prefix) ? "" : prefix};
    }

    private static String group(String prefix) {
        return prefix + ".document_ingestion.consume.v1";
    }

    private static int exit(Served s) throws InterruptedException {
        assertThat(s.process().waitFor(2, TimeUnit.MINUTES)).as("onex serve stopped").isTrue();
        return s.process().exitValue();
    }

    @Test
    void twoInstancesInOneGroupSplitThePartitionsAndEveryTriggerPublishesOneEventId() throws Exception {
        String prefix = Triggers.prefix("two");
        String topic = topics(prefix)[0];
        Served a = serve("a", prefix);
        Served b = serve("b", prefix);
        awaitAssigned(a);
        awaitAssigned(b);
        try (KafkaProducer<byte[], byte[]> producer = Triggers.producer(broker.bootstrapServers());
                Triggers.Reader reader = new Triggers.Reader(broker.bootstrapServers(), prefix + "." + Triggers.COMPLETED_TOPIC);
                Admin admin = broker.admin()) {
            long t0 = System.nanoTime();
            Triggers.send(producer, topic, 0, N);
            await().atMost(Duration.ofMinutes(10)).until(() -> reader.poll() == N);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            await().atMost(Duration.ofMinutes(1)).until(() -> Triggers.allCommitted(Triggers.committedAndEnd(admin,
                    group(prefix), topic)));
            ConsumerGroupDescription g = admin.describeConsumerGroups(List.of(group(prefix))).all().get()
                    .get(group(prefix));
            reader.poll();

            assertThat(reader.inconsistent()).isEmpty();
            assertThat(reader.distinctEventIds()).as("exactly one distinct DOCUMENT_INGESTED event_id per trigger")
                    .isEqualTo(N);
            assertThat(g.members()).hasSize(2);
            for (MemberDescription m : g.members()) {
                assertThat(m.assignment().topicPartitions()).as("partitions split between the instances").isNotEmpty();
            }
            System.out.printf("two instances: %d triggers -> %d events (%d repeats) in %d ms, all offsets committed;"
                    + " assignments %s%n", N, reader.copies, reader.copies - N, ms,
                    g.members().stream().map(m -> m.assignment().topicPartitions().size()).toList());
        }
        a.process().destroy();
        b.process().destroy();
        assertThat(exit(a)).as(a.stderr()).isZero();
        assertThat(exit(b)).as(b.stderr()).isZero();
    }

    @Test
    void anInstanceKilledMidStreamIsTakenOverAndRepeatsShareTheirEventId() throws Exception {
        String prefix = Triggers.prefix("kill");
        String topic = topics(prefix)[0];
        Served a = serve("a", prefix);
        Served b = serve("b", prefix);
        awaitAssigned(a);
        awaitAssigned(b);
        try (KafkaProducer<byte[], byte[]> producer = Triggers.producer(broker.bootstrapServers());
                Triggers.Reader reader = new Triggers.Reader(broker.bootstrapServers(), prefix + "." + Triggers.COMPLETED_TOPIC);
                Admin admin = broker.admin()) {
            Triggers.send(producer, topic, 0, N);
            await().atMost(Duration.ofMinutes(5)).until(() -> reader.poll() >= N / 4);
            a.process().destroyForcibly(); // SIGKILL: no drain, no commit, no leave
            assertThat(a.process().waitFor(1, TimeUnit.MINUTES)).isTrue();
            int seenAtKill = reader.poll();
            await().atMost(Duration.ofMinutes(10)).until(() -> reader.poll() == N);
            await().atMost(Duration.ofMinutes(2)).until(() -> Triggers.allCommitted(Triggers.committedAndEnd(admin,
                    group(prefix), topic)));
            reader.poll();

            assertThat(seenAtKill).as("killed mid-stream").isLessThan(N);
            assertThat(reader.eventIds).as("no trigger without its event").hasSize(N);
            assertThat(reader.inconsistent()).as("every repeat shares its event_id with the first copy").isEmpty();
            assertThat(reader.distinctEventIds()).isEqualTo(N);
            assertThat(b.stdout()).contains("assigned");
            System.out.printf("SIGKILL of one of two instances at %d of %d events: %d events in all, %d repeats (each"
                    + " with the event_id of its first copy)%n", seenAtKill, N, reader.copies, reader.copies - N);
        }
        b.process().destroy();
        assertThat(exit(b)).as(b.stderr()).isZero();
    }

    @Test
    void sigtermDuringLoadFinishesTheRunsUnderWayAndARestartRepeatsNothing() throws Exception {
        String prefix = Triggers.prefix("term");
        String topic = topics(prefix)[0];
        Served a = serve("a", prefix);
        awaitAssigned(a);
        try (KafkaProducer<byte[], byte[]> producer = Triggers.producer(broker.bootstrapServers());
                Triggers.Reader reader = new Triggers.Reader(broker.bootstrapServers(), prefix + "." + Triggers.COMPLETED_TOPIC);
                Admin admin = broker.admin()) {
            Triggers.send(producer, topic, 0, N);
            await().atMost(Duration.ofMinutes(5)).until(() -> reader.poll() >= N / 3);
            a.process().destroy(); // SIGTERM

            assertThat(exit(a)).as(a.stderr()).isZero();
            assertThat(a.stdout()).contains("every run under way finished")
                    .containsPattern("(offsets committed \\([^)]*-\\d+ at \\d+.*\\)|nothing new to commit); leaving group")
                    .contains("stopped");
            int done = reader.poll();
            assertThat(done).as("stopped during the load").isLessThan(N);

            Served again = serve("again", prefix);
            await().atMost(Duration.ofMinutes(10)).until(() -> reader.poll() == N);
            await().atMost(Duration.ofMinutes(1)).until(() -> Triggers.allCommitted(Triggers.committedAndEnd(admin,
                    group(prefix), topic)));
            reader.poll();

            assertThat(reader.copies).as("zero repeats: every finished run was committed before the host left")
                    .isEqualTo(N);
            assertThat(reader.distinctEventIds()).isEqualTo(N);
            System.out.printf("SIGTERM at %d of %d events: exit 0, restart ran the rest, %d events, 0 repeats%n", done,
                    N, reader.copies);
            again.process().destroy();
            assertThat(exit(again)).as(again.stderr()).isZero();
        }
    }

    @Test
    void theInstalledServeHelpNamesEveryOption() throws Exception {
        Process p = new ProcessBuilder(DIST.resolve("bin/onex").toString(), "serve", "--help").redirectErrorStream(true)
                .start();
        String help = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).isZero();
        assertThat(help).contains("--concurrency", "--drain-timeout", "--group", "--instance-id", "--http-port",
                "--embedded-kafka", "--topic", "Exit codes");
    }
}
