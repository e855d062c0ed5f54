package ai.omninode.onex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.cli.internal.VersionProvider;
import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code onex new node}, as a node author uses it: the project it creates builds with its own Maven wrapper (compile,
 * its JUnit test, the jar, onex:validate on its contract and sample workflow), and the jar runs in {@code onex run}
 * next to the Kafka node, publishing to the test JVM's broker.
 *
 * <p>The nested build needs this reactor's artifacts (onex-node-api, onex-maven-plugin and what it uses, the Kafka
 * node): they are copied from the modules' target/ folders into a Maven repository under target/, never into ~/.m2.
 * Everything else (Maven's plugins, JUnit) is read from the outer build's ~/.m2 through a file:// mirror, so the
 * nested build downloads nothing.
 */
class NewNodeIT {
    private static final Path REPO = Path.of(System.getProperty("onex.test.repo", "..")).toAbsolutePath().normalize();
    private static final Path DIST = Path.of(System.getProperty("onex.test.dist", "target/onex")).toAbsolutePath();
    private static final Path M2 = Path.of(System.getProperty("onex.test.m2",
            System.getProperty("user.home") + "/.m2/repository"));
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Reactor modules the generated project needs, as folder and artifactId; the parent POM comes with them. */
    private static final String[][] MODULES = {
        {"node-api", "onex-node-api"}, {"contracts", "onex-contracts"}, {"runtime", "onex-runtime"},
        {"workflow-engine", "onex-workflow-engine"}, {"validation", "onex-validation"},
        {"maven-plugin", "onex-maven-plugin"}, {"node-kafka-event-effect", "onex-node-kafka-event-effect"},
    };

    @Test
    void aNewNodeProjectBuildsTestsValidatesAndItsNodeRunsWithTheKafkaNode(@TempDir Path work) throws Exception {
        Path project = work.resolve("greeting-compute");
        Cli.Result created = Cli.onex("new", "node", "greeting_compute", "--dir", project.toString());
        assertThat(created.exitCode()).as(created.toString()).isZero();
        for (String f : NewCommand.Node.expectedFiles("greeting_compute", "com/example/greetingcompute")) {
            assertThat(project.resolve(f)).exists();
        }

        Path repository = seedRepository(Path.of("target/new-node-repo").toAbsolutePath());
        Path settings = work.resolve("settings.xml");
        Files.writeString(settings, "<settings><mirrors><mirror><id>outer-local</id><mirrorOf>*</mirrorOf><url>"
                + M2.toUri() + "</url></mirror></mirrors></settings>\n");
        long t0 = System.nanoTime();
        Build build = mvnw(project, "-B", "-ntp", "-s", settings.toString(), "-Dmaven.repo.local=" + repository, "verify");
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        System.out.println("nested ./mvnw verify of the generated project: " + seconds + " s");

        assertThat(build.exitCode()).as(build.log()).isZero();
        assertThat(build.log()).contains("Tests run: 2, Failures: 0, Errors: 0")
                .contains("2 ONEX files checked (1 workflows, 1 contracts): 0 errors, 0 warnings");
        Path jar = project.resolve("target/greeting-compute-0.1.0-SNAPSHOT.jar");
        assertThat(jar).exists();

        Path plugins = Files.createDirectory(work.resolve("plugins"));
        Files.copy(jar, plugins.resolve(jar.getFileName()));
        EmbeddedKafkaBroker broker = SharedKafkaBroker.get();
        String prefix = "newnode" + UUID.randomUUID().toString().substring(0, 8);
        Cli.Result run = Cli.onex("run", project.resolve("workflows/greeting_compute_demo.yaml").toString(),
                "--plugins", plugins.toString(), "--plugins", DIST.resolve("plugins").toString(),
                "--input", "name=Ada", "--output", "json",
                "--set", "KAFKA_BOOTSTRAP_SERVERS=" + broker.bootstrapServers(), "--set", "KAFKA_TOPIC_PREFIX=" + prefix);

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode result = JSON.readTree(run.out());
        assertThat(result.at("/steps/0/output/greeting").asString()).isEqualTo("Hello, Ada");
        assertThat(result.at("/events/0/topic").asString()).isEqualTo(prefix + ".greetings.v1");
        assertThat(result.at("/events/0/offset").isIntegralNumber()).isTrue();
    }

    /** A Maven repository with this reactor's artifacts, laid out as `install` would, from the modules' target/. */
    private static Path seedRepository(Path repository) throws IOException {
        String version = VersionProvider.version();
        copy(REPO.resolve("pom.xml"), repository, "onex-parent", version, "pom");
        for (String[] m : MODULES) {
            Path module = REPO.resolve(m[0]);
            copy(module.resolve("pom.xml"), repository, m[1], version, "pom");
            copy(module.resolve("target/" + m[1] + "-" + version + ".jar"), repository, m[1], version, "jar");
        }
        return repository;
    }

    private static void copy(Path from, Path repository, String artifactId, String version, String extension)
            throws IOException {
        assertThat(from).as("built by the reactor before this test").exists();
        Path dir = repository.resolve("ai/omninode/onex").resolve(artifactId).resolve(version);
        Files.createDirectories(dir);
        Files.copy(from, dir.resolve(artifactId + "-" + version + "." + extension),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    record Build(int exitCode, String log) {
    }

    private static Build mvnw(Path project, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(project.resolve("mvnw").toString());
        command.addAll(List.of(args));
        Path log = project.resolve("build.log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("MAVEN_OPTS", "-Xmx384m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("MAVEN_ARGS");
        Process p = pb.start();
        if (!p.waitFor(Duration.ofMinutes(4).toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the nested build did not finish in 4 minutes:\n" + Files.readString(log));
        }
        return new Build(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
