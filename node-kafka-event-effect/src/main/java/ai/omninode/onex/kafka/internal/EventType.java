package ai.omninode.onex.kafka.internal;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * An event type's {@code event_type} header value and its JSON string in the envelope (or {@code null}: the codec
 * writes it itself). Kafka and the envelope writer only read the arrays, so every event of that type shares them.
 */
record EventType(String name, byte[] header, byte[] json, Header kafkaHeader) {
    static final EventType NONE = new EventType(null, null, null);

    EventType(String name, byte[] header, byte[] json) {
        // one immutable header object per type: a RecordHeader made per event was one of the record's allocations
        this(name, header, json, new RecordHeader("event_type", header));
    }
}
