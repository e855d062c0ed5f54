package ai.omninode.onex.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.errors.NetworkException;
import org.junit.jupiter.api.Test;

/**
 * The node's meters in a host's registry, against the real broker: successes, a retry, dead letters and the breaker
 * opening, and the Kafka producer's own metrics next to them.
 */
class MetersIT {

    private static double count(MeterRegistry r, String name, String... tags) {
        return r.get(name).tags(tags).functionCounter().count();
    }

    @Test
    void aBoundRegistrySeesEventsByOutcomeLatencyRetriesTheBreakerAndTheProducer() throws Exception {
        EmbeddedKafkaBroker broker = SharedKafkaBroker.get();
        String prefix = Topics.unique("meters");
        broker.createTopic(prefix + ".ok", 1);
        broker.createTopic(prefix + ".ok.dlq", 1);
        broker.createTopic(prefix + ".small", 1, Map.of("max.message.bytes", "1024"));
        broker.createTopic(prefix + ".small.dlq", 1);
        AtomicBoolean refuseNextSend = new AtomicBoolean();
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, ModelKafkaEventConfig.builder()
                .bootstrapServers(broker.bootstrapServers()).topicPrefix(prefix).retryBackoffMs(10)
                .circuitBreakerThreshold(2).circuitBreakerTimeoutS(600).build(),
                props -> ProducerSpy.onSend(new KafkaProducer<>(props), args -> {
                    if (refuseNextSend.getAndSet(false)) { // refused in send itself: it never left the node
                        throw new NetworkException("refused once by the test");
                    }
                }));
        MeterRegistry registry = new SimpleMeterRegistry();
        node.bindTo(registry); // before initialize: the producer's and breaker's meters follow when it starts
        node.initialize();
        try {
            for (int i = 0; i < 3; i++) {
                assertThat(node.executeEffect(event("ok", "x")).get(30, TimeUnit.SECONDS).success()).isTrue();
            }
            refuseNextSend.set(true);
            ModelKafkaEventOutput retried = node.executeEffect(event("ok", "x")).get(30, TimeUnit.SECONDS);
            assertThat(retried.success()).isTrue();
            assertThat(retried.retries()).isEqualTo(1);
            String big = KafkaEventEffectIT.incompressible(4000); // compression must not make it fit
            for (int i = 0; i < 2; i++) { // Kafka refuses each for good: dead letters, and two breaker failures
                assertThat(node.executeEffect(event("small", big)).get(30, TimeUnit.SECONDS).deadLettered()).isTrue();
            }
            CompletionException refused = org.assertj.core.api.Assertions.catchThrowableOfType(CompletionException.class,
                    () -> node.executeEffect(event("ok", "x")).join());
            assertThat(refused).hasMessageContaining("Circuit breaker is open");

            String ok = prefix + ".ok";
            String small = prefix + ".small";
            assertThat(count(registry, "onex.kafka.events", "topic", ok, "outcome", "published", "error.type", "none"))
                    .isEqualTo(4);
            assertThat(count(registry, "onex.kafka.events", "topic", small, "outcome", "dead_lettered",
                    "error.type", "non_retriable")).isEqualTo(2);
            assertThat(count(registry, "onex.kafka.retries", "topic", ok)).isEqualTo(1);
            assertThat(count(registry, "onex.kafka.retries", "topic", small)).isZero();
            assertThat(count(registry, "onex.kafka.circuit.breaker.opens")).isEqualTo(1);
            assertThat(count(registry, "onex.kafka.circuit.breaker.rejections")).isEqualTo(1);
            Timer latency = registry.get("onex.kafka.publish").tags("node", "kafka_event_effect").timer();
            assertThat(latency.count()).isEqualTo(4);
            assertThat(latency.takeSnapshot().percentileValues()).extracting(v -> v.percentile())
                    .containsExactly(0.5, 0.95, 0.99);
            assertThat(registry.get("resilience4j.circuitbreaker.state").tags("name", "kafka_event_effect", "state", "open")
                    .gauge().value()).isEqualTo(1.0);
            assertThat(registry.get("resilience4j.circuitbreaker.state").tags("name", "kafka_event_effect",
                    "state", "closed").gauge().value()).isZero();
            assertThat(registry.getMeters()).extracting(m -> m.getId().getName())
                    .as("the Kafka producer's own metrics").anyMatch(n -> n.startsWith("kafka.producer."));
            Meter sent = registry.find("kafka.producer.record.send.total").meter();
            assertThat(sent).as("kafka.producer.record.send.total").isNotNull();

            Map<String, Object> metrics = node.getMetrics();
            assertThat(metrics).as("getMetrics reads the same counts").containsEntry("events_published", 4L)
                    .containsEntry("events_failed", 2L).containsEntry("events_sent_to_dlq", 2L)
                    .containsEntry("retries_attempted", 1L).containsEntry("circuit_breaker_opens", 1L)
                    .containsEntry("circuit_breaker_rejections", 1L).containsEntry("circuit_breaker_status", "open");
            assertThat((Double) metrics.get("p99_publish_time_ms")).isPositive();
        } finally {
            node.shutdown();
        }
        assertThat(registry.find("kafka.producer.record.send.total").meter())
                .as("a closed producer's metrics leave the registry").isNull();
    }

    private static ModelKafkaEventInput event(String topic, String text) {
        return ModelKafkaEventInput.builder().topic(topic).eventType("METERED").payload("text", text).build();
    }
}
