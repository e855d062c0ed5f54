package ai.omninode.onex.host.internal;

import ai.omninode.onex.contract.JsonSchema;
import ai.omninode.onex.contract.Violation;
import ai.omninode.onex.contract.YamlReader;
import ai.omninode.onex.node.TraceContext;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns a trigger record into a run, or says why it cannot be one (a poison trigger, for the dead-letter topic).
 *
 * <p>The value must be at most {@code maxBytes}, valid UTF-8, one strict JSON object (no duplicate keys, no trailing
 * content, at most as deep as {@code onex run} takes an input: 200 levels, {@value #MAX_DEPTH} with an envelope's).
 * An ONEX envelope as the Kafka node writes one ({@code event_type} and {@code payload}, with a UUID {@code event_id}
 * and its {@code timestamp} or {@code version}, or with the node's {@code event_type} header): its {@code payload}
 * (an object) is the input, its {@code correlation_id} (a UUID, if given) the trigger's correlation id, and its
 * {@code event_id} (if a UUID) names the run. Any other object is the input itself. The input must match the
 * workflow's {@code input_schema}, if it has one. An input without a {@code correlation_id} gets the run's (for
 * workflows that read {@code ${input.correlation_id}}), unless the schema refuses the input with it and takes it
 * without (a schema that allows no other field): then it runs as sent, as {@code onex run} would run it.
 *
 * <p>The run key is stable across redeliveries of one trigger and distinct per workflow:
 * {@code <workflow>:<event_id>} for an envelope with a valid {@code event_id}, else
 * {@code <workflow>:<topic>/<partition>/<offset>@<timestamp>} (the record's timestamp, in ms, as the log keeps it;
 * left out when the record has none). The timestamp tells apart the records a topic deleted and created again, or
 * another cluster's topic of the same name, holds at the same offset: by place alone they had one run key, and so
 * one {@code event_id} for different events, which consumers that de-duplicate on it would drop.
 */
public final class TriggerDecoder {
    /** As deep as {@code onex run} takes an input ({@link YamlReader#DEFAULT_MAX_DEPTH}), plus the envelope's level. */
    static final int MAX_DEPTH = YamlReader.DEFAULT_MAX_DEPTH + 1;
    public static final String CORRELATION_HEADER = "correlation_id";
    /** The header the Kafka node writes on every event: a record with it and an envelope's fields is an envelope. */
    public static final String EVENT_TYPE_HEADER = "event_type";
    /** A trigger as deep as an input may be: nearly all of them are read once, by this one. */
    private static final JsonMapper JSON = strictJson(YamlReader.DEFAULT_MAX_DEPTH);
    /** One level more, for an envelope's own over a payload as deep as an input: read only when the first refused. */
    private static final JsonMapper ENVELOPE_JSON = strictJson(MAX_DEPTH);

    private final String workflow;
    private final JsonSchema inputSchema;
    private final int maxBytes;

    /** @param inputSchema the workflow's {@code input_schema}, or null */
    public TriggerDecoder(String workflow, JsonSchema inputSchema, int maxBytes) {
        this.workflow = workflow;
        this.inputSchema = inputSchema;
        this.maxBytes = maxBytes;
    }

    /** What a trigger record is: a run, or poison. */
    public sealed interface Trigger permits Run, Poison {
    }

    /**
     * @param correlationId the run's: the input's {@code correlation_id} if it is a UUID (as {@code onex run} takes
     *     it), else the envelope's, else the trigger's {@code correlation_id} header, else one derived from the run
     *     key (the same on every redelivery)
     * @param trace null to start a new trace
     */
    public record Run(ObjectNode input, String runKey, UUID correlationId, TraceContext trace) implements Trigger {
    }

    /**
     * Why a trigger cannot run; {@code kind} is a small fixed set (a metric tag), {@code reason} says the details;
     * {@code correlationId} is the run's when there was one to be (the input was read), else null.
     */
    public record Poison(Kind kind, String reason, UUID correlationId) implements Trigger {
        public Poison(Kind kind, String reason) {
            this(kind, reason, null);
        }
    }

    public enum Kind {
        TOMBSTONE, TOO_LARGE, NOT_UTF8, NOT_JSON, NOT_AN_OBJECT, BAD_ENVELOPE, INPUT_SCHEMA,
        /** The input breaks a step's node contract before any step runs (the host's check, as {@code onex run}'s). */
        STEP_INPUT,
        /** The run failed for its content and no {@code on_step_failure} step put that on record. */
        RUN_FAILED;

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static JsonMapper strictJson(int maxDepth) {
        return JsonMapper.builder(JsonFactory.builder()
                        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth).build()).build())
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
    }

    /**
     * An ONEX envelope, as the Kafka node writes one (its {@code payload} is the input): {@code event_type} and
     * {@code payload}, and either an {@code event_id} that is a UUID next to the node's {@code timestamp} or
     * {@code version}, or the {@code event_type} header the node puts on every event. A plain object that merely has
     * {@code event_type} and {@code payload} fields is an input like any other, as {@code onex run} takes it.
     */
    private static boolean isEnvelope(JsonNode node, ConsumerRecord<byte[], byte[]> record) {
        if (!node.isObject() || !node.has("event_type") || !node.has("payload")) {
            return false;
        }
        JsonNode id = node.get("event_id");
        boolean written = id != null && id.isString() && uuid(id.asString()) != null
                && (node.has("timestamp") || node.has("version"));
        return written || record.headers().lastHeader(EVENT_TYPE_HEADER) != null;
    }

    private static Poison notJson(JacksonException e) {
        String at = at(e.getLocation());
        if (e instanceof MismatchedInputException && String.valueOf(e.getOriginalMessage()).startsWith("Trailing token")) {
            // Jackson names its own class and feature here; the user sent two values, or one with a tail
            return new Poison(Kind.NOT_JSON, "the value is not one JSON object: more content follows it" + at);
        }
        return new Poison(Kind.NOT_JSON, "the value is not JSON: "
                + shorten(ai.omninode.onex.runtime.JsonErrors.userMessage(e.getOriginalMessage())) + at);
    }

    private static String at(TokenStreamLocation where) {
        return where == null || where.getLineNr() < 1 ? ""
                : " at line " + where.getLineNr() + ", column " + where.getColumnNr();
    }

    public Trigger decode(ConsumerRecord<byte[], byte[]> record) {
        byte[] value = record.value();
        if (value == null) {
            return new Poison(Kind.TOMBSTONE, "the record has no value (a tombstone), so there is no input to run");
        }
        if (value.length > maxBytes) {
            return new Poison(Kind.TOO_LARGE, "the value is " + value.length + " bytes, more than the limit of "
                    + maxBytes + " (--max-trigger-bytes)");
        }
        if (!isAscii(value)) { // ASCII is valid UTF-8; only other bytes need the decoder (which copies the text)
            CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            ByteBuffer bytes = ByteBuffer.wrap(value);
            try {
                utf8.decode(bytes);
            } catch (CharacterCodingException e) {
                String at = e instanceof MalformedInputException ? " at byte " + bytes.position() : "";
                return new Poison(Kind.NOT_UTF8, "the value is not valid UTF-8" + at);
            }
        }
        JsonNode root;
        try {
            root = JSON.readTree(value);
        } catch (StreamConstraintsException tooDeep) { // or over another limit, which the second read meets too
            try {
                root = ENVELOPE_JSON.readTree(value);
            } catch (JacksonException e) {
                return notJson(e);
            }
            if (!isEnvelope(root, record)) {
                return new Poison(Kind.NOT_JSON, "the value nests deeper than " + YamlReader.DEFAULT_MAX_DEPTH
                        + " levels, the most an input may");
            }
        } catch (JacksonException e) {
            return notJson(e);
        }
        if (root == null || root.isMissingNode()) {
            return new Poison(Kind.NOT_JSON, "the value is empty, not a JSON object");
        }
        if (!root.isObject()) {
            return new Poison(Kind.NOT_AN_OBJECT, "the value is " + describe(root) + ", not a JSON object");
        }
        ObjectNode object = (ObjectNode) root;
        UUID correlation = header(record, CORRELATION_HEADER);
        String eventId = null;
        ObjectNode input;
        if (isEnvelope(object, record)) {
            JsonNode payload = object.get("payload");
            if (!payload.isObject()) {
                return new Poison(Kind.BAD_ENVELOPE, "the envelope's payload is " + describe(payload)
                        + ", not a JSON object");
            }
            if (!object.get("event_type").isString()) {
                return new Poison(Kind.BAD_ENVELOPE, "the envelope's event_type is " + describe(object.get("event_type"))
                        + ", not a string");
            }
            JsonNode c = object.get("correlation_id");
            if (c != null && !c.isNull()) {
                UUID parsed = c.isString() ? uuid(c.asString()) : null;
                if (parsed == null) {
                    return new Poison(Kind.BAD_ENVELOPE, "the envelope's correlation_id is not a UUID: "
                            + shorten(c.toString()));
                }
                correlation = parsed;
            }
            JsonNode id = object.get("event_id");
            if (id != null && id.isString() && uuid(id.asString()) != null) {
                eventId = uuid(id.asString()).toString();
            }
            input = (ObjectNode) payload;
        } else {
            input = object;
        }
        String runKey = workflow + ":" + (eventId != null ? eventId
                : record.topic() + "/" + record.partition() + "/" + record.offset()
                        + (record.timestamp() >= 0 ? "@" + record.timestamp() : ""));
        JsonNode own = input.get("correlation_id");
        if (own != null && own.isString() && uuid(own.asString()) != null) {
            // as onex run: the input's correlation id is the run's, and the one its events carry when the workflow
            // passes ${input.correlation_id} on; log lines, events and dead letters then agree
            correlation = uuid(own.asString());
        }
        if (correlation == null) {
            // none given: one derived from the run key, so that a redelivery has the same one
            correlation = UUID.nameUUIDFromBytes(runKey.getBytes(StandardCharsets.UTF_8));
        }
        boolean added = !input.has("correlation_id");
        if (added) {
            // the trigger's correlation id, for workflows that read ${input.correlation_id}: put in before the
            // input_schema check, which may require it
            input.put("correlation_id", correlation.toString());
        }
        if (inputSchema != null) {
            List<Violation> violations = inputSchema.validate(input);
            if (!violations.isEmpty() && added) {
                // a schema may forbid the field (additionalProperties: false): the input as sent, as onex run takes it
                // (the run still has the correlation id, and a Kafka step without one publishes with it)
                input.remove("correlation_id");
                List<Violation> asSent = inputSchema.validate(input);
                if (asSent.size() > violations.size()) {
                    input.put("correlation_id", correlation.toString());
                } else {
                    violations = asSent;
                }
            }
            if (!violations.isEmpty()) {
                return new Poison(Kind.INPUT_SCHEMA, "the input does not match the workflow's input_schema: "
                        + violations.stream().map(v -> v.message() + " [" + v.keyword() + " at "
                                + (v.pointer().isEmpty() ? "/" : v.pointer()) + "]").collect(Collectors.joining("; ")),
                        correlation);
            }
        }
        return new Run(input, runKey, correlation, trace(record));
    }

    private static boolean isAscii(byte[] value) {
        for (byte b : value) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The trace the trigger continues: its {@code traceparent} (and {@code tracestate}), if valid. Several
     * {@code traceparent} headers are no valid one (as W3C's test suite has it for HTTP: the run starts a trace).
     */
    private static TraceContext trace(ConsumerRecord<byte[], byte[]> record) {
        java.util.Iterator<Header> parents = record.headers().headers(TraceContext.TRACEPARENT).iterator();
        String parent = parents.hasNext() ? text(parents.next()) : null;
        return parent == null || parents.hasNext() ? null
                : TraceContext.parse(parent, text(record.headers().lastHeader(TraceContext.TRACESTATE))).orElse(null);
    }

    private static UUID header(ConsumerRecord<byte[], byte[]> record, String name) {
        String v = text(record.headers().lastHeader(name));
        return v == null ? null : uuid(v);
    }

    private static String text(Header h) {
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static UUID uuid(String s) {
        if (s == null || s.length() != 36) {
            return null; // UUID.fromString accepts shorter forms such as 1-1-1-1-1
        }
        try {
            return UUID.fromString(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static String describe(JsonNode n) {
        if (n.isArray()) {
            return "a JSON array";
        }
        if (n.isString()) {
            return "a string";
        }
        if (n.isNumber()) {
            return "a number";
        }
        if (n.isBoolean()) {
            return "a boolean";
        }
        if (n.isNull()) {
            return "null";
        }
        return "an object";
    }

    private static String shorten(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
