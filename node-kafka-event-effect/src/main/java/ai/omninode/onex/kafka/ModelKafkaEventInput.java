package ai.omninode.onex.kafka;

import ai.omninode.onex.kafka.internal.Uuids;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * One event to publish. The node wraps {@code payload} in the ONEX envelope (event id, timestamp, version, source)
 * and publishes it to {@code {topic_prefix}.{topic}}, keyed by {@code key} or else the correlation id.
 *
 * <p>Nothing is checked here: {@code executeEffect} validates every input against the node contract's input schema
 * and answers a bad one with a failed output that names the field and the rule. The maps are not copied; the node
 * reads them inside {@code executeEffect}, so change them only after it returned.
 *
 * @param topic the topic without the prefix
 * @param eventType the event's type, e.g. {@code DOCUMENT_INGESTED}
 * @param payload the event body, any JSON-like data (maps, lists, strings, numbers, booleans, null)
 * @param correlationId ties the events of one request together; a random one when {@code null}
 * @param key the partition key, or {@code null} for the correlation id
 * @param headers extra Kafka headers (UTF-8 values), or {@code null}; sent before the node's own
 *     {@code correlation_id}, {@code event_type} and {@code event_id}, which always carry the envelope's values (a
 *     header of one of those names given here is left out)
 */
public record ModelKafkaEventInput(
        String topic,
        String eventType,
        Map<String, Object> payload,
        UUID correlationId,
        String key,
        Map<String, String> headers) {

    public ModelKafkaEventInput {
        if (correlationId == null) {
            correlationId = Uuids.random();
        }
    }

    public ModelKafkaEventInput(String topic, String eventType, Map<String, Object> payload, UUID correlationId) {
        this(topic, eventType, payload, correlationId, null, null);
    }

    public ModelKafkaEventInput(String topic, String eventType, Map<String, Object> payload) {
        this(topic, eventType, payload, null, null, null);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link ModelKafkaEventInput}; fields left out stay {@code null} (a random correlation id). */
    public static final class Builder {
        private String topic;
        private String eventType;
        private Map<String, Object> payload;
        private UUID correlationId;
        private String key;
        private Map<String, String> headers;

        private Builder() {
        }

        public Builder topic(String topic) {
            this.topic = topic;
            return this;
        }

        public Builder eventType(String eventType) {
            this.eventType = eventType;
            return this;
        }

        public Builder payload(Map<String, Object> payload) {
            this.payload = payload;
            return this;
        }

        /** Adds one payload field, keeping the order fields are added in. */
        public Builder payload(String name, Object value) {
            if (payload == null) {
                payload = new LinkedHashMap<>();
            } else if (!(payload instanceof LinkedHashMap)) {
                payload = new LinkedHashMap<>(payload);
            }
            payload.put(name, value);
            return this;
        }

        public Builder correlationId(UUID correlationId) {
            this.correlationId = correlationId;
            return this;
        }

        public Builder key(String key) {
            this.key = key;
            return this;
        }

        public Builder headers(Map<String, String> headers) {
            this.headers = headers;
            return this;
        }

        /** Adds one header, keeping the order headers are added in. */
        public Builder header(String name, String value) {
            if (headers == null) {
                headers = new LinkedHashMap<>();
            } else if (!(headers instanceof LinkedHashMap)) {
                headers = new LinkedHashMap<>(headers);
            }
            headers.put(name, value);
            return this;
        }

        public ModelKafkaEventInput build() {
            return new ModelKafkaEventInput(topic, eventType, payload, correlationId, key, headers);
        }
    }
}
