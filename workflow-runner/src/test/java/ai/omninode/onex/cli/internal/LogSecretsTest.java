package ai.omninode.onex.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/**
 * Kafka's OAuth support logged an invalid {@code sasl.oauthbearer.token.endpoint.url} whole, credentials and all, at
 * WARN with its stack trace; the probe found it in both log formats.
 */
class LogSecretsTest {
    private static final String URL = "https://alice:Lq7-Secr3t-Zz@idp.example/token";

    static {
        LogSecrets.register(Map.of("ONEX_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL", URL,
                "KAFKA_TOPIC_PREFIX", "dev.archon-intelligence"));
    }

    private static String line(Encoder<ch.qos.logback.classic.spi.ILoggingEvent> encoder, LoggerContext context) {
        encoder.start();
        LoggingEvent event = new LoggingEvent("fqcn", context.getLogger("org.apache.kafka.common.security.X"),
                Level.WARN, "Invalid value {} for configuration sasl.oauthbearer.token.endpoint.url, prefix {}",
                new ConfigException("Invalid value " + URL + " for configuration x"),
                new Object[] {URL, "dev.archon-intelligence"});
        event.setMDCPropertyMap(Map.of());
        return new String(encoder.encode(event), StandardCharsets.UTF_8);
    }

    @Test
    void aSecretSettingsValueIsHiddenInTextLinesAndTheirStackTraces() {
        LoggerContext context = new LoggerContext();
        LogSecrets.TextEncoder encoder = new LogSecrets.TextEncoder();
        encoder.setContext(context);
        encoder.setPattern("%-5level %logger - %msg%n");

        String text = line(encoder, context);

        assertThat(text).doesNotContain("Lq7-Secr3t-Zz").doesNotContain("alice")
                .contains("Invalid value [hidden] for configuration sasl.oauthbearer.token.endpoint.url, prefix"
                        + " dev.archon-intelligence")
                .contains("ConfigException: Invalid value [hidden] for configuration x").contains("\tat ");
    }

    @Test
    void aSecretSettingsValueIsHiddenInJsonLinesAsTheyEscapeIt() {
        LoggerContext context = new LoggerContext();
        JsonLogEncoder encoder = new JsonLogEncoder();
        encoder.setContext(context);

        String json = line(encoder, context);

        assertThat(json).doesNotContain("Lq7-Secr3t-Zz").contains("Invalid value [hidden] for configuration")
                .contains("dev.archon-intelligence");
    }

    /** The review: a JAAS config's username and module package hid "user" and "kafka" in every log line. */
    @Test
    void onlySecretOptionsOfAJaasConfigAreHiddenNotItsOtherWordsAndShortValuesAreLeftToErrors() {
        List<String> before = LogSecrets.snapshot();
        try {
            LogSecrets.register(Map.of("ONEX_KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain"
                    + ".PlainLoginModule required username=\"user\" password=\"Ab\\\"cd-9\";",
                    "FEATURE_TOKEN_ENABLED", "true", "DB_PASSWORD", "hunter22-x"));

            assertThat(LogSecrets.redact("user kafka_event_effect onex true password Ab\"cd-9 Ab\\\"cd-9 hunter22-x"))
                    .isEqualTo("user kafka_event_effect onex true password [hidden] [hidden] [hidden]");
        } finally {
            LogSecrets.restore(before);
        }
    }
}
