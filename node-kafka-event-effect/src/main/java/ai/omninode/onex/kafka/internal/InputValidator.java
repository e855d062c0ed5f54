package ai.omninode.onex.kafka.internal;

import ai.omninode.onex.contract.JsonSchema;
import ai.omninode.onex.contract.Violation;
import ai.omninode.onex.kafka.ModelKafkaEventInput;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Checks inputs against the node contract's input schema, and the full topic against Kafka's topic rules, before
 * anything is sent.
 *
 * <p>The payload is any JSON object; when the schema says no more than that about it (the shipped one), a map payload
 * is checked as an empty object instead of being converted to a tree, which would cost more than the rest of the
 * publish. Should the schema ever constrain the payload's contents, the whole payload is checked.
 *
 * <p>Fast path. Building a tree and running the JSON Schema validator costs more than a microsecond per event. When
 * the contract's input schema is exactly the one {@link FastInputCheck} was written for (its constraints compared
 * keyword by keyword at load time), an input that check accepts is accepted without the tree; anything else, every
 * rejection included, goes through the JSON Schema validator, so the violations and their messages are the
 * validator's own. A test runs a corpus of valid and invalid inputs through both and asserts identical accept/reject.
 */
public final class InputValidator {
    /** Kafka's limit on topic names. */
    public static final int MAX_TOPIC_LENGTH = 249;
    private static final Set<String> ANNOTATIONS = Set.of("type", "description", "title", "$comment", "examples", "default");

    private final JsonSchema schema;
    private final JsonMapper mapper;
    private final boolean payloadContentsFree;
    private final ObjectNode emptyObject = JsonNodeFactory.instance.objectNode();
    private final boolean fastPath;

    public InputValidator(JsonSchema schema, JsonMapper mapper) {
        this.schema = schema;
        this.mapper = mapper;
        this.payloadContentsFree = contentsFree(schema.schemaNode() == null ? null : schema.schemaNode().at("/properties/payload"));
        this.fastPath = payloadContentsFree && FastInputCheck.appliesTo(schema.schemaNode());
    }

    /** Whether inputs the fast path accepts skip the JSON Schema validator (the shipped schema: yes). */
    public boolean fastPath() {
        return fastPath;
    }

    private static boolean contentsFree(JsonNode payloadSchema) {
        if (payloadSchema == null || !payloadSchema.isObject() || !"object".equals(payloadSchema.path("type").asString(""))) {
            return false;
        }
        for (Iterator<String> it = payloadSchema.propertyNames().iterator(); it.hasNext();) {
            if (!ANNOTATIONS.contains(it.next())) {
                return false;
            }
        }
        return true;
    }

    /** Violations of a typed input; empty when it is valid. */
    public List<Violation> validate(ModelKafkaEventInput in, String correlationId) {
        if (fastPath && FastInputCheck.accepts(in, correlationId)) {
            return List.of();
        }
        return validateBySchema(in, correlationId);
    }

    /** Violations of a typed input with the text of its own correlation id; empty when it is valid. */
    public List<Violation> validate(ModelKafkaEventInput in) {
        if (fastPath && FastInputCheck.accepts(in)) {
            return List.of();
        }
        return validateBySchema(in, in.correlationId().toString());
    }

