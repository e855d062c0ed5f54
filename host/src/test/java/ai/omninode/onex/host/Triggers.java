package ai.omninode.onex.host;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Test helpers for the document-ingestion workflow served by a host: sends triggers (ONEX envelopes, keyed by
 * document id), reads back the DOCUMENT_INGESTED events, and reads a group's committed offsets. Shared with the
 * CLI's process tests (test-jar).
 */
public final class Triggers {
    public static final String REQUEST_TOPIC = "documents.ingest.requested.v1";
    public static final String COMPLETED_TOPIC = "enrichment.completed.v1";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Triggers() {
    }

    /** A fresh prefix, so that each test has topics and a group of its own on the shared broker. */
    public static String prefix(String test) {
        return "t" + UUID.randomUUID().toString().substring(0, 8) + "." + test;
    }

    public static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p);
    }

    /** The envelope the Kafka node writes, with a document as its payload. */
    public static byte[] envelope(String documentId) {
        String payload = "{\"document_id\":\"" + documentId + "\",\"content\":\"Ada Lovelace worked with Charles Babbage"
                + " in London in 1843.\",\"metadata\":{\"language\":\"en\",\"title\":\"t\"}}";
        return ("{\"event_id\":\"" + UUID.randomUUID() + "\",\"event_type\":\"DOCUMENT_INGEST_REQUESTED\","
                + "\"correlation_id\":\"" + UUID.randomUUID() + "\",\"timestamp\":1764604800.0,\"version\":\"1.0.0\","
                + "\"source\":{\"service\":\"test\",\"node_type\":\"kafka_event_effect\",\"node_id\":\"n\"},"
                + "\"payload\":" + payload + "}").getBytes(StandardCharsets.UTF_8);
    }

    /** Sends {@code from..to-1} as documents {@code doc-<i>}, keyed by document id; waits for every acknowledgement. */
    public static void send(KafkaProducer<byte[], byte[]> producer, String topic, int from, int to) {
        List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String id = "doc-" + i;
            acks.add(producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), envelope(id))));
        }
        for (var f : acks) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("trigger not sent: " + e.getCause(), e.getCause());
            }
        }
    }

    /** Reads a topic from the start; keep calling {@link #poll()} until it has what the test waits for. */
    public static final class Reader implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        /** document id -> the event ids of its DOCUMENT_INGESTED copies, in order read. */
        public final Map<String, List<String>> eventIds = new TreeMap<>();
        public final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        public int copies;

        public Reader(String bootstrap, String topic) {
            Map<String, Object> p = new HashMap<>();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            this.consumer = new KafkaConsumer<>(p);
            List<TopicPartition> parts = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(30)).forEach(i -> parts.add(new TopicPartition(topic,
                    i.partition())));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
        }

        /** Reads what is there now; returns the number of documents with at least one event. */
        public int poll() {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                records.add(r);
                JsonNode e;
                try {
                    e = r.value() == null ? null : JSON.readTree(r.value());
                } catch (tools.jackson.core.JacksonException notAnEvent) {
                    continue; // a dead-letter topic holds anything
                }
                if (e != null && e.path("event_type").asString("").equals("DOCUMENT_INGESTED")) {
                    copies++;
                    eventIds.computeIfAbsent(e.at("/payload/document_id").asString(), k -> new ArrayList<>())
                            .add(e.get("event_id").asString());
                }
            }
            return eventIds.size();
        }

        /** Documents whose copies do not all share one event id. */
        public Map<String, List<String>> inconsistent() {
            Map<String, List<String>> bad = new LinkedHashMap<>();
            eventIds.forEach((doc, ids) -> {
                if (new TreeSet<>(ids).size() != 1) {
                    bad.put(doc, ids);
                }
            });
            return bad;
        }

        public long distinctEventIds() {
            Set<String> all = new TreeSet<>();
            eventIds.values().forEach(all::addAll);
            return all.size();
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    /** The group's committed offset and the end offset of each partition of {@code topic}: equal when all is committed. */
    public static Map<Integer, long[]> committedAndEnd(Admin admin, String group, String topic) throws Exception {
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int i = 0; i < partitions; i++) {
            latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
        }
        var ends = admin.listOffsets(latest).all().get();
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        Map<Integer, long[]> out = new TreeMap<>();
        for (int i = 0; i < partitions; i++) {
            TopicPartition tp = new TopicPartition(topic, i);
            OffsetAndMetadata c = committed.get(tp);
            out.put(i, new long[] {c == null ? -1 : c.offset(), ends.get(tp).offset()});
        }
        return out;
    }

    public static boolean allCommitted(Map<Integer, long[]> committedAndEnd) {
        return committedAndEnd.values().stream().allMatch(v -> v[0] == v[1]);
    }
}
