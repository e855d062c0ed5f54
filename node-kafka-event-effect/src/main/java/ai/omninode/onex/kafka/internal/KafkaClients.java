package ai.omninode.onex.kafka.internal;

import ai.omninode.onex.kafka.ProducerFactory;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;

/** The default {@link ProducerFactory}: kafka-clients' own producer and admin client. */
public enum KafkaClients implements ProducerFactory {
    INSTANCE;

    @Override
    public Producer<byte[], byte[]> create(Map<String, Object> kafkaProperties) {
        return new KafkaProducer<>(kafkaProperties);
    }

    @Override
    public Admin createAdmin(Map<String, Object> adminProperties) {
        return Admin.create(adminProperties);
    }

    @Override
    public String toString() {
        return "KafkaClients";
    }
}