    /** {@link #validate(ModelKafkaEventInput, String)} by the JSON Schema validator alone. */
    List<Violation> validateBySchema(ModelKafkaEventInput in, String correlationId) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        if (in.topic() != null) {
            node.put("topic", in.topic());
        }
        if (in.eventType() != null) {
            node.put("event_type", in.eventType());
        }
        if (in.payload() != null) {
            JsonNode payload = payloadContentsFree ? emptyObject : tree(in.payload());
            if (payload == null) {
                return List.of(unwritablePayload());
            }
            node.set("payload", payload);
        }
        node.put("correlation_id", correlationId);
        if (in.key() != null) {
            node.put("key", in.key());
        }
        if (in.headers() != null) {
            ObjectNode headers = node.putObject("headers");
            for (Map.Entry<String, String> h : in.headers().entrySet()) {
                if (h.getKey() == null) {
                    return List.of(new Violation("/headers", "propertyNames", "'/headers' has a header without a name"));
                }
                if (h.getValue() == null) {
                    headers.putNull(h.getKey());
                } else {
                    headers.put(h.getKey(), h.getValue());
                }
            }
        }
        return schema.validate(node);
    }

    /** Violations of an input given as plain data (the SPI); empty when it is valid. */
    public List<Violation> validate(Map<String, Object> input) {
        if (fastPath && FastInputCheck.accepts(input)) {
            return List.of();
        }
        return validateBySchema(input);
    }

    /** {@link #validate(Map)} by the JSON Schema validator alone. */
    List<Violation> validateBySchema(Map<String, Object> input) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, Object> e : input.entrySet()) {
            if (e.getKey() == null) {
                return List.of(new Violation("", "propertyNames", "the input has a field without a name"));
            }
            Object value = e.getValue();
            JsonNode tree;
            if (e.getKey().equals("payload") && value instanceof Map<?, ?> && payloadContentsFree) {
                tree = emptyObject;
            } else {
                tree = tree(value);
                if (tree == null) {
                    return List.of(e.getKey().equals("payload") ? unwritablePayload()
                            : new Violation("/" + e.getKey(), "type", "'/" + e.getKey() + "' has no JSON form"));
                }
            }
            node.set(e.getKey(), tree);
        }
        return schema.validate(node);
    }

    private JsonNode tree(Object value) {
        try {
            return value == null ? JsonNodeFactory.instance.nullNode() : mapper.valueToTree(value);
        } catch (RuntimeException e) {
            return null;
        }
    }

    static Violation unwritablePayload() {
        return new Violation("/payload", "type", "'/payload' cannot be written as JSON: use maps, lists, strings, "
                + "numbers, booleans and null");
    }

    /**
     * Why the payload could not be written: at the JSON pointer of the value that failed (from Jackson's path), with
     * Jackson's own message without the path, e.g. {@code '/payload/scores/2' cannot be written as JSON: NaN has no
     * JSON form; ...}.
     */
    public static Violation unwritablePayload(RuntimeException e, Secrets secrets) {
        StringBuilder pointer = new StringBuilder("/payload");
        String why = e.getMessage();
        if (e instanceof tools.jackson.core.JacksonException j) {
            for (tools.jackson.core.JacksonException.Reference r : j.getPath()) {
                if (r.getPropertyName() != null) {
                    pointer.append('/').append(r.getPropertyName().replace("~", "~0").replace("/", "~1"));
                } else if (r.getIndex() >= 0) {
                    pointer.append('/').append(r.getIndex());
                }
            }
            why = j.getOriginalMessage();
        }
        return new Violation(pointer.toString(), "type", "'" + pointer + "' cannot be written as JSON: "
                + secrets.redact(why) + " (use maps, lists, strings, finite numbers, booleans and null)");
    }

    /**
     * Kafka's rules for the full topic: at most 249 characters, also with the {@code .dlq} suffix when dead
     * letters are on, and not {@code .} or {@code ..}. The characters are the schema's business.
     */
    public static List<Violation> checkFullTopic(String fullTopic, boolean withDlq) {
        List<Violation> out = new ArrayList<>(1);
        String longest = withDlq ? fullTopic + ".dlq" : fullTopic;
        if (longest.length() > MAX_TOPIC_LENGTH) {
            out.add(new Violation("/topic", "maxLength", "'/topic' makes the full topic"
                    + (withDlq ? " with its dead-letter suffix ('" + shorten(longest) + "')" : " '" + shorten(longest) + "'")
                    + " " + longest.length() + " characters long; Kafka allows at most " + MAX_TOPIC_LENGTH));
        }
        if (fullTopic.equals(".") || fullTopic.equals("..")) {
            out.add(new Violation("/topic", "pattern", "'/topic' gives the topic name '" + fullTopic
                    + "', which Kafka does not allow"));
        }
        return out;
    }

    private static String shorten(String s) {
        return s.length() <= 80 ? s : s.substring(0, 40) + "..." + s.substring(s.length() - 30);
    }

    /** One line for an output's error: every violation with its rule and JSON pointer. */
    public static String describe(List<Violation> violations) {
        StringBuilder sb = new StringBuilder("invalid input, not published: ");
        for (int i = 0; i < violations.size(); i++) {
            Violation v = violations.get(i);
            if (i > 0) {
                sb.append("; ");
            }
            sb.append(v.message()).append(" [").append(v.keyword()).append(" at ").append(v.displayPointer()).append(']');
        }
        return sb.toString();
    }
}
