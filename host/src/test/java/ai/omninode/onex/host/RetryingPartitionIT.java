package ai.omninode.onex.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.omninode.onex.host.internal.DeadLetters;
import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowLoader;
import ai.omninode.onex.workflow.testnodes.FlakyEffect;
import ai.omninode.onex.workflow.testnodes.HookCompute;
import ai.omninode.onex.workflow.testnodes.TestNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A partition whose trigger failed for the infrastructure, on the shared broker, while the trigger runs again. */
class RetryingPartitionIT {
    private final EmbeddedKafkaBroker broker = SharedKafkaBroker.get();
    private final List<OnexHost> hosts = new ArrayList<>();
    private final List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stopHosts() {
        HookCompute.HOOK.set(() -> { });
        hosts.forEach(OnexHost::close);
        TestNode.reset();
    }

    /**
     * Publishes with {@code test_flaky} from {@code in.v1}: each trigger's {@code failures} first calls fail as a broker
     * away would (circuit open: an infrastructure failure), for its {@code key}.
     */
    private static Workflow flakyPublish(String name) {
        return new WorkflowLoader().load(name + ".yaml", """
                name: %s
                version: {major: 1, minor: 0, patch: 0}
                event_bus:
                  subscribe_topics: [in.v1]
                steps:
                  - name: publish
                    type: effect
                    effect_node: test_flaky
                    input: {key: "${input.key}", failures: "${input.failures}", mode: circuit_open}
                """.formatted(name));
    }

