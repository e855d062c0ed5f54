package ai.omninode.onex.bench;

import ai.omninode.onex.kafka.ModelKafkaEventInput;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The node's envelope as a Java team would build it for a JSON serializer: a {@code LinkedHashMap} per event with the
 * node's keys in the node's order, a {@link UUID#randomUUID()} event id, and the time as a {@link BigDecimal} of epoch
 * seconds with six decimals, so that Jackson writes the same number text as the node ({@code 1764184352.123456}; a
 * {@code double} would come out as {@code 1.764184352123456E9}). The {@code source} map is built once, as the node
 * builds its {@code source} bytes once. Headers: the node's four ({@code correlation_id, event_type, event_id,
 * traceparent}).
 */
final class EnvelopeMap {
    private final Map<String, Object> source;

    EnvelopeMap(String nodeId) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("service", Events.SERVICE);
        s.put("node_type", "kafka_event_effect");
        s.put("node_id", nodeId);
        this.source = s;
    }

    /** One event's envelope and the node's four headers, with a fresh event id and timestamp. */
    Event next(ModelKafkaEventInput in) {
        String eventId = UUID.randomUUID().toString();
        String correlation = in.correlationId().toString();
        Instant now = Instant.now();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event_id", eventId);
        m.put("event_type", in.eventType());
        m.put("correlation_id", correlation);
        m.put("timestamp", BigDecimal.valueOf(now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000, 6));
        m.put("version", "1.0.0");
        m.put("source", source);
        m.put("payload", in.payload());
        RecordHeaders headers = new RecordHeaders(new Header[] {
            new RecordHeader("correlation_id", correlation.getBytes(StandardCharsets.UTF_8)),
            new RecordHeader("event_type", in.eventType().getBytes(StandardCharsets.UTF_8)),
            new RecordHeader("event_id", eventId.getBytes(StandardCharsets.UTF_8)),
            new RecordHeader("traceparent", traceparent().getBytes(StandardCharsets.UTF_8)),
        });
        return new Event(correlation, m, headers);
    }

    /**
     * A W3C {@code traceparent} for a new trace, as a team without a tracer would write one (the node's events carry
     * one): version 00, random 128-bit trace id and 64-bit span id in lower-case hex, sampled.
     */
    private static String traceparent() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "00-" + hex16(r.nextLong()) + hex16(r.nextLong()) + "-" + hex16(r.nextLong() | 1) + "-01";
    }

    private static String hex16(long v) {
        String h = Long.toHexString(v);
        return "0".repeat(16 - h.length()) + h;
    }

    /** The key (the correlation id, as the node uses it), the envelope and the headers of one event. */
    record Event(String key, Map<String, Object> envelope, RecordHeaders headers) {
    }
}
