package ai.omninode.onex.kafka;

import static ai.omninode.onex.kafka.NodeKafkaEventEffectTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.FaultyProxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The broker stores a record but its acknowledgement is lost (a proxy drops the broker's responses): the producer
 * reports a delivery timeout for a record that is in the topic. Sending it again would store it twice, and a second
 * attempt that succeeds would report an acknowledged event that is in the topic twice. The node must not do that.
 */
class UnknownOutcomeIT {
    private static FaultyProxy proxy;
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void start() {
        proxy = FaultyProxy.start();
        broker = proxy.startBroker();
    }

    @AfterAll
    static void stop() {
        broker.close();
        proxy.close();
    }

    /** A real producer; the first failure it reports turns the proxy back to forwarding, before the node hears of it. */
    static ProducerFactory healingOnFirstFailure(AtomicInteger sends) {
        return props -> {
            KafkaProducer<byte[], byte[]> real = new KafkaProducer<>(props);
            return ProducerSpy.onSend(real, args -> {
                if (args.length == 2) {
                    sends.incrementAndGet();
                    Callback callback = (Callback) args[1];
                    args[1] = (Callback) (metadata, error) -> {
                        if (error != null) {
                            proxy.dropResponses(false);
                        }
                        callback.onCompletion(metadata, error);
                    };
                }
            });
        };
    }

    @Test
    void aRecordWhoseAcknowledgementWasLostIsNotSentAgainSoItIsNeverStoredTwice() throws Exception {
        String prefix = Topics.unique("unknown");
        broker.createTopic(prefix + ".orders", 1);
        broker.createTopic(prefix + ".orders.dlq", 1);
        AtomicInteger sends = new AtomicInteger();
        // one attempt: 1 s per request (the producer sends it again itself, which the broker de-duplicates), 3 s
        // in all; the node may retry 3 times
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, ModelKafkaEventConfig.builder()
                .bootstrapServers(proxy.address()).topicPrefix(prefix).maxRetries(3).retryBackoffMs(50)
                .producerProperty("request.timeout.ms", "1000").producerProperty("delivery.timeout.ms", "3000")
                .build(), healingOnFirstFailure(sends));
        node.initialize();
        try {
            assertThat(node.executeEffect(event()).get(30, TimeUnit.SECONDS).success()).isTrue();

            proxy.dropResponses(true);
            ModelKafkaEventOutput out = node.executeEffect(event()).get(30, TimeUnit.SECONDS);

            assertThat(proxy.droppedBytes()).as("the broker did answer; the answer was lost").isPositive();
            List<ConsumerRecord<byte[], byte[]>> stored = Consumers.readAll(broker.bootstrapServers(), prefix + ".orders",
                    2, Duration.ofSeconds(10)); // the first event and this one; a copy would show in one more poll
            long copies = stored.stream().filter(r -> out.eventId().toString().equals(json(r.value()).get("event_id")))
                    .count();
            System.out.printf("lost acknowledgement: success=%s, retries=%d, dead-lettered=%s, copies in the topic=%d,"
                    + " error: %s%n", out.success(), out.retries(), out.deadLettered(), copies, out.error());
            assertThat(copies).as("the broker stored the first attempt although the producer reported a timeout")
                    .isEqualTo(1);
            assertThat(out.success()).as("not acknowledged: %s", out.error()).isFalse();
            assertThat(out.retries()).as("not sent again").isZero();
            assertThat(out.errorType()).isEqualTo(ModelKafkaEventOutput.OUTCOME_UNKNOWN);
            assertThat(out.retriable()).as("sending again could store it twice").isFalse();
            assertThat(out.error()).contains("TimeoutException").contains("may have stored it");
            assertThat(node.getMetrics()).containsEntry("retries_attempted", 0L);
            assertThat(sends.get()).as("the first event, this one, and its dead letter").isEqualTo(3);
            // the event is not lost either way: in the dead-letter topic, or (when the connection is still recovering
            // and the dead letter fails too) back with its envelope and both causes
            List<ConsumerRecord<byte[], byte[]>> dead = Consumers.readAll(broker.bootstrapServers(), prefix + ".orders.dlq",
                    out.deadLettered() ? 1 : 0, Duration.ofSeconds(10));
            if (out.deadLettered()) {
                assertThat(dead).hasSize(1);
                assertThat(new String(dead.get(0).value())).contains(out.eventId().toString());
            } else {
                assertThat(out.error()).contains("dead-letter publish to " + prefix + ".orders.dlq also failed");
                assertThat(out.envelope()).contains(out.eventId().toString());
                assertThat(dead).isEmpty();
            }
        } finally {
            proxy.dropResponses(false);
            node.shutdown();
        }
    }

    @Test
    void shutdownWhileTheBrokerNoLongerAnswersFailsEveryEventInFlightWithinItsBound() throws Exception {
        String prefix = Topics.unique("unanswered");
        broker.createTopic(prefix + ".orders", 1);
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, ModelKafkaEventConfig.builder()
                .bootstrapServers(proxy.address()).topicPrefix(prefix).shutdownTimeoutMs(2000).build());
        node.initialize();
        try {
            assertThat(node.executeEffect(event()).get(30, TimeUnit.SECONDS).success()).isTrue();
            proxy.dropResponses(true);
            List<java.util.concurrent.CompletableFuture<ModelKafkaEventOutput>> pending = new java.util.ArrayList<>();
            for (int i = 0; i < 500; i++) {
                pending.add(node.executeEffect(event()));
            }
            // on the wire, unanswered: the proxy has swallowed the broker's answers to them
            await().atMost(Duration.ofSeconds(10)).until(() -> proxy.droppedBytes() > 0);

            long t0 = System.nanoTime();
            node.shutdown();
            Duration took = Duration.ofNanos(System.nanoTime() - t0);

            System.out.printf("shutdown with 500 unanswered events: %d ms (bound 2000 ms)%n", took.toMillis());
            assertThat(took).isBetween(Duration.ofMillis(1500), Duration.ofMillis(2000 + 1500));
            assertThat(pending).allSatisfy(f -> {
                assertThat(f).isDone();
                ModelKafkaEventOutput out = f.join();
                assertThat(out.success()).isFalse();
                // the broker stored them and only the answers were lost: not safe to send again
                assertThat(out.errorType()).isEqualTo(ModelKafkaEventOutput.OUTCOME_UNKNOWN);
                assertThat(out.retriable()).isFalse();
                assertThat(out.envelope()).contains(out.eventId().toString());
            });
            assertThat(node.getMetrics()).containsEntry("events_failed", 500L);
        } finally {
            proxy.dropResponses(false);
            node.shutdown();
        }
    }

    private static ModelKafkaEventInput event() {
        return ModelKafkaEventInput.builder().topic("orders").eventType("ORDER_PLACED").payload("n", 1).build();
    }
}
