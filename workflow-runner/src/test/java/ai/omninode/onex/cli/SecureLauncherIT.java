package ai.omninode.onex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code onex run} as a process (the distribution's launcher) against a broker that authenticates (SASL_PLAINTEXT,
 * PLAIN) and authorizes (ACLs), configured only through {@code ONEX_KAFKA_*} environment variables. Every run logs at
 * DEBUG, Kafka's clients included, and everything it prints (stdout, stderr, {@code --output json}, {@code --help})
 * is searched for the password and the JAAS config.
 */
class SecureLauncherIT {
    private static final Path DIST = Path.of(System.getProperty("onex.test.dist", "target/onex")).toAbsolutePath();
    private static final Path WORKFLOW = Path.of("src/test/resources/bad-input/workflows/publish.yaml").toAbsolutePath();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final String USER = "onex-svc";
    static final String PASSWORD = "Cli-Pw-5b2e-do-not-print";
    private static EmbeddedKafkaBroker broker;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedKafkaBroker.builder().saslPlainUser(USER, PASSWORD).authorizer(true).build().start();
        broker.createTopic("secure.events", 1);
        broker.createTopic("secure.events.dlq", 1);
        broker.createTopic("secure.forbidden", 1);
        List<AclBinding> acls = new ArrayList<>();
        for (String topic : List.of("secure.events", "secure.events.dlq")) {
            acls.add(new AclBinding(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                    new AccessControlEntry("User:" + USER, "*", AclOperation.WRITE, AclPermissionType.ALLOW)));
        }
        try (Admin admin = broker.admin()) {
            admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    record Run(int exitCode, String out, String err, long millis) {
        String all() {
            return out + err;
        }
    }

    private Run onex(String password, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(DIST.resolve("bin/onex").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(Cli.REPO.toFile())
                .redirectOutput(tmp.resolve("out.txt").toFile())
                .redirectError(tmp.resolve("err.txt").toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("KAFKA_") || k.startsWith("ONEX_"));
        env.put("KAFKA_BOOTSTRAP_SERVERS", broker.saslBootstrapServers());
        env.put("KAFKA_TOPIC_PREFIX", "secure");
        env.put("ONEX_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
        env.put("ONEX_KAFKA_SASL_MECHANISM", "PLAIN");
        env.put("ONEX_KAFKA_SASL_JAAS_CONFIG", EmbeddedKafkaBroker.plainClientJaas(USER, password));
        env.put("ONEX_LOG_LEVEL", "debug"); // every logger, Kafka's too: no secret at any level
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("onex did not finish in 120 s: " + command);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        return new Run(p.exitValue(), Files.readString(tmp.resolve("out.txt")), Files.readString(tmp.resolve("err.txt")), ms);
    }

    static void assertNoSecret(Run r, String password) {
        assertThat(r.all()).as("the password").doesNotContain(password);
        assertThat(r.all()).as("the JAAS config").doesNotContain(EmbeddedKafkaBroker.plainClientJaas(USER, password))
                .doesNotContain("PlainLoginModule required username");
    }

    @Test
    void theRightCredentialsInOnexKafkaVariablesPublishAndNothingPrintsThem() throws Exception {
        Run r = onex(PASSWORD, "run", WORKFLOW.toString(), "--input", "topic=events", "--input", "payload.n:=1",
                "--output", "json");

        assertThat(r.exitCode()).as("%s%n%s", r.out(), r.err()).isZero();
        JsonNode result = JSON.readTree(r.out());
        assertThat(result.get("status").asString()).isEqualTo("succeeded");
        assertThat(result.get("events").get(0).get("topic").asString()).isEqualTo("secure.events");
        List<ConsumerRecord<String, String>> records = KafkaStepFailureTest.read(broker, "secure.events", 1);
        assertThat(records).anySatisfy(rec -> assertThat(rec.value()).contains("\"n\":1"));
        assertThat(r.err()).as("Kafka's DEBUG log of the producer config").contains("sasl.jaas.config = [hidden]");
        assertNoSecret(r, PASSWORD);
        System.out.printf("SASL publish through onex run: %d ms, %d KB of DEBUG log searched%n", r.millis(),
                r.err().length() / 1024);
    }

    @Test
    void aWrongPasswordRefusesTheRunBeforeAnyStepWithinSecondsNamingTheSettingsAndNotPrintingThePassword()
            throws Exception {
        String wrong = "Wrong-" + PASSWORD;
        Run r = onex(wrong, "run", WORKFLOW.toString(), "--input", "topic=events", "--output", "json");

        // the cluster check at initialization meets the refusal: a settings error, nothing ran
        assertThat(r.exitCode()).as("%s%n%s", r.out(), r.err()).isEqualTo(Onex.INVALID);
        JsonNode problem = JSON.readTree(r.out()).get("problems").get(0);
        assertThat(problem.get("pointer").asString()).isEqualTo("/steps/0/effect_node");
        assertThat(problem.get("message").asString()).contains("refused the client's credentials",
                "SaslAuthenticationException", "Authentication failed", "ONEX_KAFKA_SASL_JAAS_CONFIG is set by the"
                        + " environment");
        assertThat(Duration.ofMillis(r.millis())).isLessThan(Duration.ofSeconds(30));
        assertNoSecret(r, wrong);
        assertNoSecret(r, PASSWORD);
        System.out.printf("wrong password through onex run: exit %d after %d ms%n", r.exitCode(), r.millis());
    }

    @Test
    void aTopicTheUserMayNotWriteFailsTheRunAsNotAuthorized() throws Exception {
        Run r = onex(PASSWORD, "run", WORKFLOW.toString(), "--input", "topic=forbidden");

        assertThat(r.exitCode()).as("%s%n%s", r.out(), r.err()).isEqualTo(Onex.WORKFLOW_FAILED);
        assertThat(r.out()).contains("TopicAuthorizationException").contains("secure.forbidden");
        assertNoSecret(r, PASSWORD);
    }

    @Test
    void helpAndNodesNeverShowTheSecretsInTheEnvironment() throws Exception {
        for (String[] args : List.of(new String[] {"--help"}, new String[] {"run", "--help"}, new String[] {"nodes"})) {
            Run r = onex(PASSWORD, args);
            assertThat(r.exitCode()).as(String.join(" ", args)).isZero();
            assertNoSecret(r, PASSWORD);
        }
    }
}
