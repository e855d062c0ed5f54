package ai.omninode.onex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.host.Triggers;
import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code onex publish} against the shared broker, and what {@code onex serve} refuses before it starts. */
class ServeAndPublishCommandTest {
    private static final Path EXAMPLE = Cli.REPO.resolve("examples/document_ingestion.yaml");

    @TempDir
    Path tmp;

    @Test
    void publishSendsTheEnvelopeAHostReadsAndSaysWhereItWent() throws Exception {
        EmbeddedKafkaBroker broker = SharedKafkaBroker.get();
        String prefix = Triggers.prefix("publish");
        Cli.Result r = Cli.onex("publish", Triggers.REQUEST_TOPIC, "--input-file",
                Cli.REPO.resolve("examples/document_ingestion.input.json").toString(), "--event-type",
                "DOCUMENT_INGEST_REQUESTED", "--key", "doc-2025-0042", "--bootstrap-servers", broker.bootstrapServers(),
                "--set", "KAFKA_TOPIC_PREFIX=" + prefix, "--plugins", Cli.PLUGINS.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).matches("(?s)published DOCUMENT_INGEST_REQUESTED: topic " + prefix.replace(".", "\\.")
                + "\\.documents\\.ingest\\.requested\\.v1, partition \\d+, offset 0, event_id [0-9a-f-]{36},"
                + " correlation_id 6f1c2b9e-4d3a-4e8f-9b71-2a5c8d0e4f13\\R");
        try (Triggers.Reader reader = new Triggers.Reader(broker.bootstrapServers(), prefix + "."
                + Triggers.REQUEST_TOPIC)) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                reader.poll();
                return !reader.records.isEmpty();
            });
            ConsumerRecord<byte[], byte[]> record = reader.records.get(0);
            JsonNode envelope = JsonMapper.builder().build().readTree(record.value());
            assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("doc-2025-0042");
            assertThat(envelope.get("event_type").asString()).isEqualTo("DOCUMENT_INGEST_REQUESTED");
            assertThat(envelope.at("/payload/document_id").asString()).isEqualTo("doc-2025-0042");
            assertThat(r.out()).contains(envelope.get("event_id").asString());
        }
    }

    @Test
    void publishingAgainWithTheSameIdempotencyKeyRepeatsTheEventId() {
        EmbeddedKafkaBroker broker = SharedKafkaBroker.get();
        String prefix = Triggers.prefix("publish-key");
        java.util.function.Function<String[], String> eventId = extra -> {
            List<String> args = new java.util.ArrayList<>(List.of("publish", "again.v1", "--input", "a=b",
                    "--bootstrap-servers", broker.bootstrapServers(), "--set", "KAFKA_TOPIC_PREFIX=" + prefix,
                    "--plugins", Cli.PLUGINS.toString()));
            args.addAll(List.of(extra));
            Cli.Result r = Cli.onex(args.toArray(String[]::new));
            assertThat(r.exitCode()).as(r.toString()).isZero();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("event_id ([0-9a-f-]{36})").matcher(r.out());
            assertThat(m.find()).as(r.out()).isTrue();
            return m.group(1);
        };

        String first = eventId.apply(new String[] {"--idempotency-key", "order-7/requested"});
        String again = eventId.apply(new String[] {"--idempotency-key", "order-7/requested"});
        String other = eventId.apply(new String[] {"--idempotency-key", "order-8/requested"});
        String random = eventId.apply(new String[0]);

        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
        assertThat(random).isNotEqualTo(first).isNotEqualTo(eventId.apply(new String[0]));
        Cli.Result blank = Cli.onex("publish", "again.v1", "--input", "a=b", "--idempotency-key", " ");
        assertThat(blank.exitCode()).isEqualTo(2);
        assertThat(blank.err()).contains("--idempotency-key must be 1 to");
    }

    @Test
    void publishNamesBootstrapServersAsWhereAnAddressNoBrokerAnswersAtCameFrom() {
        Cli.Result r = Cli.onex("publish", "--bootstrap-servers", "127.0.0.1:1", "x.v1", "--input", "a=b",
                "--set", "KAFKA_EVENT_CLUSTER_CHECK_TIMEOUT_MS=300", "--plugins", Cli.PLUGINS.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("no Kafka broker answered at 127.0.0.1:1",
                "[KAFKA_BOOTSTRAP_SERVERS is set by --bootstrap-servers]");
    }

    @Test
    void publishRefusesABadTopicBeforeConnectingAndSaysItOnce() {
        Cli.Result r = Cli.onex("publish", "--bootstrap-servers", "127.0.0.1:1", "bad topic", "--input", "a=b",
                "--plugins", Cli.PLUGINS.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).startsWith("onex: error: invalid event, not published: ").contains("[pattern at /topic]")
                .doesNotContain("no Kafka broker answered", "invalid input");
    }

    @Test
    void publishSaysOnceWhyTheNodeRefusedAnEvent() {
        // valid by the contract, too long for Kafka once the node puts the prefix and the dead-letter suffix to it
        String topic = "t".repeat(245);
        Cli.Result r = Cli.onex("publish", topic, "--input", "a=b", "--bootstrap-servers",
                SharedKafkaBroker.get().bootstrapServers(), "--plugins", Cli.PLUGINS.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).startsWith("onex: error: invalid event, not published: '/topic' makes the full topic")
                .doesNotContain("invalid input");
    }

    @Test
    void serveRefusesAWorkflowWithoutTriggerTopicsBeforeConnecting() throws Exception {
        Path flow = tmp.resolve("flow.yaml");
        Files.writeString(flow, Files.readString(EXAMPLE).replaceAll("(?s)event_bus:.*?\n\nsteps:", "steps:"));

        Cli.Result r = Cli.onex("serve", flow.toString(), "--bootstrap-servers", "127.0.0.1:1", "--plugins",
                Cli.PLUGINS.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("has no event_bus.subscribe_topics");
    }

    @Test
    void serveSaysWhenAnUnknownNodeIsInTheInstallationsPluginsThatPluginsReplaced() throws Exception {
        Path mine = Files.createDirectory(tmp.resolve("mine"));
        String before = System.getProperty("onex.plugins");
        System.setProperty("onex.plugins", Cli.PLUGINS.toString());
        try {
            Cli.Result r = Cli.onex("serve", EXAMPLE.toString(), "--bootstrap-servers", "127.0.0.1:1", "--plugins",
                    mine.toString());

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("unknown node 'kafka_event_effect'").contains("'kafka_event_effect' is in the"
                    + " installation's plugins folder (" + Cli.PLUGINS + "), which --plugins replaces");
        } finally {
            if (before == null) {
                System.clearProperty("onex.plugins");
            } else {
                System.setProperty("onex.plugins", before);
            }
        }
    }

    @Test
    void aTakenHttpPortIsASettingErrorNamedWithTheWayOutNotAStackTrace() throws Exception {
        EmbeddedKafkaBroker broker = SharedKafkaBroker.get();
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            Cli.Result r = Cli.onex("serve", EXAMPLE.toString(), "--bootstrap-servers", broker.bootstrapServers(),
                    "--set", "KAFKA_TOPIC_PREFIX=" + Triggers.prefix("port"), "--http-port",
                    String.valueOf(taken.getLocalPort()), "--plugins", Cli.PLUGINS.toString());

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("onex: error: cannot open the HTTP port 127.0.0.1:" + taken.getLocalPort())
                    .contains("--http-port").doesNotContain("internal error").doesNotContain("\tat ");
        }
    }

    @Test
    void aBadOptionIsAUsageErrorBeforeAnEmbeddedBrokerStarts() {
        Cli.Result r = Cli.onex("serve", EXAMPLE.toString(), "--embedded-kafka", "--max-trigger-bytes", "0",
                "--plugins", Cli.PLUGINS.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("the largest trigger must be at least 2 bytes, got 0");
        assertThat(r.out()).doesNotContain("embedded Kafka broker started");
    }

    @Test
    void serveRefusesOneGroupForSeveralWorkflowsAndBadOptions() {
        Path other = Cli.REPO.resolve("examples/document_ingestion_failing.yaml");
        Cli.Result group = Cli.onex("serve", EXAMPLE.toString(), other.toString(), "--group", "g", "--plugins",
                Cli.PLUGINS.toString());
        Cli.Result drain = Cli.onex("serve", EXAMPLE.toString(), "--drain-timeout", "soon");
        Cli.Result concurrency = Cli.onex("serve", EXAMPLE.toString(), "--concurrency", "0", "--plugins",
                Cli.PLUGINS.toString());
        Cli.Result blank = Cli.onex("serve", EXAMPLE.toString(), "--embedded-kafka", "--topic", "", "--plugins",
                Cli.PLUGINS.toString());

        assertThat(group.exitCode()).isEqualTo(2);
        assertThat(group.err()).contains("--group and --topic name the group and topics of one workflow");
        assertThat(drain.exitCode()).isEqualTo(2);
        assertThat(drain.err()).contains("--drain-timeout': the value given (not shown: it may be a secret) is not a duration");
        assertThat(concurrency.exitCode()).isEqualTo(2);
        assertThat(concurrency.err()).contains("concurrency must be between 1 and 10000");
        assertThat(blank.exitCode()).isEqualTo(2);
        assertThat(blank.err()).contains("--topic: a trigger topic cannot be empty or blank");
        assertThat(blank.out()).as("refused before a broker starts").doesNotContain("embedded Kafka broker started");
    }

    @Test
    void helpShowsExamplesAndNoSettingValue() {
        Cli.Result serve = Cli.onex("serve", "--help");
        Cli.Result publish = Cli.onex("publish", "--help");

        assertThat(serve.exitCode()).isZero();
        assertThat(serve.out()).contains("onex serve examples/document_ingestion.yaml --embedded-kafka",
                "--drain-timeout", "ONEX_CONSUMER_<PROPERTY>");
        assertThat(publish.out()).contains("onex publish documents.ingest.requested.v1");
    }
}
