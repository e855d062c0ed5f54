package ai.omninode.onex.bench;

import ai.omninode.onex.kafka.ModelKafkaEventInput;
import ai.omninode.onex.kafka.internal.EnvelopeCodec;
import ai.omninode.onex.kafka.internal.Uuids;
import ai.omninode.onex.node.TraceContext;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The events every scenario sends: {@link #COUNT} inputs with distinct correlation ids (so distinct partition keys),
 * and for the raw producer the same events already serialized, as the node would: same envelope bytes (about 400),
 * same key, same three standard headers.
 */
public final class Events {
    public static final int COUNT = 1024;
    public static final String EVENT_TYPE = "DOCUMENT_INGESTED";
    public static final String SERVICE = "omniintelligence";

    private Events() {
    }

    /** A DOCUMENT_INGESTED payload like the example workflow's, about 400 bytes of envelope. */
    public static Map<String, Object> payload(int i) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("document_id", String.format("doc-%06d", i));
        p.put("entities_count", 17);
        p.put("relationships_count", 9);
        p.put("vectorized", true);
        return p;
    }

    public static ModelKafkaEventInput[] inputs(String topic) {
        ModelKafkaEventInput[] in = new ModelKafkaEventInput[COUNT];
        for (int i = 0; i < COUNT; i++) {
            in[i] = new ModelKafkaEventInput(topic, EVENT_TYPE, payload(i), Uuids.random());
        }
        return in;
    }

    /** The records the node would send for {@code inputs}, to {@code fullTopic}. */
    @SuppressWarnings("unchecked")
    public static ProducerRecord<byte[], byte[]>[] records(ModelKafkaEventInput[] inputs, String fullTopic) {
        EnvelopeCodec codec = new EnvelopeCodec(EnvelopeCodec.MAPPER, SERVICE, UUID.randomUUID().toString());
        ProducerRecord<byte[], byte[]>[] out = new ProducerRecord[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            ModelKafkaEventInput in = inputs[i];
            String correlation = in.correlationId().toString();
            String eventId = Uuids.random().toString();
            byte[] envelope = codec.envelope(eventId, in.eventType(), correlation,
                    EnvelopeCodec.timestamp(Instant.now()), in.payload());
            RecordHeaders headers = new RecordHeaders(new Header[] {
                new RecordHeader("correlation_id", correlation.getBytes(StandardCharsets.UTF_8)),
                new RecordHeader("event_type", in.eventType().getBytes(StandardCharsets.UTF_8)),
                new RecordHeader("event_id", eventId.getBytes(StandardCharsets.UTF_8)),
                new RecordHeader(TraceContext.TRACEPARENT, TraceContext.newRoot().traceparent().getBytes(StandardCharsets.UTF_8)),
            });
            out[i] = new ProducerRecord<>(fullTopic, null, null, correlation.getBytes(StandardCharsets.UTF_8), envelope,
                    headers);
        }
        return out;
    }

    /** An idempotency key as the runner gives one per step of a run: distinct per event, about 60 characters. */
    public static String idempotencyKey(int i) {
        return String.format("run-%08d-0000-4000-8000-%012d/publish_ingested", i, i);
    }

    public static int envelopeBytes(ProducerRecord<byte[], byte[]>[] records) {
        return records[0].value().length;
    }

    static List<String> describe(ProducerRecord<byte[], byte[]>[] records) {
        return List.of(new String(records[0].value(), StandardCharsets.UTF_8));
    }
}
