package ai.omninode.onex.bench;

import ai.omninode.onex.kafka.ModelKafkaEventInput;
import ai.omninode.onex.kafka.ModelKafkaEventOutput;
import ai.omninode.onex.kafka.NodeKafkaEventEffect;
import ai.omninode.onex.kafka.internal.EnvelopeCodec;
import ai.omninode.onex.kafka.internal.Uuids;
import ai.omninode.onex.node.TraceContext;
import ai.omninode.onex.node.ExecutionContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import tools.jackson.databind.json.JsonMapper;

/** Something that publishes event {@code i}: the node, or a raw producer with the same bytes. */
interface Sink extends AutoCloseable {
    String name();

    /** Starts publishing event {@code i}; counts it in {@code ended} when it ended, and in {@code failures} if it failed. */
    void sendAsync(int i, AtomicLong ended, LongAdder failures);

    /** Publishes event {@code i} and waits for the acknowledgement. */
    void sendAwait(int i) throws Exception;

    @Override
    void close();

    /** The deadline {@link Node} gives each call when it plays the runner. */
    Duration RUNNER_DEADLINE = Duration.ofSeconds(30);

    /**
     * A {@code KafkaProducer} sending the record {@code records} gives for event {@code i}, with a counting callback:
     * pre-serialized records ({@link #Raw(String, Producer, ProducerRecord[])}), or records built per event
     * ({@link #serializing}, {@link #jackson}).
     */
    record Raw(String name, Producer<byte[], byte[]> producer, IntFunction<ProducerRecord<byte[], byte[]>> records)
            implements Sink {
        Raw(String name, Producer<byte[], byte[]> producer, ProducerRecord<byte[], byte[]>[] records) {
            this(name, producer, i -> records[i]);
        }

        /**
         * The raw producer building each envelope as the node does (fresh event id, timestamp, JSON, headers) but with
         * nothing else: what any correct implementation pays per event, to tell it apart from the node's own machinery.
         */
        static Raw serializing(String name, Producer<byte[], byte[]> producer, ModelKafkaEventInput[] inputs, String topic) {
            EnvelopeCodec codec = new EnvelopeCodec(EnvelopeCodec.MAPPER, Events.SERVICE, Uuids.random().toString());
            return new Raw(name, producer, i -> {
                ModelKafkaEventInput in = inputs[i];
                String correlation = in.correlationId().toString();
                String eventId = Uuids.random().toString();
                byte[] envelope = codec.envelope(eventId, in.eventType(), correlation,
                        EnvelopeCodec.timestamp(Instant.now()), in.payload());
                byte[] correlationBytes = correlation.getBytes(StandardCharsets.UTF_8);
                RecordHeaders headers = new RecordHeaders(new Header[] {
                    new RecordHeader("correlation_id", correlationBytes),
                    new RecordHeader("event_type", in.eventType().getBytes(StandardCharsets.UTF_8)),
                    new RecordHeader("event_id", eventId.getBytes(StandardCharsets.UTF_8)),
                    new RecordHeader(TraceContext.TRACEPARENT,
                            TraceContext.newRoot().traceparent().getBytes(StandardCharsets.UTF_8)),
                });
                return new ProducerRecord<>(topic, null, null, correlationBytes, envelope, headers);
            });
        }

        /**
         * What a Java team would write by hand: the envelope as a map ({@link EnvelopeMap}), Jackson 3's
         * {@code JsonMapper.writeValueAsBytes}, the node's four headers, {@code send} with a callback, on a producer
         * with the node's settings. No validation, retries of its own, dead letters, breaker or metrics.
         */
        static Raw jackson(String name, Producer<byte[], byte[]> producer, JsonMapper mapper, EnvelopeMap envelopes,
                ModelKafkaEventInput[] inputs, String topic) {
            return new Raw(name, producer, i -> {
                EnvelopeMap.Event e = envelopes.next(inputs[i]);
                return new ProducerRecord<>(topic, null, null, e.key().getBytes(StandardCharsets.UTF_8),
                        mapper.writeValueAsBytes(e.envelope()), e.headers());
            });
        }

        @Override
        public void sendAsync(int i, AtomicLong ended, LongAdder failures) {
            producer.send(records.apply(i), (md, e) -> {
                if (e != null) {
                    failures.increment();
                }
                ended.incrementAndGet();
            });
        }

        @Override
        public void sendAwait(int i) throws Exception {
            producer.send(records.apply(i)).get();
        }

        @Override
        public void close() {
            producer.close();
        }
    }

    /**
     * Spring Kafka's {@code KafkaTemplate} (no Spring Boot, no application context) sending the envelope map through
     * its {@code JacksonJsonSerializer} without type headers, the key through {@code StringSerializer}; observation on
     * or off as the template was built. No validation, retries of its own, dead letters or breaker.
     */
    record Template(String name, KafkaTemplate<String, Map<String, Object>> template,
            DefaultKafkaProducerFactory<String, Map<String, Object>> factory, EnvelopeMap envelopes,
            ModelKafkaEventInput[] inputs, String topic) implements Sink {
        private ProducerRecord<String, Map<String, Object>> record(int i) {
            EnvelopeMap.Event e = envelopes.next(inputs[i]);
            return new ProducerRecord<>(topic, null, null, e.key(), e.envelope(), e.headers());
        }

        @Override
        public void sendAsync(int i, AtomicLong ended, LongAdder failures) {
            template.send(record(i)).whenComplete((r, e) -> {
                if (e != null) {
                    failures.increment();
                }
                ended.incrementAndGet();
            });
        }

        @Override
        public void sendAwait(int i) throws Exception {
            template.send(record(i)).get();
        }

        @Override
        public void close() {
            factory.destroy();
        }
    }

    /**
     * The node. With {@code idempotencyKeys}, each call passes an {@link ExecutionContext} as the runner builds one per
     * step: that event's idempotency key (the event id derives from it) and a 30 s deadline (a timer per event).
     */
    record Node(String name, NodeKafkaEventEffect node, ModelKafkaEventInput[] inputs, String[] idempotencyKeys)
            implements Sink {
        Node(String name, NodeKafkaEventEffect node, ModelKafkaEventInput[] inputs) {
            this(name, node, inputs, null);
        }

        private CompletableFuture<ModelKafkaEventOutput> execute(int i) {
            return idempotencyKeys == null ? node.executeEffect(inputs[i]) : node.executeEffect(inputs[i],
                    ExecutionContext.builder().idempotencyKey(idempotencyKeys[i]).deadlineAfter(RUNNER_DEADLINE).build());
        }

        @Override
        public void sendAsync(int i, AtomicLong ended, LongAdder failures) {
            execute(i).whenComplete((out, e) -> {
                if (e != null || !out.success()) {
                    failures.increment();
                }
                ended.incrementAndGet();
            });
        }

        @Override
        public void sendAwait(int i) throws Exception {
            ModelKafkaEventOutput out = execute(i).get();
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
