package ai.omninode.onex.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaBrokerTest {

    @Test
    void producedRecordIsConsumedWithItsKeyValueAndOffset() throws Exception {
        EmbeddedKafkaBroker broker = SharedKafkaBroker.get();
        String topic = "roundtrip-" + UUID.randomUUID();
        broker.createTopic(topic, 3);

        RecordMetadata sent;
        try (KafkaProducer<String, String> producer = producer(broker)) {
            sent = producer.send(new ProducerRecord<>(topic, "key-1", "value-1")).get();
        }
        List<ConsumerRecord<String, String>> records = consumeAll(broker, topic, 1);

        assertThat(records).hasSize(1);
        ConsumerRecord<String, String> record = records.get(0);
        assertThat(record.key()).isEqualTo("key-1");
        assertThat(record.value()).isEqualTo("value-1");
        assertThat(record.partition()).isEqualTo(sent.partition());
        assertThat(record.offset()).isEqualTo(sent.offset());
    }

    @Test
    void restartedBrokerKeepsEarlierRecordsAndAcceptsNewOnesOnTheSamePort() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startDefault()) {
            String topic = "restart-" + UUID.randomUUID();
            broker.createTopic(topic, 1);
            String before = broker.bootstrapServers();
            try (KafkaProducer<String, String> producer = producer(broker)) {
                producer.send(new ProducerRecord<>(topic, "k", "before restart")).get();
            }

            broker.restart();

            assertThat(broker.isRunning()).isTrue();
            assertThat(broker.bootstrapServers()).isEqualTo(before);
            try (KafkaProducer<String, String> producer = producer(broker)) {
                producer.send(new ProducerRecord<>(topic, "k", "after restart")).get();
            }
            List<ConsumerRecord<String, String>> records = consumeAll(broker, topic, 2);
            assertThat(records).extracting(ConsumerRecord::value).containsExactly("before restart", "after restart");
            assertThat(records).extracting(ConsumerRecord::offset).containsExactly(0L, 1L);
        }
    }

    @Test
    void aSecondBrokerOnAFolderABrokerRunsOnIsRefusedBeforeItTouchesItAndTheFirstServesOn() throws Exception {
        EmbeddedKafkaBroker running = SharedKafkaBroker.get();
        EmbeddedKafkaBroker second = EmbeddedKafkaBroker.builder().dataDir(running.dataDir()).build();

        assertThatThrownBy(second::start).isInstanceOf(EmbeddedKafkaBroker.FolderInUseException.class)
                .hasMessage("data folder " + running.dataDir() + " is in use by another running broker; stop it, or"
                        + " give this one another folder");
        assertThat(second.isRunning()).isFalse();

        String topic = "after-refusal-" + System.nanoTime();
        running.createTopic(topic, 1);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, running.bootstrapServers()), new StringSerializer(),
                new StringSerializer())) {
            assertThat(producer.send(new ProducerRecord<>(topic, "k", "v")).get().offset()).isZero();
        }
    }

    @Test
    void closeDeletesTheTemporaryDataFolder() {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startDefault();
        assertThat(broker.dataDir()).isDirectory();
        broker.close();
        assertThat(broker.isRunning()).isFalse();
        assertThat(broker.dataDir()).doesNotExist();
    }

    static KafkaProducer<String, String> producer(EmbeddedKafkaBroker broker) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000),
                new StringSerializer(), new StringSerializer());
    }

    static List<ConsumerRecord<String, String>> consumeAll(EmbeddedKafkaBroker broker, String topic, int expected) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            // one more short poll: nothing beyond what was expected may be there
            consumer.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        out.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
        return out;
    }

    static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
