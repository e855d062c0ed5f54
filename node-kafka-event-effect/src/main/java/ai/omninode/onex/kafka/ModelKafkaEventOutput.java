package ai.omninode.onex.kafka;

import ai.omninode.onex.kafka.internal.EnvelopeCodec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The result of one publish. On success {@code partition} and {@code offset} say where the broker stored the event.
 * On failure {@code error} says why, and {@code envelope} holds the whole event as JSON, so that nothing handed to
 * the node is lost: it is acknowledged, in the dead-letter topic, or here (an input rejected as invalid never became
 * an event, and has no envelope).
 *
 * @param topic the full, prefixed topic
 * @param partition where the event was stored; {@code null} unless it was
 * @param offset where the event was stored; {@code null} unless it was
 * @param error what went wrong; {@code null} on success
 * @param eventId the envelope's {@code event_id}; {@code null} if the input was rejected before one was made
 * @param retries how many times the publish was retried
 * @param deadLettered whether the event was stored in {@code dlqTopic} instead
 * @param dlqTopic the dead-letter topic ({@code {topic}.dlq}) if the event went there
 * @param errorType {@code null} on success, else one of {@link #INVALID_INPUT}, {@link #NON_RETRIABLE},
 *        {@link #RETRIES_EXHAUSTED}, {@link #DEADLINE_EXCEEDED}, {@link #OUTCOME_UNKNOWN}, {@link #CIRCUIT_OPEN},
 *        {@link #SHUTDOWN}
 * @param envelope on failure, the envelope JSON that was (or would have been) sent; {@code null} on success and for
 *        {@link #INVALID_INPUT}
 */
public record ModelKafkaEventOutput(
        boolean success,
        String topic,
        Integer partition,
        Long offset,
        String error,
        UUID correlationId,
        UUID eventId,
        String eventType,
        int retries,
        boolean deadLettered,
        String dlqTopic,
        String errorType,
        String envelope) {

    /** The input broke the contract's input schema (or Kafka's topic rules); nothing was sent. */
    public static final String INVALID_INPUT = "invalid_input";
    /** Kafka refused the event for good (record too large, not authorized, ...); not retried. */
    public static final String NON_RETRIABLE = "non_retriable";
    /** Every attempt failed with a retriable error before the record left the node; sending again is safe. */
    public static final String RETRIES_EXHAUSTED = "retries_exhausted";
    /**
     * The caller's deadline (a workflow step's {@code timeout_ms}) passed before the record reached the producer (it
     * waited for its topic, a retry or the caller's thread): nothing was sent, so sending it again is safe.
     */
    public static final String DEADLINE_EXCEEDED = "deadline_exceeded";
    /**
     * The producer took the record but no answer came in time (delivery.timeout.ms, the caller's deadline, or the node
     * shut down while it held it): the broker may have stored it. Not retriable: sending it again could store the event
     * twice (with the same {@code event_id} when the caller gave an idempotency key).
     */
    public static final String OUTCOME_UNKNOWN = "outcome_unknown";
    /** The circuit breaker was open; nothing was sent. */
    public static final String CIRCUIT_OPEN = "circuit_open";
    /**
     * The node shut down before the event reached the producer (it waited for a retry or its topic): sending it
     * again is safe.
     */
    public static final String SHUTDOWN = "shutdown";

    /**
     * Reads back any envelope the node wrote: Jackson writes numbers, names and strings of any length, while its
     * default read limits stop at 1000 digits, 50,000-character names and 100 million characters.
     */
    private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNumberLength(Integer.MAX_VALUE)
                    .maxNameLength(Integer.MAX_VALUE)
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNestingDepth(
                            EnvelopeCodec.MAPPER.tokenStreamFactory().streamWriteConstraints().getMaxNestingDepth())
                    .build())
            .build()).build();

    /** An output with only the six fields of the Python original; the others empty. */
    public ModelKafkaEventOutput(boolean success, String topic, Integer partition, Long offset, String error,
            UUID correlationId) {
        this(success, topic, partition, offset, error, correlationId, null, null, 0, false, null, null, null);
    }

    /**
     * Whether calling again with the same input might succeed without harm: not for bad input, not for an event
     * Kafka refused for good, and not when the broker may already have stored it ({@link #OUTCOME_UNKNOWN}).
     */
    public boolean retriable() {
        return !success && !INVALID_INPUT.equals(errorType) && !NON_RETRIABLE.equals(errorType)
                && !OUTCOME_UNKNOWN.equals(errorType);
    }

    /**
     * The output as plain data with snake_case keys, as the contract's output schema describes: {@code success,
     * topic, partition, offset, error, correlation_id, event_id, event_type, retries, dead_lettered, dlq_topic,
     * error_type, envelope} (the envelope as a map).
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("success", success);
        m.put("topic", topic);
        m.put("partition", partition);
        m.put("offset", offset);
        m.put("error", error);
        m.put("correlation_id", correlationId == null ? null : correlationId.toString());
        m.put("event_id", eventId == null ? null : eventId.toString());
        m.put("event_type", eventType);
        m.put("retries", retries);
        m.put("dead_lettered", deadLettered);
        m.put("dlq_topic", dlqTopic);
        m.put("error_type", errorType);
        m.put("envelope", envelope == null ? null : MAPPER.readValue(envelope, new TypeReference<Map<String, Object>>() { }));
        return m;
    }
}
