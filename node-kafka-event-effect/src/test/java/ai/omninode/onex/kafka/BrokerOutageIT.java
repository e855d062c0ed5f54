package ai.omninode.onex.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The broker goes away and comes back: retries that outlast the outage, the circuit breaker, a caller that is never
 * held up, and shutdown while nothing can be delivered. On the JVM's shared broker: the tests run one at a time, and
 * each leaves it running.
 */
class BrokerOutageIT {
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void start() {
        broker = SharedKafkaBroker.get();
    }

    @AfterEach
    void brokerIsBackForTheNextTest() {
        broker.start();
    }

    /** One attempt gives up after 1.5 s; Kafka's own retries happen inside it. */
    static ModelKafkaEventConfig.Builder config(String prefix) {
        return ModelKafkaEventConfig.builder().bootstrapServers(broker.bootstrapServers()).topicPrefix(prefix)
                .producerProperty("delivery.timeout.ms", "1500").producerProperty("request.timeout.ms", "1000")
                .producerProperty("reconnect.backoff.max.ms", "200");
    }

    static ModelKafkaEventInput event(String topic) {
        return ModelKafkaEventInput.builder().topic(topic).eventType("E").payload("n", 1).build();
    }

    /** A real producer whose sends are counted, to show that an open breaker keeps off the network. */
    static ProducerFactory counting(AtomicInteger sends) {
        return props -> ProducerSpy.onSend(new KafkaProducer<>(props), args -> sends.incrementAndGet());
    }

    @Test
    void aPublishAcrossABrokerRestartSucceedsAndIsStoredOnce() throws Exception {
        String prefix = Topics.unique("out");
        // the outage is shorter than one attempt: Kafka's own retries carry the event over it
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, config(prefix).maxRetries(8).retryBackoffMs(250)
                .producerProperty("delivery.timeout.ms", "30000").build());
        node.initialize();
        try {
            assertThat(node.executeEffect(event("orders")).get(30, TimeUnit.SECONDS).success()).isTrue();
            broker.stop();

            CompletableFuture<ModelKafkaEventOutput> during = node.executeEffect(event("orders"));
            // it stays pending for the whole outage: neither delivered nor given up
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> !during.isDone());
            broker.start();

