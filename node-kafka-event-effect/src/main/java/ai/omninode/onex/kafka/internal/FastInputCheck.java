package ai.omninode.onex.kafka.internal;

import ai.omninode.onex.kafka.ModelKafkaEventInput;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The node's input schema written out as code, for the inputs it accepts: the same answer as the JSON Schema
 * validator (networknt, JDK regular expressions, lengths in code points) without building a tree. Used only when the
 * contract's schema has exactly the constraints of {@link #SCHEMA}; {@code false} means "not sure, ask the validator".
 */
final class FastInputCheck {
    /** The constraints this class implements: the shipped input schema without its annotations. */
    static final String SCHEMA = """
            {"type":"object","additionalProperties":false,"required":["topic","event_type","payload"],
             "properties":{
              "topic":{"type":"string","minLength":1,"maxLength":249,"pattern":"^[A-Za-z0-9._-]+$"},
              "event_type":{"type":"string","minLength":1,"maxLength":255,"pattern":"\\\\S"},
              "payload":{"type":"object"},
              "correlation_id":{"type":"string",
                "pattern":"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"},
              "key":{"type":["string","null"],"maxLength":4096},
              "headers":{"type":["object","null"],"additionalProperties":{"type":"string"},
                "propertyNames":{"minLength":1,"maxLength":255}}}}""";
    private static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "$comment", "title", "description",
            "examples", "default");
    private static final JsonNode EXPECTED = JsonMapper.builder().build().readTree(SCHEMA);
    /** ASCII chars allowed in a topic ({@code [A-Za-z0-9._-]}) and in a UUID's hex groups ({@code [0-9a-fA-F]}). */
    private static final boolean[] TOPIC_CHAR = new boolean[128];
    private static final boolean[] HEX = new boolean[128];

    static {
        for (char c = 0; c < 128; c++) {
            boolean digit = c >= '0' && c <= '9';
            TOPIC_CHAR[c] = digit || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '_' || c == '-';
            HEX[c] = digit || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
        }
    }

    private FastInputCheck() {
    }

    /** Whether {@code schema}, annotations aside, is the schema this check implements. */
    static boolean appliesTo(JsonNode schema) {
        return schema != null && withoutAnnotations(schema).equals(EXPECTED);
    }

    private static JsonNode withoutAnnotations(JsonNode node) {
        if (!node.isObject()) {
            return node;
        }
        ObjectNode out = ((ObjectNode) node).objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!ANNOTATIONS.contains(e.getKey())) {
                out.set(e.getKey(), e.getKey().equals("properties") ? properties(e.getValue()) : withoutAnnotations(e.getValue()));
            }
        }
        return out;
    }

    /** Under "properties" the keys are field names, not keywords: keep them all, strip their schemas. */
    private static JsonNode properties(JsonNode props) {
        if (!props.isObject()) {
            return props;
        }
        ObjectNode out = ((ObjectNode) props).objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = props.properties().iterator(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            out.set(e.getKey(), withoutAnnotations(e.getValue()));
        }
        return out;
    }

    /** A typed input: its fields are the schema's, so only their values need checking. */
    static boolean accepts(ModelKafkaEventInput in, String correlationId) {
        return uuid(correlationId) && accepts(in);
    }

    /**
     * A typed input with its own correlation id: a {@code UUID}'s text ({@link java.util.UUID#toString()}, 8-4-4-4-12
     * lower-case hex digits) always matches the pattern, so only the other fields need checking.
     */
    static boolean accepts(ModelKafkaEventInput in) {
        return topic(in.topic()) && eventType(in.eventType()) && in.payload() != null
                && (in.key() == null || in.key().length() <= 4096 || codePoints(in.key()) <= 4096)
                && headers(in.headers());
    }

    /**
     * Plain data (the SPI). Only the shapes the node's own {@code fromMap} reads are accepted here; anything else a
     * JSON tree could make of (a UUID object, a bean payload) goes to the validator.
     */
    static boolean accepts(Map<String, Object> in) {
        int required = 0;
        for (Map.Entry<String, Object> e : in.entrySet()) {
            String name = e.getKey();
            Object v = e.getValue();
            if (name == null) {
                return false;
            }
            switch (name) {
                case "topic" -> {
                    if (!(v instanceof String s && topic(s))) {
                        return false;
                    }
                    required++;
                }
                case "event_type" -> {
                    if (!(v instanceof String s && eventType(s))) {
                        return false;
                    }
                    required++;
                }
                case "payload" -> {
                    if (!(v instanceof Map<?, ?>)) {
                        return false;
                    }
                    required++;
                }
                case "correlation_id" -> {
                    if (!(v instanceof String s && uuid(s))) {
                        return false;
                    }
                }
                case "key" -> {
                    if (v != null && !(v instanceof String s && (s.length() <= 4096 || codePoints(s) <= 4096))) {
                        return false;
                    }
                }
                case "headers" -> {
                    if (v != null && !(v instanceof Map<?, ?> m && headers(m))) {
                        return false;
                    }
                }
                default -> {
                    return false;
                }
            }
        }
        return required == 3;
    }

    /** {@code ^[A-Za-z0-9._-]+$}, 1 to 249 characters. */
    static boolean topic(String t) {
        if (t == null || t.isEmpty() || t.length() > 249) {
            return false;
        }
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c >= 128 || !TOPIC_CHAR[c]) {
                return false;
            }
        }
        return true;
    }

    /** 1 to 255 code points, and {@code \S} (JDK: anything but space, \t, \n, \x0B, \f, \r) somewhere. */
    static boolean eventType(String e) {
        if (e == null || e.isEmpty() || e.length() > 510 || e.length() > 255 && codePoints(e) > 255) {
            return false;
        }
        for (int i = 0; i < e.length(); i++) {
            char c = e.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\u000B' && c != '\f' && c != '\r') {
                return true;
            }
        }
        return false;
    }

    /** The UUID pattern: 8-4-4-4-12 hex digits, nothing around them. */
    static boolean uuid(String s) {
        if (s == null || s.length() != 36) {
            return false;
        }
        if (s.charAt(8) != '-' || s.charAt(13) != '-' || s.charAt(18) != '-' || s.charAt(23) != '-') {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(i);
            if ((c >= 128 || !HEX[c]) && i != 8 && i != 13 && i != 18 && i != 23) {
                return false;
            }
        }
        return true;
    }

    /** Header names of 1 to 255 code points, string values (no nulls). */
    static boolean headers(Map<?, ?> headers) {
        if (headers == null) {
            return true;
        }
        for (Map.Entry<?, ?> h : headers.entrySet()) {
            if (!(h.getKey() instanceof String name) || !(h.getValue() instanceof String)) {
                return false;
            }
            if (name.isEmpty() || name.length() > 255 && codePoints(name) > 255) {
                return false;
            }
        }
        return true;
    }

    private static int codePoints(String s) {
        return s.codePointCount(0, s.length());
    }
}
