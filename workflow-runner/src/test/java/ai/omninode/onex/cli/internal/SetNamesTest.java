package ai.omninode.onex.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.runtime.NodeRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings nothing reads: a misspelled KAFKA_* variable in the environment would otherwise be ignored unseen. */
class SetNamesTest {
    private static final Path PLUGINS = Path.of(System.getProperty("onex.test.plugins", "target/onex/plugins"));

    /** The installation's plugins only: the engine's test nodes on the test class path read any name. */
    @Test
    void aKafkaVariableCloseToASettingIsAWarningWithTheNameMeantAndOtherToolsVariablesAreLeftAlone() {
        StringWriter err = new StringWriter();
        try (NodeRegistry registry = NodeRegistry.builder().classLoader(getClass().getClassLoader())
                .scanClasspath(false).pluginDirectories(List.of(PLUGINS)).build()) {
            SetNames.warnAboutEnvironment(registry, Map.of(
                    "KAFKA_TOPIC_PREFX", "prod-secret-value",
                    "KAFKA_BOOTSTRAP_SERVER", "b:9092",
                    "KAFKA_HEAP_OPTS", "-Xmx1g",
                    "KAFKA_OPTS", "-Dx=y",
                    "KAFKA_TOPIC_PREFIX", "dev",
                    "KAFKA_EVENT_MAX_RETRIS", "3",
                    "PATH", "/usr/bin"), List.of(), new PrintWriter(err));
        }

        assertThat(err.toString().lines()).containsExactly(
                "onex: warning: the environment sets KAFKA_BOOTSTRAP_SERVER, which no node here reads (did you mean"
                        + " 'KAFKA_BOOTSTRAP_SERVERS'?); it is ignored",
                "onex: warning: the environment sets KAFKA_EVENT_MAX_RETRIS, which no node here reads (did you mean"
                        + " 'KAFKA_EVENT_MAX_RETRIES'?); the Kafka node refuses it when it starts",
                "onex: warning: the environment sets KAFKA_TOPIC_PREFX, which no node here reads (did you mean"
                        + " 'KAFKA_TOPIC_PREFIX'?); it is ignored");
        assertThat(err.toString()).doesNotContain("prod-secret-value");
    }
}