            ModelKafkaEventOutput out = during.get(30, TimeUnit.SECONDS);
            assertThat(out.success()).as(out.error()).isTrue();
            List<ConsumerRecord<byte[], byte[]>> records = Consumers.readAll(broker.bootstrapServers(), out.topic(), 2,
                    Duration.ofSeconds(30));
            assertThat(records.stream().filter(r -> new String(r.value()).contains(out.eventId().toString()))).hasSize(1);
        } finally {
            node.shutdown();
        }
    }

    @Test
    void aPublishRefusedWhileTheBrokerIsDownIsRetriedWithBackoffAndSucceedsAfterTheRestart() throws Exception {
        String prefix = Topics.unique("retry");
        // A topic the producer has no metadata for: while the broker is down every attempt fails before the
        // record leaves the node (the topic never becomes ready), so the node retries it itself; once the broker
        // is back, a retry gets through. The attempt bound is 1.5 s, the backoff 250 ms doubling: 8 retries span
        // about a minute, far more than the outage below.
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, config(prefix).maxRetries(8).retryBackoffMs(250)
                .build());
        node.initialize();
        try {
            broker.stop();
            CompletableFuture<ModelKafkaEventOutput> during = node.executeEffect(event("new.topic.v1"));

            await().atMost(Duration.ofSeconds(20))
                    .until(() -> ((Number) node.getMetrics().get("retries_attempted")).longValue() >= 1);
            assertThat(during).as("still retrying").isNotDone();
            broker.start();

            ModelKafkaEventOutput out = during.get(60, TimeUnit.SECONDS);
            assertThat(out.success()).as(out.error()).isTrue();
            assertThat(out.retries()).isPositive();
            assertThat(((Number) node.getMetrics().get("retries_attempted")).longValue()).isPositive();
            List<ConsumerRecord<byte[], byte[]>> records = Consumers.readAll(broker.bootstrapServers(), out.topic(), 1,
                    Duration.ofSeconds(30));
            assertThat(records).as("stored exactly once").hasSize(1);
            assertThat(new String(records.get(0).value())).contains(out.eventId().toString());
            assertThat(records.get(0).offset()).isEqualTo(out.offset());
        } finally {
            node.shutdown();
        }
    }

    @Test
    void theBreakerOpensWhileTheBrokerIsDownFailsFastThenHalfOpensAndClosesAfterARestart() throws Exception {
        String prefix = Topics.unique("out");
        broker.createTopic(prefix + ".payments", 1);
        AtomicInteger sends = new AtomicInteger();
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, config(prefix).circuitBreakerThreshold(3)
                .circuitBreakerTimeoutS(1).maxRetries(0).enableDlq(false).build(), counting(sends));
        node.initialize();
        try {
            assertThat(node.executeEffect(event("payments")).get(30, TimeUnit.SECONDS).success()).isTrue();
            broker.stop();

            for (int i = 0; i < 3; i++) {
                assertThat(node.getMetrics()).containsEntry("circuit_breaker_status", "closed");
                ModelKafkaEventOutput failed = node.executeEffect(event("payments")).get(30, TimeUnit.SECONDS);
                assertThat(failed.success()).isFalse();
                assertThat(failed.error()).contains("TimeoutException");
            }
            assertThat(node.getMetrics()).containsEntry("circuit_breaker_status", "open")
                    .containsEntry("circuit_breaker_opens", 1L).containsEntry("current_failures", 3L);

            int sendsBefore = sends.get();
            long t0 = System.nanoTime();
            CompletableFuture<ModelKafkaEventOutput> refused = node.executeEffect(event("payments"));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(100));
            assertThat(refused).isCompletedExceptionally();
            assertThat(refused).failsWithin(Duration.ZERO).withThrowableThat().withMessageContaining("Circuit breaker is open");
            assertThat(sends.get()).as("no send while open").isEqualTo(sendsBefore);

            broker.start();
            List<String> seen = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                String status = (String) node.getMetrics().get("circuit_breaker_status");
                if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(status)) {
                    seen.add(status);
                }
                if (!status.equals("half_open")) {
                    return false;
                }
                // the trial call: right after a restart the producer may still be reconnecting; then it opens again
                return node.executeEffect(event("payments")).get(30, TimeUnit.SECONDS).success();
            });
            assertThat(seen).contains("half_open");
            assertThat(node.getMetrics()).containsEntry("circuit_breaker_status", "closed").containsEntry("current_failures", 0L);
        } finally {
            node.shutdown();
        }
    }

    @Test
    void theCallerIsNeverHeldLongerThanMaxBlockMsWhileTheBrokerIsDown() throws Exception {
        String prefix = Topics.unique("out");
        broker.createTopic(prefix + ".known", 1);
        // BROKER topic creation: without a broker, Kafka 4 clients drop their metadata (rebootstrap), and a send would
        // wait max.block.ms for it; a small buffer, which a send would wait on when full
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, config(prefix).maxBlockMs(100).maxRetries(0)
                .enableDlq(false).circuitBreakerThreshold(10_000).producerProperty("buffer.memory", "65536")
                .topicCreation(ModelKafkaEventConfig.TopicCreation.BROKER).build());
        node.initialize();
        try {
            assertThat(node.executeEffect(event("known")).get(30, TimeUnit.SECONDS).success()).isTrue();
            broker.stop();

            long worst = 0;
            int slow = 0;
            List<CompletableFuture<ModelKafkaEventOutput>> results = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                long t0 = System.nanoTime();
                results.add(node.executeEffect(ModelKafkaEventInput.builder().topic(i % 10 == 0 ? "unknown-" + i : "known")
                        .eventType("E").payload("blob", "z".repeat(4000)).build()));
                long took = System.nanoTime() - t0;
                worst = Math.max(worst, took);
                slow += took > 50_000_000 ? 1 : 0;
            }

            System.out.printf("broker down: slowest of 60 executeEffect calls took %.1f ms (max.block.ms 100), %d took over 50 ms%n",
                    worst / 1e6, slow);
            assertThat(Duration.ofNanos(worst)).isLessThan(Duration.ofMillis(100 + 400));
            // once a send found the metadata gone, the topic's gate fetches it off the callers' threads
            assertThat(slow).isLessThanOrEqualTo(3);
            CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertThat(results).allSatisfy(f -> {
                ModelKafkaEventOutput out = f.join();
                assertThat(out.success()).isFalse();
                assertThat(out.envelope()).contains(out.eventId().toString());
            });
        } finally {
            node.shutdown();
        }
    }

    @Test
    void aNewNodeCreatingTopicsDoesNotHoldItsCallerWhileTheBrokerIsDown() throws Exception {
        broker.stop();
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, config(Topics.unique("out")).maxRetries(0).enableDlq(false).build());
        node.initialize();
        try {
            long t0 = System.nanoTime();
            CompletableFuture<ModelKafkaEventOutput> result = node.executeEffect(event("never"));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(100));

            ModelKafkaEventOutput out = result.get(30, TimeUnit.SECONDS);
            assertThat(out.success()).isFalse();
            assertThat(out.errorType()).isEqualTo(ModelKafkaEventOutput.RETRIES_EXHAUSTED);
        } finally {
            node.shutdown();
        }
    }

    @Test
    void shutdownWhileTheBrokerIsDownEndsEveryEventWithinItsBound() throws Exception {
        String prefix = Topics.unique("out");
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, config(prefix).shutdownTimeoutMs(1000)
                .producerProperty("delivery.timeout.ms", "60000").build());
        node.initialize();
        assertThat(node.executeEffect(event("late")).get(30, TimeUnit.SECONDS).success()).isTrue();
        broker.stop();
        List<CompletableFuture<ModelKafkaEventOutput>> pending = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            pending.add(node.executeEffect(event("late")));
        }

        long t0 = System.nanoTime();
        node.shutdown();
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertThat(took).isLessThan(Duration.ofMillis(1000 + 1500));
        assertThat(pending).allSatisfy(f -> {
            assertThat(f).isDone();
            ModelKafkaEventOutput out = f.join();
            assertThat(out.success()).isFalse();
            // held by the producer (it cannot say whether a broker got them), or waiting for a retry (never left)
            assertThat(out.errorType()).isIn(ModelKafkaEventOutput.OUTCOME_UNKNOWN, ModelKafkaEventOutput.SHUTDOWN);
            assertThat(out.retriable()).isEqualTo(ModelKafkaEventOutput.SHUTDOWN.equals(out.errorType()));
            assertThat(out.envelope()).contains(out.eventId().toString());
        });
        assertThat(node.getMetrics()).containsEntry("events_failed", 50L);
    }

    @Test
    void shutdownDeliversWhatIsInFlightWhenTheBrokerIsUp() throws Exception {
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, config(Topics.unique("out")).build());
        node.initialize();
        assertThat(node.executeEffect(event("flush")).get(30, TimeUnit.SECONDS).success()).isTrue();
        List<CompletableFuture<ModelKafkaEventOutput>> pending = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            pending.add(node.executeEffect(event("flush")));
        }

        node.shutdown();

        assertThat(pending).allSatisfy(f -> assertThat(f.join().success()).isTrue());
        assertThat(node.getMetrics()).containsEntry("events_published", 501L);
    }
}
