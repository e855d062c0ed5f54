package ai.omninode.onex.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.host.testnodes.GateCompute;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowLoader;
import ai.omninode.onex.workflow.testnodes.HookCompute;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How a host starts and stops on the shared broker: copies that share an instance id, a stop during load or start. */
class LifecycleIT {
    private final EmbeddedKafkaBroker broker = SharedKafkaBroker.get();
    private final List<OnexHost> hosts = new ArrayList<>();
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stopHosts() {
        HookCompute.HOOK.set(() -> { });
        GateCompute.ON_INITIALIZE.set(() -> { });
        hosts.forEach(OnexHost::close);
    }

    /** A workflow named {@code name} of one step, a {@code test_<name>} node, triggered by {@code topic}. */
    private static Workflow oneStep(String name, String topic) {
        return new WorkflowLoader().load(name + ".yaml", """
                name: %s
                version: {major: 1, minor: 0, patch: 0}
                event_bus:
                  subscribe_topics: [%s]
                steps:
                  - name: only
                    type: compute
                    compute_node: test_%s
                    input: {}
                """.formatted(name, topic, name));
    }

    private OnexHost.Builder host(String prefix, Workflow workflow) {
        Map<String, String> settings = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                "KAFKA_TOPIC_PREFIX", prefix,
                // a fenced member hears it at its next heartbeat
                "ONEX_CONSUMER_HEARTBEAT_INTERVAL_MS", "500"));
        return OnexHost.builder().registry(NodeRegistry.builder().classLoader(getClass().getClassLoader()).build())
                .settings(settings).workflow(workflow).drainTimeout(Duration.ofSeconds(5)).events(events::add);
    }

    private OnexHost started(OnexHost.Builder builder) {
        OnexHost host = builder.build();
        hosts.add(host);
        return host.start();
    }

    private static boolean stopped(OnexHost host) throws InterruptedException {
        return host.awaitStopped(0, TimeUnit.MILLISECONDS);
    }

    /**
     * The probe's hang: two copies with one --instance-id took the member's place from each other for ever, both mostly
     * ready, and one then never returned from closing its consumer. Now the copy Kafka fences out stops, says why, and
     * is neither live nor ready; the other serves on and stops within its bound.
     */
    @Test
    void aCopyWithTheSameInstanceIdFencesTheOtherWhichSaysSoAndStopsInsteadOfFightingForEver() throws Exception {
        String prefix = Triggers.prefix("fenced");
        broker.createTopic(prefix + ".in.v1", 2);
        OnexHost first = started(host(prefix, oneStep("echo", "in.v1")).instanceId("same"));
        await().atMost(Duration.ofMinutes(1)).until(first::ready);
        OnexHost second = started(host(prefix, oneStep("echo", "in.v1")).instanceId("same"));

        await().atMost(Duration.ofSeconds(45)).until(() -> stopped(first) || stopped(second));
        OnexHost fenced = stopped(first) ? first : second;
        OnexHost other = fenced == first ? second : first;

        assertThat(fenced.status().get(0).error()).as("health says why")
                .contains("fenced out of group " + prefix + ".echo.consume.v1",
                        "the same --instance-id 'same'", "stopped consuming");
        assertThat(fenced.ready()).isFalse();
        assertThat(fenced.live()).isFalse();
        assertThat(fenced.loopErrors()).singleElement().asString().startsWith("workflow echo: fenced out of group");
        assertThat(String.join("\n", events)).contains("nothing committed");
        await().atMost(Duration.ofMinutes(1)).until(other::ready);
        assertThat(stopped(other)).as("the other copy serves on").isFalse();
        // a bound on a hang, with slack; not a speed target
        CompletableFuture.runAsync(other::close).get(other.stopBound().toMillis(), TimeUnit.MILLISECONDS);
        CompletableFuture.runAsync(fenced::close).get(fenced.stopBound().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * The probe's repeats: a trigger waiting behind its key (A@1 behind A@0) had not started when the stop came, while
     * a later trigger of another key (B@2) had finished; the commit stopped at A@1, so B@2 ran again after the restart.
     * Now a stop finishes every trigger before the last one started, and the final commit passes all three.
     */
    @Test
    void aStopFinishesTriggersWaitingBehindTheirKeySoTheFinalCommitPassesEveryTriggerThatRan() throws Exception {
        String prefix = Triggers.prefix("behind");
        String topic = prefix + ".hook.v1";
        broker.createTopic(topic, 1);
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HookCompute.HOOK.set(() -> {
            if (runs.incrementAndGet() == 1) {
                firstRunning.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        OnexHost host = started(host(prefix, oneStep("hook", "hook.v1")).concurrency(4));
        try (KafkaProducer<byte[], byte[]> producer = Triggers.producer(broker.bootstrapServers());
                Admin admin = broker.admin()) {
            send(producer, topic, "A");
            assertThat(firstRunning.await(1, TimeUnit.MINUTES)).isTrue();
            send(producer, topic, "A"); // waits behind A@0
            send(producer, topic, "B"); // runs, and finishes
            await().atMost(Duration.ofMinutes(1)).until(() -> succeeded(host) == 1);

            host.stop();
            release.countDown();
            assertThat(host.awaitStopped(host.stopBound().toMillis(), TimeUnit.MILLISECONDS)).isTrue();

            assertThat(runs.get()).as("A@1 ran in the drain").isEqualTo(3);
            assertThat(Triggers.committedAndEnd(admin, OnexHost.defaultGroupId(prefix, oneStep("hook", "hook.v1")), topic))
                    .as("committed past every trigger that ran: a restart repeats nothing")
                    .containsEntry(0, new long[] {3, 3});
            assertThat(String.join("\n", events)).contains("every run under way finished", "offsets committed ("
                    + topic + "-0 at 3)");
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key) throws Exception {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
                "{}".getBytes(StandardCharsets.UTF_8))).get();
    }

    private static double succeeded(OnexHost host) {
        var c = host.meterRegistry().find("onex.host.runs").tag("outcome", "succeeded").counter();
        return c == null ? 0 : c.count();
    }

    /**
     * The probe's SIGTERM during start-up: it came after the handler was installed but before the loops existed, so
     * the stop found nothing to stop, and the host then joined its group and served. Now a stop during the start wins.
     */
    @Test
    void aStopWhileTheHostIsStartingWinsAndItServesNothing() throws Exception {
        String prefix = Triggers.prefix("startstop");
        broker.createTopic(prefix + ".gate.v1", 1);
        CountDownLatch initializing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        GateCompute.ON_INITIALIZE.set(() -> {
            initializing.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Workflow gate = OnexHostStartTest.GATE; // its node holds the start in initialize
        OnexHost host = host(prefix, gate).build();
        hosts.add(host);

        CompletableFuture<OnexHost> starting = CompletableFuture.supplyAsync(host::start);
        assertThat(initializing.await(1, TimeUnit.MINUTES)).as("the start holds in the node's initialize").isTrue();
        host.stop(); // as the SIGTERM handler does
        release.countDown();
        starting.get(1, TimeUnit.MINUTES);

        assertThat(host.awaitStopped(0, TimeUnit.MILLISECONDS)).as("nothing left to stop").isTrue();
        assertThat(host.status()).as("no trigger loop").isEmpty();
        assertThat(host.live()).isFalse();
        assertThat(events).anyMatch(e -> e.startsWith("stop requested while starting: stopped after initializing the"
                + " nodes, serving nothing"));
        assertThat(events).noneMatch(e -> e.contains(" assigned "));
    }

    /**
     * The probe's typos: a subscribe topic one letter off, or --topic given with the prefix already in it, were created
     * and served, the host healthy and waiting on an empty topic for ever, with an INFO line at most. Now the start
     * says so next to the "serving" line; a new topic with nothing like it (a first deployment) is not remarked on.
     */
    @Test
    void aTriggerTopicThatHadToBeCreatedIsNamedWithTheClosestExistingTopicOrThePrefixItRepeats() {
        String prefix = Triggers.prefix("typo");
        broker.createTopic(prefix + ".orders.requested.v1", 1);
        started(host(prefix, oneStep("echo", "orders.requsted.v1")));
        started(host(prefix, oneStep("echo", "in.v1")).groupId(prefix + ".second").topics(List.of(prefix + ".in.v1")));
        started(host(prefix, oneStep("echo", "fresh.v1")).groupId(prefix + ".third"));

        assertThat(events).contains("workflow echo: trigger topic " + prefix + ".orders.requsted.v1 did not exist, so it"
                + " was created (the broker's default partitions); if that is a typo, the closest topic there is "
                + prefix + ".orders.requested.v1");
        assertThat(events).contains("workflow echo: trigger topic " + prefix + "." + prefix + ".in.v1 did not exist, so"
                + " it was created (the broker's default partitions); it starts with the prefix '" + prefix + "' twice:"
                + " topics are written without KAFKA_TOPIC_PREFIX, which is put in front of them");
        assertThat(events).noneMatch(e -> e.contains(prefix + ".fresh.v1 did not exist"));
    }
}
