package ai.omninode.onex.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.host.testnodes.GateCompute;
import ai.omninode.onex.node.NodeSettingsException;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowLoader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@link OnexHost#start()} refuses before it connects anywhere (the address given answers nowhere). */
class OnexHostStartTest {
    private static final Workflow ECHO = new WorkflowLoader().load("echo.yaml", """
            name: echo
            version: {major: 1, minor: 0, patch: 0}
            event_bus:
              subscribe_topics: [loop.in.v1]
            steps:
              - name: pub
                type: effect
                effect_node: kafka_event_effect
                input:
                  topic: loop.out.v1
                  event_type: ECHO
                  payload: {n: "${input.n:0}"}
            """);

    private static OnexHost.Builder host(List<String> topics, String prefix) {
        return OnexHost.builder().registry(NodeRegistry.builder().classLoader(OnexHostStartTest.class.getClassLoader())
                .build()).settings(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1", "KAFKA_TOPIC_PREFIX", prefix,
                        "KAFKA_EVENT_CLUSTER_CHECK_TIMEOUT_MS", "200"))
                .workflow(ECHO).topics(topics);
    }

    @Test
    void aTopicOptionThatNamesTheWorkflowsOwnOutputIsRefusedAsSubscribeTopicsWouldBe() {
        for (String prefix : List.of("", "dev")) {
            assertThatThrownBy(() -> host(List.of("loop.out.v1"), prefix).build().start())
                    .isInstanceOf(ValidationException.class)
                    .hasMessageContaining("step 'pub' publishes to 'loop.out.v1'")
                    .hasMessageContaining("(--topic): every run would trigger another")
                    .hasMessageStartingWith("echo.yaml:10:");
        }
    }

    @Test
    void aTopicOtherThanTheOutputIsNotRefusedForIt() {
        // refused later, for the address no broker answers at: the self-trigger check let it through
        assertThatThrownBy(() -> host(List.of("loop.in.v1"), "dev").build().start())
                .hasMessageContaining("no Kafka broker answered at 127.0.0.1:1")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("trigger another"));
    }

    @Test
    void aTopicKafkaWouldRefuseSaysWhyAndComesFromTheOptionNotTheFile() {
        assertThatThrownBy(() -> host(List.of("in.v1 "), "dev").build().start())
                .isInstanceOf(ValidationException.class)
                .hasMessage("--topic: error: trigger topic 'dev.in.v1 ' holds characters Kafka does not allow in a topic"
                        + " name (letters, digits, '.', '_' and '-' only)");
        String longest = "t".repeat(249 - ".dlq".length() - "dev.".length());
        assertThatThrownBy(() -> host(List.of(longest + "x"), "dev").build().start())
                .hasMessageContaining("is 246 characters long: its dead-letter topic (.dlq) would pass Kafka's 249");
        assertThatThrownBy(() -> host(List.of(longest), "dev").build().start())
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("trigger topic"));
        for (String blank : List.of("", " ")) {
            assertThatThrownBy(() -> host(List.of(blank), "dev")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("--topic: a trigger topic cannot be empty or blank");
        }
    }

    /** A workflow of one {@code test_gate} step: its node runs {@link GateCompute#ON_INITIALIZE} when it starts. */
    static final Workflow GATE = new WorkflowLoader().load("gate.yaml", """
            name: gate
            version: {major: 1, minor: 0, patch: 0}
            event_bus:
              subscribe_topics: [gate.v1]
            steps:
              - name: pass
                type: compute
                compute_node: test_gate
                input: {}
            """);

    /** Starts a host whose only node records whether it was initialized; returns what start() threw. */
    private static Throwable refusal(Map<String, String> consumerSettings) {
        java.util.concurrent.atomic.AtomicBoolean initialized = new java.util.concurrent.atomic.AtomicBoolean();
        GateCompute.ON_INITIALIZE.set(() -> initialized.set(true));
        try {
            OnexHost host = OnexHost.builder().registry(NodeRegistry.builder()
                            .classLoader(OnexHostStartTest.class.getClassLoader()).build())
                    .settings(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"))
                    .settingsFrom("the environment", consumerSettings).workflow(GATE).build();
            Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(host::start);
            assertThat(initialized).as("refused before any node started").isFalse();
            return thrown;
        } finally {
            GateCompute.ON_INITIALIZE.set(() -> { });
        }
    }

    /**
     * The probe's bad consumer settings passed the name and type checks and ended in "internal error: KafkaException:
     * Failed to construct kafka consumer" with a stack trace (exit 1), after the nodes had started.
     */
    @Test
    void consumerSettingsKafkaRefusesAreNamedBeforeAnyNodeStartsWithoutTheirSecret() {
        Throwable jaas = refusal(Map.of("ONEX_CONSUMER_SECURITY_PROTOCOL", "SASL_PLAINTEXT",
                "ONEX_CONSUMER_SASL_MECHANISM", "PLAIN", "ONEX_CONSUMER_SASL_JAAS_CONFIG",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\""
                        + " password=\"Sup3rSecret\""));
        // a password where the control flag goes: Kafka's parser quotes the word it trips on
        Throwable flag = refusal(Map.of("ONEX_CONSUMER_SECURITY_PROTOCOL", "SASL_PLAINTEXT",
                "ONEX_CONSUMER_SASL_MECHANISM", "PLAIN", "ONEX_CONSUMER_SASL_JAAS_CONFIG",
                "org.apache.kafka.common.security.plain.PlainLoginModule Sup3rSecret username=\"alice\";"));
        // one with a quote in it, written without its key: the parser quotes it unescaped, unlike the value as written
        Throwable escaped = refusal(Map.of("ONEX_CONSUMER_SECURITY_PROTOCOL", "SASL_PLAINTEXT",
                "ONEX_CONSUMER_SASL_MECHANISM", "PLAIN", "ONEX_CONSUMER_SASL_JAAS_CONFIG",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" \"Xy\\\"Zw!9q#Lm\";"));
        Throwable address = refusal(Map.of("ONEX_CONSUMER_BOOTSTRAP_SERVERS", "nohost.invalid:1"));
        Throwable interceptor = refusal(Map.of("ONEX_CONSUMER_INTERCEPTOR_CLASSES", "com.example.Nope"));

        assertThat(jaas).isInstanceOf(NodeSettingsException.class)
                .hasMessageStartingWith("the trigger consumer cannot be built: Kafka refused"
                        + " ONEX_CONSUMER_SASL_JAAS_CONFIG (sasl.jaas.config): ")
                .hasMessageContaining("JAAS config entry not terminated by semi-colon")
                .hasMessageEndingWith("[ONEX_CONSUMER_SASL_JAAS_CONFIG is set by the environment]")
                .hasNoCause();
        assertThat(jaas.getMessage()).doesNotContain("Sup3rSecret", "alice");
        assertThat(flag).hasMessageContaining("Invalid login module control flag '[hidden]' in JAAS config")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Sup3rSecret", "alice"));
        assertThat(escaped).hasMessageContaining("Value not specified for key '[hidden]' in JAAS config")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Zw!9q#Lm"));
        assertThat(((NodeSettingsException) jaas).settings()).containsExactly("ONEX_CONSUMER_SASL_JAAS_CONFIG");
        assertThat(address).isInstanceOf(NodeSettingsException.class).hasMessageContaining(
                "Kafka refused ONEX_CONSUMER_BOOTSTRAP_SERVERS (bootstrap.servers): ConfigException: No resolvable"
                        + " bootstrap urls");
        assertThat(interceptor).isInstanceOf(NodeSettingsException.class).hasMessageContaining(
                "Kafka refused ONEX_CONSUMER_INTERCEPTOR_CLASSES (interceptor.classes): ").hasMessageContaining(
                "com.example.Nope");
    }

    private static Workflow forwarder(String name, String in, String out) {
        return new WorkflowLoader().load(name + ".yaml", """
                name: %s
                version: {major: 1, minor: 0, patch: 0}
                event_bus:
                  subscribe_topics: [%s]
                steps:
                  - name: forward
                    type: effect
                    effect_node: kafka_event_effect
                    input: {topic: %s, event_type: HOP, payload: {hop: 1}}
                """.formatted(name, in, out));
    }

    /** The probe's ping and pong, served by one process: one trigger became hundreds of runs a second, for ever. */
    @Test
    void workflowsThatTriggerEachOtherRoundALoopAreRefusedNamingEveryStepOfIt() {
        OnexHost.Builder host = OnexHost.builder().registry(NodeRegistry.builder()
                        .classLoader(OnexHostStartTest.class.getClassLoader()).build())
                .settings(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1", "KAFKA_TOPIC_PREFIX", "dev"))
                .workflows(List.of(forwarder("ping", "ping.v1", "pong.v1"), forwarder("pong", "pong.v1", "ping.v1"),
                        forwarder("tail", "end.v1", "ping.v1")));

        assertThatThrownBy(() -> host.build().start()).isInstanceOf(ValidationException.class)
                .hasMessage("ping.yaml:9:20: error: step 'forward' of workflow 'ping' publishes to 'pong.v1'"
                        + " (dev.pong.v1 in Kafka), which workflow 'pong' consumes, and step 'forward' of workflow 'pong'"
                        + " publishes to 'ping.v1' (dev.ping.v1 in Kafka), which workflow 'ping' consumes: served"
                        + " together, every run would trigger another, round the loop for ever");
    }

    /**
     * The probe's node whose initialize threw (a database away at start): the host started, said nothing and was ready;
     * the first trigger then failed "node uninitialized" for the infrastructure and ran again for ever, the node never
     * initialized again, even once the database was back. Now the start is refused, naming the step and the reason.
     */
    @Test
    void aNodeThatCannotBeInitializedForAnyReasonStopsTheStartNamingItsStepAndWhy() {
        GateCompute.ON_INITIALIZE.set(() -> {
            throw new IllegalStateException("database at db.example:5432 unreachable");
        });
        try {
            OnexHost.Builder host = OnexHost.builder().registry(NodeRegistry.builder()
                            .classLoader(OnexHostStartTest.class.getClassLoader()).build())
                    .settings(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")).workflow(GATE);

            assertThatThrownBy(() -> host.build().start()).isInstanceOf(ValidationException.class)
                    .hasMessage("gate.yaml:8:19: error: node 'test_gate' could not be initialized:"
                            + " IllegalStateException: database at db.example:5432 unreachable");
        } finally {
            GateCompute.ON_INITIALIZE.set(() -> { });
        }
    }

    /** The probe's taken --http-port and foreign --http-host were found only after the nodes had started. */
    @Test
    void aTakenHttpPortOrAForeignAddressIsRefusedBeforeAnyNodeStarts() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean initialized = new java.util.concurrent.atomic.AtomicBoolean();
        GateCompute.ON_INITIALIZE.set(() -> initialized.set(true));
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            OnexHost.Builder host = OnexHost.builder().registry(NodeRegistry.builder()
                            .classLoader(OnexHostStartTest.class.getClassLoader()).build())
                    .settings(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")).workflow(GATE);

            assertThatThrownBy(() -> host.httpPort(taken.getLocalPort()).build().start())
                    .isInstanceOf(java.io.UncheckedIOException.class)
                    .hasMessageStartingWith("cannot open the HTTP port 127.0.0.1:" + taken.getLocalPort());
            assertThatThrownBy(() -> host.httpPort(0).httpHost("192.0.2.1").build().start())
                    .isInstanceOf(java.io.UncheckedIOException.class)
                    .hasMessageStartingWith("cannot open the HTTP port 192.0.2.1:0");
            assertThat(initialized).as("refused before any node started").isFalse();
        } finally {
            GateCompute.ON_INITIALIZE.set(() -> { });
        }
    }
}
