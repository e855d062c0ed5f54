package ai.omninode.onex.bench;

import ai.omninode.onex.kafka.ModelKafkaEventInput;
import ai.omninode.onex.kafka.ModelKafkaEventOutput;
import ai.omninode.onex.kafka.NodeKafkaEventEffect;
import ai.omninode.onex.kafka.internal.EnvelopeCodec;
import ai.omninode.onex.kafka.internal.Uuids;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Something that publishes event {@code i}: the node, or a raw producer with the same bytes. */
interface Sink extends AutoCloseable {
    String name();

    /** Starts publishing event {@code i}; counts it in {@code ended} when it ended, and in {@code failures} if it failed. */
    void sendAsync(int i, AtomicLong ended, LongAdder failures);

    /** Publishes event {@code i} and waits for the acknowledgement. */
    void sendAwait(int i) throws Exception;

    @Override
    void close();

    record Raw(String name, Producer<byte[], byte[]> producer, ProducerRecord<byte[], byte[]>[] records) implements Sink {
        @Override
        public void sendAsync(int i, AtomicLong ended, LongAdder failures) {
            producer.send(records[i], (md, e) -> {
                if (e != null) {
                    failures.increment();
                }
                ended.incrementAndGet();
            });
        }

        @Override
        public void sendAwait(int i) throws Exception {
            producer.send(records[i]).get();
        }

        @Override
        public void close() {
            producer.close();
        }
    }

    /**
     * The raw producer building each envelope as the node does (fresh event id, timestamp, JSON, headers) but with
     * nothing else: what any correct implementation pays per event, to tell it apart from the node's own machinery.
     */
    record RawSerializing(String name, Producer<byte[], byte[]> producer, ModelKafkaEventInput[] inputs, String topic,
            EnvelopeCodec codec) implements Sink {
        RawSerializing(String name, Producer<byte[], byte[]> producer, ModelKafkaEventInput[] inputs, String topic) {
            this(name, producer, inputs, topic, new EnvelopeCodec(EnvelopeCodec.MAPPER, Events.SERVICE, Uuids.random().toString()));
        }

        private ProducerRecord<byte[], byte[]> record(int i) {
            ModelKafkaEventInput in = inputs[i];
            String correlation = in.correlationId().toString();
            String eventId = Uuids.random().toString();
            byte[] envelope = codec.envelope(eventId, in.eventType(), correlation, EnvelopeCodec.timestamp(Instant.now()),
                    in.payload());
            byte[] correlationBytes = correlation.getBytes(StandardCharsets.UTF_8);
            RecordHeaders headers = new RecordHeaders(new Header[] {
                new RecordHeader("correlation_id", correlationBytes),
                new RecordHeader("event_type", in.eventType().getBytes(StandardCharsets.UTF_8)),
                new RecordHeader("event_id", eventId.getBytes(StandardCharsets.UTF_8)),
            });
            return new ProducerRecord<>(topic, null, null, correlationBytes, envelope, headers);
        }

        @Override
        public void sendAsync(int i, AtomicLong ended, LongAdder failures) {
            producer.send(record(i), (md, e) -> {
                if (e != null) {
                    failures.increment();
                }
                ended.incrementAndGet();
            });
        }

        @Override
        public void sendAwait(int i) throws Exception {
            producer.send(record(i)).get();
        }

        @Override
        public void close() {
            producer.close();
        }
    }

    record Node(String name, NodeKafkaEventEffect node, ModelKafkaEventInput[] inputs) implements Sink {
        @Override
        public void sendAsync(int i, AtomicLong ended, LongAdder failures) {
            node.executeEffect(inputs[i]).whenComplete((out, e) -> {
                if (e != null || !out.success()) {
                    failures.increment();
                }
                ended.incrementAndGet();
            });
        }

        @Override
        public void sendAwait(int i) throws Exception {
            ModelKafkaEventOutput out = node.executeEffect(inputs[i]).get();
            if (!out.success()) {
                throw new IllegalStateException("publish failed: " + out.error());
            }
        }

        @Override
        public void close() {
            node.shutdown();
        }
    }
}
