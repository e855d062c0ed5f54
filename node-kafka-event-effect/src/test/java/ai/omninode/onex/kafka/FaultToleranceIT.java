package ai.omninode.onex.kafka;

import static ai.omninode.onex.kafka.NodeKafkaEventEffectTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Faults around the edges of the promise: the dead-letter topic is unreachable too, and the node shuts down while
 * callers are still publishing. On the JVM's shared broker: the tests run one at a time, and each leaves it running.
 */
class FaultToleranceIT {
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void start() {
        broker = SharedKafkaBroker.get();
    }

    @AfterEach
    void brokerIsBackForTheNextTest() {
        broker.start();
    }

    @Test
    void whenTheDeadLetterTopicIsUnreachableTooEachEventSaysBothCausesAndIsCountedInDlqFailures() throws Exception {
        String prefix = Topics.unique("dlqdown");
        broker.createTopic(prefix + ".orders", 1);
        broker.createTopic(prefix + ".orders.dlq", 1);
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, ModelKafkaEventConfig.builder()
                .bootstrapServers(broker.bootstrapServers()).topicPrefix(prefix).maxRetries(0)
                .circuitBreakerThreshold(10_000)
                .producerProperty("delivery.timeout.ms", "1500").producerProperty("request.timeout.ms", "1000")
                .producerProperty("reconnect.backoff.max.ms", "200").build());
        node.initialize();
        try {
            assertThat(node.executeEffect(event("orders", 0)).get(30, TimeUnit.SECONDS).success()).isTrue();
            broker.stop();

            List<CompletableFuture<ModelKafkaEventOutput>> results = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                results.add(node.executeEffect(event("orders", i)));
            }
            CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

            String dlq = prefix + ".orders.dlq";
            for (int i = 0; i < results.size(); i++) {
                ModelKafkaEventOutput out = results.get(i).join();
                assertThat(out.success()).isFalse();
                assertThat(out.deadLettered()).isFalse();
                assertThat(out.dlqTopic()).isNull();
                // "<the topic's cause>; dead-letter publish to <dlq> also failed: <the dead letter's cause>"
                assertThat(out.error()).as(out.error())
                        .containsPattern("^TimeoutException: .+; dead-letter publish to " + dlq.replace(".", "\\.")
                                + " also failed: [A-Za-z]+Exception: .+");
                assertThat(json(out.envelope().getBytes())).containsEntry("event_id", out.eventId().toString())
                        .containsEntry("payload", Map.of("seq", i + 1));
            }
            assertThat(node.getMetrics()).containsEntry("dlq_failures", 20L).containsEntry("events_failed", 20L)
                    .containsEntry("events_sent_to_dlq", 0L);
            System.out.println("DLQ unreachable, first error: " + results.get(0).join().error());
        } finally {
            node.shutdown();
        }
    }

    @Test
    void shutdownUnderLoadDeliversOrFailsEveryEventInFlightWithinItsBoundAndNeverThrows() throws Exception {
        String prefix = Topics.unique("shutdown");
        broker.createTopic(prefix + ".load", 3);
        // the default bound: 10 s
        ModelKafkaEventConfig config = ModelKafkaEventConfig.builder().bootstrapServers(broker.bootstrapServers())
                .topicPrefix(prefix).build();
        assertThat(config.shutdownTimeoutMs()).isEqualTo(10_000);
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, config);
        node.initialize();
        assertThat(node.executeEffect(event("load", 0)).get(30, TimeUnit.SECONDS).success()).isTrue();

        int threads = 4;
        ConcurrentLinkedQueue<CompletableFuture<ModelKafkaEventOutput>> results = new ConcurrentLinkedQueue<>();
        AtomicInteger refusedAfterShutdown = new AtomicInteger();
        AtomicReference<Throwable> unexpected = new AtomicReference<>();
        AtomicInteger seq = new AtomicInteger(1);
        CountDownLatch loaded = new CountDownLatch(threads);
        List<Thread> publishers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread p = new Thread(() -> {
                int mine = 0;
                while (true) {
                    try {
                        results.add(node.executeEffect(event("load", seq.getAndIncrement())));
                    } catch (IllegalStateException e) {
                        // after shutdown: refused at the call, "Kafka producer not initialized: the node was shut down"
                        assertThat(e).hasMessageContaining("Kafka producer not initialized");
                        refusedAfterShutdown.incrementAndGet();
                        return;
                    } catch (Throwable e) {
                        unexpected.set(e);
                        return;
                    }
                    if (++mine == 5_000) {
                        loaded.countDown();
                    }
                }
            }, "publisher-" + t);
            p.start();
            publishers.add(p);
        }
        assertThat(loaded.await(60, TimeUnit.SECONDS)).isTrue();

        long t0 = System.nanoTime();
        node.shutdown(); // while the publishers keep going
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        for (Thread p : publishers) {
            p.join(10_000);
        }

        assertThat(unexpected.get()).isNull();
        assertThat(took).as("shutdown within its bound").isLessThan(Duration.ofMillis(10_000 + 1_000));
        List<CompletableFuture<ModelKafkaEventOutput>> all = new ArrayList<>(results);
        int acknowledged = 0;
        int failed = 0;
        Map<String, ModelKafkaEventOutput> acked = new HashMap<>();
        for (CompletableFuture<ModelKafkaEventOutput> f : all) {
            assertThat(f).as("every event handed in has ended when shutdown returns").isDone();
            ModelKafkaEventOutput out = f.join();
            if (out.success()) {
                acknowledged++;
                acked.put(out.eventId().toString(), out);
            } else {
                failed++;
                assertThat(out.envelope()).contains(out.eventId().toString());
            }
        }
        List<ConsumerRecord<byte[], byte[]>> stored = Consumers.readAll(broker.bootstrapServers(), prefix + ".load",
                acknowledged + 1, Duration.ofSeconds(60));
        Map<String, Integer> copies = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : stored) {
            copies.merge((String) json(r.value()).get("event_id"), 1, Integer::sum);
        }
        assertThat(acked.keySet()).allSatisfy(id -> assertThat(copies.get(id)).as("acknowledged %s stored once", id)
                .isEqualTo(1));
        assertThat(refusedAfterShutdown.get()).isEqualTo(threads);
        System.out.printf("shutdown under load: %d events in flight or done, %d acknowledged, %d failed with their"
                + " envelope, shutdown took %d ms (bound 10000 ms), %d calls refused after it%n", all.size(),
                acknowledged, failed, took.toMillis(), refusedAfterShutdown.get());
    }

    static ModelKafkaEventInput event(String topic, int seq) {
        return ModelKafkaEventInput.builder().topic(topic).eventType("E").payload("seq", seq).build();
    }
}
