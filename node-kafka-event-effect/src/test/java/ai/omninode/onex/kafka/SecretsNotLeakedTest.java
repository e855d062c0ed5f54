package ai.omninode.onex.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JAAS configs and passwords never show in logs, errors, exceptions, metrics or toString. */
class SecretsNotLeakedTest {
    static final String PASSWORD = "s3cr3t-Pa55";
    static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"svc\" password=\""
            + PASSWORD + "\";";

    static ModelKafkaEventConfig secretConfig() {
        return MockNode.config().producerProperty("security.protocol", "SASL_SSL")
                .producerProperty("sasl.mechanism", "SCRAM-SHA-512").producerProperty("sasl.jaas.config", JAAS)
                .producerProperty("ssl.truststore.password", "trust-" + PASSWORD).maxRetries(0).build();
    }

    @Test
    void aSecretQuotedBackByTheProducerFactoryIsHiddenFromTheExceptionAndItsCauses() {
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, secretConfig(), props -> {
            throw new KafkaException("Failed to construct kafka producer",
                    new IllegalArgumentException("Invalid JAAS config " + props.get("sasl.jaas.config")));
        });

        assertThatThrownBy(node::initialize)
                .hasMessageContaining("Kafka producer initialization failed")
                .satisfies(e -> {
                    for (Throwable t = e; t != null; t = t.getCause()) {
                        assertThat(String.valueOf(t.getMessage())).doesNotContain(PASSWORD);
                        assertThat(t.toString()).doesNotContain(PASSWORD);
                    }
                });
    }

    @Test
    void aJaasConfigKafkaCannotParseIsNotQuotedBackPieceByPiece() {
        for (String jaas : List.of("broken SuperSecret123",
                "org.apache.kafka.common.security.plain.PlainLoginModule SuperSecret123 username=\"alice\"",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" password=SuperSecret123",
                // a quote inside the password: Kafka's parser reads the rest as an option name and names it
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\""
                        + " password=\"Ab\"SuperSecret123\";",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\""
                        + " password=Ab'SuperSecret123';",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\""
                        + " password=\"S3cr\"SuperSecret123!2024\";",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\""
                        + " password=\"Tr0ub\"SuperSecret123&3\";")) {
            NodeKafkaEventEffect node = new NodeKafkaEventEffect();
            assertThatThrownBy(() -> node.initialize(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9",
                    "ONEX_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT", "ONEX_KAFKA_SASL_MECHANISM", "PLAIN",
                    "ONEX_KAFKA_SASL_JAAS_CONFIG", jaas)))
                    .as(jaas)
                    .hasMessageContaining("ONEX_KAFKA_SASL_JAAS_CONFIG")
                    .satisfies(e -> {
                        for (Throwable t = e; t != null; t = t.getCause()) {
                            assertThat(t.toString()).doesNotContain("SuperSecret123");
                        }
                    });
            node.shutdown();
        }
    }

    /**
     * Kafka's JAAS parser quotes the word it trips on unescaped, so a password with quotes or backslashes in it, written
     * without its {@code password=}, matched no part of the value as written; one read through a config provider is
     * not known to the node at all. Whatever such a message quotes is hidden, and it still says what is wrong.
     */
    @Test
    void whatKafkasJaasParserQuotesIsHiddenEvenWhenNoPartOfTheValueAsWrittenMatchesIt(@TempDir Path dir)
            throws Exception {
        String module = "org.apache.kafka.common.security.plain.PlainLoginModule";
        Path file = dir.resolve("secrets.properties");
        java.util.Properties p = new java.util.Properties();
        p.setProperty("jaas", module + " Qw-8Secret-Zz username=\"a\";");
        try (java.io.Writer w = Files.newBufferedWriter(file)) {
            p.store(w, null);
        }
        Map<String, List<String>> cases = Map.of(
                module + " required username=\"bob\" \"Zq\\\"Pw\\\\{\\\"k\\\":1}[.*+?]$|^(x)'END\";",
                List.of("Zq\"Pw", "[.*+?]$|^(x)"),
                module + " required username=\"bob\" \"Xy\\\"Zw!9q#Lm\";", List.of("Zw!9q#Lm"),
                module + " required username=\"bob\" \"Ab\\\\Cd\\\\Ef\\\\S3\";", List.of("Cd\\Ef"),
                module + " \"Xy\\\"Zw!9q#Lm\" username=\"bob\";", List.of("Zw!9q#Lm"),
                // a password holding a setting's name ('acks'): found as text, it made the failure look like that one's
                module + " required username=\"bob\" \"Hacks\\\"4ever\";", List.of("Hacks\"4ever", "4ever"),
                "${file:" + file + ":jaas}", List.of("Qw-8Secret-Zz"));
        cases.forEach((jaas, secrets) -> {
            Map<String, String> env = new java.util.HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9",
                    "ONEX_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT", "ONEX_KAFKA_SASL_MECHANISM", "PLAIN",
                    "ONEX_KAFKA_SASL_JAAS_CONFIG", jaas));
            if (jaas.startsWith("${")) {
                env.put("ONEX_KAFKA_CONFIG_PROVIDERS", "file");
                env.put("ONEX_KAFKA_CONFIG_PROVIDERS_FILE_CLASS",
                        "org.apache.kafka.common.config.provider.FileConfigProvider");
            }
            NodeKafkaEventEffect node = new NodeKafkaEventEffect();
            assertThatThrownBy(() -> node.initialize(env))
                    .as(jaas)
                    .hasMessageContaining("Kafka refused ONEX_KAFKA_SASL_JAAS_CONFIG")
                    .hasMessageContaining("in JAAS config")
                    .satisfies(e -> {
                        for (Throwable t = e; t != null; t = t.getCause()) {
                            for (String secret : secrets) {
                                assertThat(t.toString()).as(jaas).doesNotContain(secret);
                            }
                        }
                    });
            node.shutdown();
        });
    }

    @Test
    void failedPublishesMetricsAndToStringNeverShowTheSecret() throws Exception {
        PrintStream originalErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        ModelKafkaEventOutput out;
        String metrics;
        String node;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (MockNode m = new MockNode(secretConfig(), false)) {
            var result = m.node.executeEffect(ModelKafkaEventInput.builder().topic("t").eventType("E")
                    .payload(Map.of("a", 1)).build());
            // a library that echoes the config back in its error
            m.producer.errorNext(new SaslAuthenticationException("Authentication failed with " + JAAS));
            m.scheduler.runAll();
            m.producer.errorNext(new SaslAuthenticationException("password=" + PASSWORD + " rejected"));
            m.scheduler.runAll();
            out = result.get();
            metrics = m.metrics().toString();
            node = m.node.toString();
        } finally {
            System.setErr(originalErr);
        }
        String logs = captured.toString(StandardCharsets.UTF_8);

        assertThat(out.error()).contains("SaslAuthenticationException: Authentication failed with", "[hidden]")
                .doesNotContain(PASSWORD);
        assertThat(logs).contains("failed").doesNotContain(PASSWORD);
        assertThat(metrics).doesNotContain(PASSWORD);
        assertThat(node).contains("sasl.jaas.config=[hidden]").doesNotContain(PASSWORD);
    }
}