    /** A started host of {@code workflow} on the shared broker, closed after the test. */
    private OnexHost startHost(String prefix, Workflow workflow, int concurrency) {
        OnexHost host = OnexHost.builder().registry(NodeRegistry.builder().classLoader(getClass().getClassLoader())
                        .build())
                .settings(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "KAFKA_TOPIC_PREFIX", prefix))
                .workflow(workflow).concurrency(concurrency).drainTimeout(Duration.ofSeconds(5)).events(events::add).build();
        hosts.add(host);
        host.start();
        return host;
    }

    /**
     * The probe's flapping readiness: the partition counted as retrying only while its trigger waited out the backoff,
     * so while the trigger ran again (up to a delivery timeout against a broker that does not answer) the host said
     * ready and fetched from the partition again. Now it stays paused and not ready until the trigger succeeds.
     */
    @Test
    void aPartitionStaysNotReadyWhileItsFailedTriggerRunsAgainUntilItSucceeds() throws Exception {
        String prefix = Triggers.prefix("retrying");
        broker.createTopic(prefix + ".in.v1", 1);
        Workflow workflow = new WorkflowLoader().load("flaky.yaml", """
                name: flaky
                version: {major: 1, minor: 0, patch: 0}
                event_bus:
                  subscribe_topics: [in.v1]
                steps:
                  - name: before
                    type: compute
                    compute_node: test_hook
                    input: {}
                  - name: publish
                    type: effect
                    effect_node: test_flaky
                    input: {key: "${input.key}", failures: 1, mode: circuit_open}
                """);
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch secondRunning = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HookCompute.HOOK.set(() -> {
            if (runs.incrementAndGet() == 2) { // the trigger's run after its infrastructure failure
                secondRunning.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        OnexHost host = startHost(prefix, workflow, OnexHost.DEFAULT_CONCURRENCY);
        await().atMost(Duration.ofMinutes(1)).until(host::ready);

        try (KafkaProducer<byte[], byte[]> producer = Triggers.producer(broker.bootstrapServers())) {
            producer.send(new ProducerRecord<>(prefix + ".in.v1", "{\"key\":\"a\"}".getBytes(StandardCharsets.UTF_8)))
                    .get();
        }
        assertThat(secondRunning.await(30, TimeUnit.SECONDS)).as("the trigger runs again after its backoff").isTrue();

        assertThat(host.ready()).as("not ready while the failed trigger runs again").isFalse();
        assertThat(host.status().get(0).retrying()).containsOnlyKeys(prefix + ".in.v1-0");
        assertThat(host.status().get(0).retrying().get(prefix + ".in.v1-0")).contains("circuit_open");
        // and paused: the poll loop counts it (at its next turn) as a partition waiting for a retry
        await().atMost(Duration.ofSeconds(10)).until(() ->
                host.meterRegistry().get("onex.host.partitions.retrying").gauge().value() == 1.0);
        assertThat(host.ready()).isFalse();

        release.countDown();
        await().atMost(Duration.ofMinutes(1)).until(host::ready);
        assertThat(host.status().get(0).retrying()).isEmpty();
        assertThat(runs).hasValue(2);
    }

    /**
     * A plugin that cannot link a class fails every trigger the same way: the trigger waits and runs again, never
     * dead-lettered. Decided from the failure's class: a trigger whose own failure merely quotes such a name (or an
     * initialization failure) in its message is its content's, and is dead-lettered and committed.
     */
    @Test
    void aClassThePluginCannotLinkKeepsTheTriggerWhileAMessageThatOnlyQuotesOneIsTheTriggersOwnFailure()
            throws Exception {
        String prefix = Triggers.prefix("linkage");
        String topic = prefix + ".in.v1";
        broker.createTopic(topic, 1);
        broker.createTopic(topic + DeadLetters.SUFFIX, 1);
        Workflow workflow = new WorkflowLoader().load("linkage.yaml", """
                name: linkage
                version: {major: 1, minor: 0, patch: 0}
                event_bus:
                  subscribe_topics: [in.v1]
                steps:
                  - {name: act, type: compute, compute_node: test_hook, input: {}}
                """);
        AtomicInteger runs = new AtomicInteger();
        HookCompute.HOOK.set(() -> {
            switch (runs.incrementAndGet()) {
                case 1 -> throw new NoClassDefFoundError("org/example/Gone"); // the first trigger's first run
                case 2 -> { } // its run after the backoff: the plugin works again
                default -> throw new IllegalArgumentException("field 'NoClassDefFoundError: x' of node 'y' could not"
                        + " be initialized"); // the second trigger's
            }
        });
        OnexHost host = startHost(prefix, workflow, OnexHost.DEFAULT_CONCURRENCY);
        await().atMost(Duration.ofMinutes(1)).until(host::ready);

        try (KafkaProducer<byte[], byte[]> producer = Triggers.producer(broker.bootstrapServers());
                Admin admin = broker.admin();
                Triggers.Reader dead = new Triggers.Reader(broker.bootstrapServers(), topic + DeadLetters.SUFFIX)) {
            byte[] key = "same-key".getBytes(StandardCharsets.UTF_8); // one after another, in offset order
            producer.send(new ProducerRecord<>(topic, key, "{\"n\":1}".getBytes(StandardCharsets.UTF_8))).get();
            producer.send(new ProducerRecord<>(topic, key, "{\"n\":2}".getBytes(StandardCharsets.UTF_8))).get();

            await().atMost(Duration.ofMinutes(1)).until(() -> Triggers.allCommitted(Triggers.committedAndEnd(admin,
                    OnexHost.defaultGroupId(prefix, workflow), topic)));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                dead.poll();
                return !dead.records.isEmpty();
            });
            assertThat(runs).as("the first trigger twice, the second once").hasValue(3);
            assertThat(dead.records).hasSize(1);
            var letter = dead.records.get(0);
            assertThat(new String(letter.headers().lastHeader(DeadLetters.OFFSET).value(), StandardCharsets.UTF_8))
                    .as("only the second trigger").isEqualTo("1");
            assertThat(new String(letter.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8))
                    .contains("field 'NoClassDefFoundError: x'");
        }
    }

    /**
     * Triggers polled with one that then fails for the infrastructure wait for it before their first run, rather than
     * meet the same broken broker, fail, and each run again: in a broker outage under load that made thousands of
     * runs that repeated every effect before the failing step. One worker, so that the order is the host's alone.
     */
    @Test
    void triggersPolledWithOneThatFailedForTheInfrastructureWaitForItBeforeTheirFirstRun() throws Exception {
        String prefix = Triggers.prefix("held");
        String topic = prefix + ".in.v1";
        broker.createTopic(topic, 1);
        Workflow workflow = flakyPublish("held");
        try (KafkaProducer<byte[], byte[]> producer = Triggers.producer(broker.bootstrapServers())) {
            for (String key : List.of("a", "b", "c", "d")) { // in the log before the host starts: one poll takes all
                producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), ("{\"key\":\"" + key
                        + "\",\"failures\":" + (key.equals("a") ? 1 : 0) + "}").getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
        startHost(prefix, workflow, 1);

        try (Admin admin = broker.admin()) {
            await().atMost(Duration.ofMinutes(1)).until(() -> Triggers.allCommitted(Triggers.committedAndEnd(admin,
                    OnexHost.defaultGroupId(prefix, workflow), topic)));
        }
        assertThat(FlakyEffect.TIMES.get("a")).as("a failed once, then succeeded").hasSize(2);
        long aSucceeded = FlakyEffect.TIMES.get("a").get(1);
        for (String key : List.of("b", "c", "d")) {
            assertThat(FlakyEffect.TIMES.get(key)).as(key + " ran once").hasSize(1);
            assertThat(FlakyEffect.TIMES.get(key).get(0)).as(key + " waited for a's second run").isGreaterThan(aSucceeded);
        }
    }
    /**
     * A stop while a trigger waits to run again after an infrastructure failure does not try it again: the stop
     * message says so, rather than counting it among runs that did not finish in time, and nothing is committed past it.
     */
    @Test
    void aStopSaysWhichTriggersWereWaitingToRunAgainAndCommitsNothingPastThem() throws Exception {
        String prefix = Triggers.prefix("stopretry");
        String topic = prefix + ".in.v1";
        broker.createTopic(topic, 1);
        Workflow workflow = flakyPublish("stopretry");
        OnexHost host = startHost(prefix, workflow, OnexHost.DEFAULT_CONCURRENCY);
        await().atMost(Duration.ofMinutes(1)).until(host::ready);
        try (KafkaProducer<byte[], byte[]> producer = Triggers.producer(broker.bootstrapServers())) {
            producer.send(new ProducerRecord<>(topic, "k".getBytes(StandardCharsets.UTF_8),
                    "{\"key\":\"stop-a\",\"failures\":1000}".getBytes(StandardCharsets.UTF_8))).get();
        }
        await().atMost(Duration.ofMinutes(1)).until(() -> !host.status().get(0).retrying().isEmpty());

        host.close();

        assertThat(String.join("\n", events)).contains("1 trigger waiting to run again after an infrastructure"
                + " failure was not tried again (not committed: they will run again)")
                .doesNotContain("did not finish within the drain timeout");
        try (Admin admin = broker.admin()) {
            org.apache.kafka.clients.consumer.OffsetAndMetadata committed = admin.listConsumerGroupOffsets(
                    OnexHost.defaultGroupId(prefix, workflow)).partitionsToOffsetAndMetadata().get()
                    .get(new org.apache.kafka.common.TopicPartition(topic, 0));
            assertThat(committed == null ? 0 : committed.offset()).as("the waiting trigger is not committed")
                    .isZero();
        }
    }
}
