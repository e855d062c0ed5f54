package ai.omninode.onex.kafka;

import ai.omninode.onex.kafka.internal.KafkaClients;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.Producer;

/**
 * Creates the Kafka producer of a {@link NodeKafkaEventEffect}: the seam through which tests and hosts supply their
 * own (for example kafka-clients' {@code MockProducer}).
 *
 * <p>{@code kafkaProperties} is {@link ModelKafkaEventConfig#kafkaProperties()} plus a per-node {@code client.id}
 * (unless the config sets one):
 * bootstrap servers, acks, idempotence, {@code max.block.ms}, byte-array serializers (as classes) and every
 * pass-through property, security settings included.
 *
 * <p>Creating missing topics needs an {@link Admin} client too. {@link #kafka()} supplies one; a factory written as
 * a lambda does not, and the node then leaves topic creation to the broker (see {@link #createAdmin}).
 */
@FunctionalInterface
public interface ProducerFactory {

    Producer<byte[], byte[]> create(Map<String, Object> kafkaProperties);

    /**
     * An admin client for creating topics and waiting until they serve, or {@code null} (the default) to rely on the
     * broker's auto-creation. Only asked when the config's topic creation is
     * {@link ModelKafkaEventConfig.TopicCreation#ADMIN}.
     */
    default Admin createAdmin(Map<String, Object> adminProperties) {
        return null;
    }

    /** The default: a real {@code KafkaProducer}, and a real {@code Admin} client for topic creation. */
    static ProducerFactory kafka() {
        return KafkaClients.INSTANCE;
    }
}
