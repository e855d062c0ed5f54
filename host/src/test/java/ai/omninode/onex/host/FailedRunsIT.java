package ai.omninode.onex.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.omninode.onex.host.internal.DeadLetters;
import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowLoader;
import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Runs that fail for their content, on the shared broker: a trigger whose run is refused before any step (as
 * {@code onex run} refuses it), and runs whose failure {@code on_step_failure} did or did not put on record.
 */
class FailedRunsIT {
    private static final Path REPO = Path.of(System.getProperty("onex.test.repo", "..")).normalize();
    private final EmbeddedKafkaBroker broker = SharedKafkaBroker.get();
    private final List<OnexHost> hosts = new ArrayList<>();
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stopHosts() {
        hosts.forEach(OnexHost::close);
    }

    private OnexHost host(String prefix, List<Workflow> workflows) {
        OnexHost host = OnexHost.builder().registry(NodeRegistry.builder().classLoader(getClass().getClassLoader())
                        .build())
                .settings(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "KAFKA_TOPIC_PREFIX", prefix))
                .workflows(workflows).concurrency(4).drainTimeout(Duration.ofSeconds(10)).events(events::add).build();
        hosts.add(host);
        return host.start();
    }

    private static Workflow failing(String name, String onStepFailureNode) {
        return new WorkflowLoader().load(name + ".yaml", """
                name: %s
                version: {major: 1, minor: 0, patch: 0}
                event_bus:
                  subscribe_topics: [%s.v1]
                steps:
                  - name: count
                    type: compute
                    compute_node: test_bad_output
                    input: {value: "${input.value}"}
                """.formatted(name, name) + (onStepFailureNode == null ? "" : """
                error_handling:
                  on_step_failure:
                    - name: record_failure
                      type: compute
                      compute_node: %s
                      input: {failed: "${error.step}"}
                """.formatted(onStepFailureNode)));
    }

    private static double count(OnexHost host, String meter, String workflow) {
        return host.meterRegistry().find(meter).tag("workflow", workflow).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** What the probe found: effects ran, the failure event could not be published, nothing was on record. */
    @Test
    void aTriggerThatBreaksAStepsContractIsDeadLetteredBeforeAnyStepRunsAsOnexRunRefusesIt() throws Exception {
        String prefix = Triggers.prefix("stepinput");
        String topic = prefix + "." + Triggers.REQUEST_TOPIC;
        broker.createTopic(topic, 1);
        broker.createTopic(topic + DeadLetters.SUFFIX, 1);
        broker.createTopic(prefix + "." + Triggers.COMPLETED_TOPIC, 1);
        Workflow example = new WorkflowLoader().load(REPO.resolve("examples/document_ingestion.yaml"));
        OnexHost host = host(prefix, List.of(example));
        try (KafkaProducer<byte[], byte[]> producer = Triggers.producer(broker.bootstrapServers());
                Admin admin = broker.admin();
                Triggers.Reader dead = new Triggers.Reader(broker.bootstrapServers(), topic + DeadLetters.SUFFIX)) {
            long sentAt = producer.send(new ProducerRecord<>(topic, "tp-7".getBytes(StandardCharsets.UTF_8), ("{\"document_id\":"
                    + "\"tp-7\",\"content\":\"Ada in London.\",\"metadata\":{\"language\":\"en\"},\"correlation_id\":"
                    + "\"not a uuid at all\"}").getBytes(StandardCharsets.UTF_8))).get().timestamp();
            producer.send(new ProducerRecord<>(topic, "good".getBytes(StandardCharsets.UTF_8),
                    Triggers.envelope("good"))).get();

            await().atMost(Duration.ofMinutes(1)).until(() -> {
                dead.poll();
                return !dead.records.isEmpty() && count(host, "onex.host.runs", "document_ingestion") == 1;
            });
            await().atMost(Duration.ofMinutes(1)).until(() -> Triggers.allCommitted(Triggers.committedAndEnd(admin,
                    OnexHost.defaultGroupId(prefix, example), topic)));

            assertThat(dead.records).hasSize(1);
            String reason = header(dead.records.get(0), DeadLetters.REASON);
            assertThat(reason).startsWith("the input would break a step's node contract, so no step ran: ")
                    .contains("correlation_id");
            assertThat(header(dead.records.get(0), DeadLetters.CORRELATION_ID)).as("the run's, as in its log lines")
                    .isEqualTo(java.util.UUID.nameUUIDFromBytes(("document_ingestion:" + topic + "/0/0@" + sentAt)
                            .getBytes(StandardCharsets.UTF_8)).toString());
            assertThat(count(host, "onex.host.runs", "document_ingestion")).as("only the good trigger ran").isEqualTo(1);
            assertThat(host.meterRegistry().find("onex.workflow.steps").tag("step", "store_vectors").timers().stream()
                    .mapToLong(t -> t.count()).sum()).as("no effect ran for tp-7").isEqualTo(1);
            assertThat(host.meterRegistry().find("onex.host.triggers.dead.lettered").tag("kind", "step_input")
                    .counter().count()).isEqualTo(1);
        }
    }

    @Test
    void aContentFailureIsCommittedOnlyOnceOnStepFailureOrTheDeadLetterTopicHasItOnRecord() throws Exception {
        String prefix = Triggers.prefix("failed");
        Map<String, Workflow> flows = Map.of("unhandled", failing("unhandled", null),
                "handler_fails", failing("handler_fails", "test_bad_output"),
                "handled", failing("handled", "test_echo"));
        for (String name : flows.keySet()) {
            broker.createTopic(prefix + "." + name + ".v1", 1);
            broker.createTopic(prefix + "." + name + ".v1" + DeadLetters.SUFFIX, 1);
        }
        OnexHost host = host(prefix, List.copyOf(flows.values()));
        try (KafkaProducer<byte[], byte[]> producer = Triggers.producer(broker.bootstrapServers());
                Admin admin = broker.admin()) {
            await().atMost(Duration.ofMinutes(1)).until(host::ready);
            for (String name : flows.keySet()) {
                producer.send(new ProducerRecord<>(prefix + "." + name + ".v1", null,
                        "{\"value\":1}".getBytes(StandardCharsets.UTF_8))).get();
            }
            for (Map.Entry<String, Workflow> f : flows.entrySet()) {
                String topic = prefix + "." + f.getKey() + ".v1";
                await().atMost(Duration.ofMinutes(1)).until(() -> Triggers.allCommitted(Triggers.committedAndEnd(admin,
                        OnexHost.defaultGroupId(prefix, f.getValue()), topic)));
                assertThat(count(host, "onex.host.runs", f.getKey())).as(f.getKey()).isEqualTo(1);
            }
            Map<String, List<String>> reasons = new java.util.TreeMap<>();
            for (String name : flows.keySet()) {
                try (Triggers.Reader dead = new Triggers.Reader(broker.bootstrapServers(),
                        prefix + "." + name + ".v1" + DeadLetters.SUFFIX)) {
                    dead.poll();
                    dead.poll();
                    reasons.put(name, dead.records.stream().map(r -> header(r, DeadLetters.REASON)).toList());
                }
            }

            assertThat(reasons.get("handled")).as("on_step_failure ran and succeeded: on record").isEmpty();
            assertThat(reasons.get("unhandled")).singleElement().asString().startsWith("step 'count' failed: ")
                    .endsWith("; no on_step_failure step ran to put it on record");
            assertThat(reasons.get("handler_fails")).singleElement().asString().startsWith("step 'count' failed: ")
                    .contains("; on_step_failure step 'record_failure' failed too: ");
            assertThat(String.join("\n", events)).doesNotContain("on_step_failure ran, committed");
        }
    }
}
