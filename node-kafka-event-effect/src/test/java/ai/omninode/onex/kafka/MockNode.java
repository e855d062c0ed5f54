package ai.omninode.onex.kafka;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** A node on kafka-clients' MockProducer, with a manual scheduler and a fixed clock. */
final class MockNode implements AutoCloseable {
    static final Instant NOW = Instant.parse("2025-12-01T16:00:00.123456Z");

    final MockProducer<byte[], byte[]> producer;
    final ManualScheduler scheduler = new ManualScheduler();
    final NodeKafkaEventEffect node;
    volatile Map<String, Object> producerProperties;

    MockNode(ModelKafkaEventConfig config, boolean autoComplete) {
        this.producer = new MockProducer<>(autoComplete, null, new ByteArraySerializer(), new ByteArraySerializer());
        this.node = new NodeKafkaEventEffect(null, config, props -> {
            producerProperties = props;
            return producer;
        }, scheduler, Clock.fixed(NOW, ZoneOffset.UTC));
        node.initialize();
    }

    static ModelKafkaEventConfig.Builder config() {
        return ModelKafkaEventConfig.builder().bootstrapServers("mock:9092").topicPrefix("test")
                .retryBackoffMs(100).maxRetries(3);
    }

    /** Acknowledges the oldest pending send, then runs what that scheduled (the end of a dead letter). */
    boolean ack() {
        boolean acked = producer.completeNext();
        scheduler.runAll();
        return acked;
    }

    Map<String, Object> metrics() {
        return node.getMetrics();
    }

    @Override
    public void close() {
        node.shutdown();
    }
}
