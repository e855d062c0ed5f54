package ai.omninode.onex.kafka.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;

/**
 * Writes the ONEX event envelope and the dead-letter body as UTF-8 JSON. Envelope keys, in this order:
 * {@code event_id, event_type, correlation_id, timestamp, version, source {service, node_type, node_id}, payload};
 * {@code payload} is last, so its bytes are the tail of the envelope (used to truncate oversized dead letters).
 */
public final class EnvelopeCodec {
    public static final String VERSION = "1.0.0";
    public static final String NODE_TYPE = "kafka_event_effect";
    /**
     * Fails on values without a JSON form instead of writing something else: an object with no properties (not
     * {@code {}}), NaN and infinities (not the strings {@code "NaN"}, {@code "Infinity"}, which Jackson writes by
     * default and which would change the value's type under the consumer).
     */
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.FAIL_ON_EMPTY_BEANS, SerializationFeature.FAIL_ON_SELF_REFERENCES)
            .addModule(new SimpleModule("onex-finite-numbers")
                    .addSerializer(Double.class, new FiniteDouble()).addSerializer(Double.TYPE, new FiniteDouble())
                    .addSerializer(Float.class, new FiniteFloat()).addSerializer(Float.TYPE, new FiniteFloat()))
            .build();
    private static final byte[] PAYLOAD_KEY = "\"payload\":".getBytes(StandardCharsets.UTF_8);

    private final JsonMapper mapper;
    private final String sourceJson;
    private final byte[] sourceBytes;
    private final boolean fast;
    private final String nodeId;

    public EnvelopeCodec(JsonMapper mapper, String serviceName, String nodeId) {
        this.mapper = mapper;
        this.nodeId = nodeId;
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = mapper.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringProperty("service", serviceName);
            g.writeStringProperty("node_type", NODE_TYPE);
            g.writeStringProperty("node_id", nodeId);
            g.writeEndObject();
        }
        this.sourceJson = out.toString(StandardCharsets.UTF_8);
        this.sourceBytes = out.toByteArray();
        this.fast = mapper == MAPPER && FastJson.USABLE;
    }

    /**
     * The envelope. Throws a {@link tools.jackson.core.JacksonException} when the payload has no JSON form. Plain JSON
     * types are written by {@link FastJson}, byte for byte as Jackson would; anything else by Jackson.
     */
    public byte[] envelope(String eventId, String eventType, String correlationId, String timestamp,
            Map<String, Object> payload) {
        if (fast) {
            byte[] b = FastJson.envelope(eventId, eventType, correlationId, timestamp, sourceBytes, payload);
            if (b != null) {
                return b;
            }
        }
        return jacksonEnvelope(eventId, eventType, correlationId, timestamp, payload);
    }

    /**
     * {@link #envelope(String, String, String, String, Map)} from what the node has at hand: the event and correlation
     * ids as the 36 ASCII bytes of their UUIDs ({@link Ascii#uuid}), the event type with its JSON form from
     * {@link #eventTypeJson} (or {@code null}), and the time.
     */
    public byte[] envelope(byte[] eventId, String eventType, byte[] eventTypeJson, byte[] correlationId, Instant time,
            Map<String, Object> payload) {
        if (fast) {
            byte[] b = FastJson.envelope(eventId, eventType, eventTypeJson, correlationId, time.getEpochSecond(),
                    time.getNano(), sourceBytes, payload);
            if (b != null) {
                return b;
            }
        }
        return jacksonEnvelope(new String(eventId, StandardCharsets.US_ASCII), eventType,
                new String(correlationId, StandardCharsets.US_ASCII), timestamp(time), payload);
    }

    /** The event type as a JSON string, as this codec writes it into an envelope; {@code null} if it cannot say. */
    public byte[] eventTypeJson(String eventType) {
        return fast ? FastJson.quoted(eventType) : null;
    }

    /** The envelope as Jackson writes it: the reference {@link FastJson} is held to. */
    byte[] jacksonEnvelope(String eventId, String eventType, String correlationId, String timestamp,
            Map<String, Object> payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = mapper.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringProperty("event_id", eventId);
            g.writeStringProperty("event_type", eventType);
            g.writeStringProperty("correlation_id", correlationId);
            g.writeName("timestamp");
            g.writeNumber(timestamp);
            g.writeStringProperty("version", VERSION);
            g.writeName("source");
            g.writeRawValue(sourceJson);
            g.writeName("payload");
            g.writePOJO(payload);
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /** Epoch seconds with microseconds, as Python's {@code datetime.timestamp()} gives: {@code 1701446400.123456}. */
    public static String timestamp(Instant t) {
        long micros = t.getNano() / 1_000;
        char[] frac = {'.', '0', '0', '0', '0', '0', '0'};
        for (int i = 6; i > 0; i--) {
            frac[i] = (char) ('0' + micros % 10);
            micros /= 10;
        }
        return t.getEpochSecond() + new String(frac);
    }

    /**
     * The dead-letter body: {@code {original_topic, original_envelope, error_message, error_timestamp, node_id,
     * retry_count}}. With {@code truncate}, {@code original_envelope} keeps the metadata but its payload is replaced by
     * {@code payload_truncated} (the first {@code previewBytes} of the payload JSON, as text), {@code payload_size_bytes}
     * and {@code payload_sha256} (of the payload JSON as it was sent), and the body says {@code "truncated": true}.
     */
    public byte[] deadLetter(String originalTopic, byte[] envelope, String errorMessage, String errorTimestamp,
            int retryCount, boolean truncate, int previewBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(envelope.length + 512);
        try (JsonGenerator g = mapper.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringProperty("original_topic", originalTopic);
            g.writeName("original_envelope");
            if (truncate) {
                writeTruncated(g, envelope, previewBytes);
            } else {
                g.writeRawValue(new String(envelope, StandardCharsets.UTF_8));
            }
            g.writeStringProperty("error_message", errorMessage);
            g.writeName("error_timestamp");
            g.writeNumber(errorTimestamp);
            g.writeStringProperty("node_id", nodeId);
            g.writeNumberProperty("retry_count", retryCount);
            if (truncate) {
                g.writeBooleanProperty("truncated", true);
            }
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    private void writeTruncated(JsonGenerator g, byte[] envelope, int previewBytes) {
        int start = payloadStart(envelope);
        int end = envelope.length - 1; // the envelope's closing brace
        // the metadata is everything before "payload": (it ends with a comma), closed as an object of its own
        String head = new String(envelope, 0, start - PAYLOAD_KEY.length, StandardCharsets.UTF_8);
        int payloadLength = end - start;
        int cut = utf8Boundary(envelope, start, Math.min(payloadLength, Math.max(0, previewBytes)));
        StringBuilder sb = new StringBuilder(head.length() + 160);
        sb.append(head);
        sb.append("\"payload_truncated\":");
        sb.append(mapper.writeValueAsString(new String(envelope, start, cut, StandardCharsets.UTF_8)));
        sb.append(",\"payload_size_bytes\":").append(payloadLength);
        sb.append(",\"payload_sha256\":\"").append(sha256(envelope, start, payloadLength)).append("\"}");
        g.writeRawValue(sb.toString());
    }

    /** Offset of the payload value in an envelope this codec wrote. */
    static int payloadStart(byte[] envelope) {
        // "payload": cannot occur earlier: keys before it are fixed and quotes inside string values are escaped
        outer:
        for (int i = 0; i <= envelope.length - PAYLOAD_KEY.length; i++) {
            for (int j = 0; j < PAYLOAD_KEY.length; j++) {
                if (envelope[i + j] != PAYLOAD_KEY[j]) {
                    continue outer;
                }
            }
            return i + PAYLOAD_KEY.length;
        }
        throw new IllegalArgumentException("not an envelope: no payload");
    }

    /** The largest length {@code <= length} that does not split a UTF-8 character starting at {@code from}. */
    static int utf8Boundary(byte[] bytes, int from, int length) {
        int end = from + length;
        if (end >= bytes.length) {
            return length;
        }
        while (end > from && (bytes[end] & 0xC0) == 0x80) {
            end--;
        }
        return end - from;
    }

    static String sha256(byte[] bytes, int offset, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(bytes, offset, length);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    public String sourceJson() {
        return sourceJson;
    }

    /** The message of a non-finite number: what it is, and that it has no JSON form. */
    static String notFinite(double v) {
        return (Double.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity")
                + " has no JSON form; use a finite number, a string or null";
    }

    private static final class FiniteDouble extends ValueSerializer<Double> {
        @Override
        public void serialize(Double value, JsonGenerator g, SerializationContext ctxt) {
            double v = value;
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException(notFinite(v));
            }
            g.writeNumber(v);
        }
    }

    private static final class FiniteFloat extends ValueSerializer<Float> {
        @Override
        public void serialize(Float value, JsonGenerator g, SerializationContext ctxt) {
            float v = value;
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException(notFinite(v));
            }
            g.writeNumber(v);
        }
    }
}
