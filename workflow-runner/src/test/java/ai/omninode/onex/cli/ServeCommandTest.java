package ai.omninode.onex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code onex serve} refuses before it serves anything, and how it names where a setting came from. */
class ServeCommandTest {
    private static final Path EXAMPLE = Cli.REPO.resolve("examples/document_ingestion.yaml");

    @TempDir
    Path tmp;

    @Test
    void aTopicOptionNamingTheWorkflowsOwnOutputTopicIsRefusedLikeSubscribingToIt() throws Exception {
        Path flow = tmp.resolve("echo.yaml");
        Files.writeString(flow, """
                name: echo
                version: {major: 1, minor: 0, patch: 0}
                event_bus:
                  subscribe_topics: [loop.in.v1]
                steps:
                  - name: pub
                    type: effect
                    effect_node: kafka_event_effect
                    input: {topic: loop.out.v1, event_type: ECHO, payload: {n: 1}}
                """);

        Cli.Result r = Cli.onex("serve", flow.toString(), "--topic", "loop.out.v1", "--bootstrap-servers",
                "127.0.0.1:1", "--plugins", Cli.PLUGINS.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("step 'pub' publishes to 'loop.out.v1'", "every run would trigger another");
    }

    @Test
    void anAddressNoBrokerAnswersAtNamesTheBootstrapServersOptionAsItsSource() {
        Cli.Result r = Cli.onex("serve", EXAMPLE.toString(), "--bootstrap-servers", "127.0.0.1:1", "--set",
                "KAFKA_EVENT_CLUSTER_CHECK_TIMEOUT_MS=500", "--plugins", Cli.PLUGINS.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("no Kafka broker answered at 127.0.0.1:1",
                "KAFKA_BOOTSTRAP_SERVERS is set by --bootstrap-servers");
    }

    /** The probe's: "onex: internal error: KafkaException: Failed to construct kafka consumer", a stack trace, exit 1. */
    @Test
    void aConsumerSettingKafkaRefusesIsOneLineNamingItExit2() {
        Cli.Result r = Cli.onex("serve", EXAMPLE.toString(), "--bootstrap-servers", "127.0.0.1:1", "--set",
                "ONEX_CONSUMER_INTERCEPTOR_CLASSES=com.example.Nope", "--plugins", Cli.PLUGINS.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("onex: error: the trigger consumer cannot be built: Kafka refused"
                + " ONEX_CONSUMER_INTERCEPTOR_CLASSES (interceptor.classes): ClassNotFoundException: com.example.Nope"
                + " [ONEX_CONSUMER_INTERCEPTOR_CLASSES is set by --set]");
    }
}
