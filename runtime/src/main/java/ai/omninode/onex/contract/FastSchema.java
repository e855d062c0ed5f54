package ai.omninode.onex.contract;

import com.networknt.schema.regex.RegularExpressions;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The plain keywords of a draft 2020-12 schema, the ones node contracts and workflow inputs use ({@code type},
 * {@code properties}, {@code required}, {@code additionalProperties}, {@code items}, lengths, sizes, bounds,
 * {@code pattern}, string {@code enum} and {@code const}, {@code propertyNames}), checked by walking the instance once.
 * The validator (networknt) builds an execution context, paths and error lists for every value, which made it the
 * largest cost of a step; most instances are valid, so this answers those.
 *
 * <p>Why hand-written next to a maintained validator (measured): networknt's validation was 16 % of the
 * {@code onex serve} process's JFR CPU samples; answering valid instances here took the engine and nodes' CPU per
 * run from 0.49 to 0.42 ms (RunnerBench, 8 callers). {@code FastSchemaTest} checks it against networknt on random
 * documents.
 *
 * <p>{@link #accepts} is {@code true} only when the validator would find no violation, with its own rules (lengths
 * in code points, {@code pattern} searched with the JDK's regular expressions after the validator's rewriting, numbers
 * compared exactly); {@code false} means "not sure": ask the validator, which also says what is wrong. A schema with
 * any other keyword ({@code $ref}, {@code anyOf}, {@code format}, ...) is not compiled at all ({@link #compile} returns
 * null).
 */
final class FastSchema {
    private static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "$comment", "title", "description",
            "examples", "default", "deprecated");
    private static final int OBJECT = 1;
    private static final int ARRAY = 2;
    private static final int STRING = 4;
    private static final int INTEGER = 8;
    private static final int NUMBER = 16;
    private static final int BOOLEAN = 32;
    private static final int NULL = 64;
    private static final Map<String, Integer> TYPES = Map.of("object", OBJECT, "array", ARRAY, "string", STRING,
            "integer", INTEGER, "number", NUMBER, "boolean", BOOLEAN, "null", NULL);
    private static final FastSchema ANYTHING = new FastSchema();

    private boolean nothing;
    /** Allowed types as a bit set; 0 for any. */
    private int types;
    private Map<String, FastSchema> properties = Map.of();
    private String[] required = new String[0];
    private boolean closed;
    private FastSchema additional;
    private FastSchema items;
    private FastSchema propertyNames;
    private long minItems = -1;
    private long maxItems = -1;
    private long minLength = -1;
    private long maxLength = -1;
    private long minProperties = -1;
    private long maxProperties = -1;
    private Pattern pattern;
    private JsonNode minimum;
    private JsonNode maximum;
    private JsonNode exclusiveMinimum;
    private JsonNode exclusiveMaximum;
    /** {@code enum} or {@code const}: the allowed strings, booleans and nulls; null when there is neither. */
    private Set<JsonNode> allowed;

    private FastSchema() {
    }

    /** {@code schema} compiled, or null when it uses anything beyond the plain keywords. */
    static FastSchema compile(JsonNode schema) {
        try {
            return schema == null ? null : compileNode(schema);
        } catch (RuntimeException unusual) {
            return null; // the validator handles whatever this does not understand
        }
    }

    private static FastSchema compileNode(JsonNode node) {
        if (node.isBoolean()) {
            if (node.asBoolean()) {
                return ANYTHING;
            }
            FastSchema none = new FastSchema();
            none.nothing = true;
            return none;
        }
        if (!node.isObject()) {
            return null;
        }
        FastSchema s = new FastSchema();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            boolean ok = switch (e.getKey()) {
                case "type" -> (s.types = types(v)) != 0;
                case "properties" -> (s.properties = properties(v)) != null;
                case "required" -> (s.required = strings(v)) != null;
                case "additionalProperties" -> {
                    if (v.isBoolean() && !v.asBoolean()) {
                        s.closed = true;
                        yield true;
                    }
                    yield (s.additional = compileNode(v)) != null;
                }
                case "items" -> (s.items = compileNode(v)) != null;
                case "propertyNames" -> (s.propertyNames = compileNode(v)) != null;
                case "minItems" -> (s.minItems = count(v)) >= 0;
                case "maxItems" -> (s.maxItems = count(v)) >= 0;
                case "minLength" -> (s.minLength = count(v)) >= 0;
                case "maxLength" -> (s.maxLength = count(v)) >= 0;
                case "minProperties" -> (s.minProperties = count(v)) >= 0;
                case "maxProperties" -> (s.maxProperties = count(v)) >= 0;
                case "pattern" -> (s.pattern = pattern(v)) != null;
                case "minimum" -> (s.minimum = bound(v)) != null;
                case "maximum" -> (s.maximum = bound(v)) != null;
                case "exclusiveMinimum" -> (s.exclusiveMinimum = bound(v)) != null;
                case "exclusiveMaximum" -> (s.exclusiveMaximum = bound(v)) != null;
                case "enum" -> v.isArray() && s.allow(v);
                case "const" -> s.allow(JsonNodeFactory.instance.arrayNode().add(v));
                default -> ANNOTATIONS.contains(e.getKey());
            };
            if (!ok) {
                return null;
            }
        }
        return s;
    }

    private static int types(JsonNode v) {
        if (v.isString()) {
            return TYPES.getOrDefault(v.asString(), 0);
        }
        int bits = 0;
        if (!v.isArray() || v.isEmpty()) {
            return 0;
        }
        for (JsonNode t : v) {
            int bit = t.isString() ? TYPES.getOrDefault(t.asString(), 0) : 0;
            if (bit == 0) {
                return 0;
            }
            bits |= bit;
        }
        return bits;
    }

    private static Map<String, FastSchema> properties(JsonNode v) {
        if (!v.isObject()) {
            return null;
        }
        Map<String, FastSchema> out = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = v.properties().iterator(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            FastSchema p = compileNode(e.getValue());
            if (p == null) {
                return null;
            }
            out.put(e.getKey(), p);
        }
        return out;
    }

    private static String[] strings(JsonNode v) {
        if (!v.isArray()) {
            return null;
        }
        String[] out = new String[v.size()];
        for (int i = 0; i < out.length; i++) {
            if (!v.get(i).isString()) {
                return null;
            }
            out[i] = v.get(i).asString();
        }
        return out;
    }

    private static long count(JsonNode v) {
        return v.isIntegralNumber() && v.canConvertToLong() && v.asLong() >= 0 ? v.asLong() : -1;
    }

    private static JsonNode bound(JsonNode v) {
        return v.isNumber() && Double.isFinite(v.asDouble()) ? v : null;
    }

    private static Pattern pattern(JsonNode v) {
        if (!v.isString()) {
            return null;
        }
        try {
            // exactly what the validator's default (JDK) regular expressions compile
            return Pattern.compile(RegularExpressions.replaceLongformCharacterProperties(
                    RegularExpressions.replaceDollarAnchors(v.asString())));
        } catch (PatternSyntaxException e) {
            return null;
        }
    }

    private boolean allow(JsonNode values) {
        Set<JsonNode> set = new HashSet<>();
        for (JsonNode value : values) {
            if (!(value.isString() || value.isBoolean() || value.isNull())) {
                return false; // numbers and structures compare by rules of their own
            }
            set.add(value);
        }
        if (allowed != null) {
            set.retainAll(allowed); // enum and const together
        }
        allowed = set;
        return true;
    }

    /** True only when the validator finds no violation in {@code instance}; false when it might. */
    boolean accepts(JsonNode instance) {
        if (this == ANYTHING) {
            return true;
        }
        if (nothing || instance == null) {
            return false;
        }
        int type = typeOf(instance);
        if (type == 0 || types != 0 && (type & types) == 0) {
            return false;
        }
        if (allowed != null && !allowed.contains(instance)) {
            return false;
        }
        if ((type & STRING) != 0) {
            return acceptsString(instance.asString());
        }
        if ((type & NUMBER) != 0) {
            return acceptsNumber(instance);
        }
        if (type == OBJECT) {
            return acceptsObject(instance);
        }
        if (type == ARRAY) {
            return acceptsArray(instance);
        }
        return true;
    }

    /** The instance's type bits; integers are numbers too; 0 for what JSON cannot hold (or a float that may be 1.0). */
    private static int typeOf(JsonNode n) {
        if (n.isObject()) {
            return OBJECT;
        }
        if (n.isArray()) {
            return ARRAY;
        }
        if (n.isString()) {
            return STRING;
        }
        if (n.isIntegralNumber()) {
            return INTEGER | NUMBER;
        }
        if (n.isNumber()) {
            // a number with a decimal point; one with no fraction may be an integer to the validator too, so this does
            // not claim it is one (a schema that asks for integers only leaves it to the validator)
            return Double.isFinite(n.asDouble()) ? NUMBER : 0;
        }
        if (n.isBoolean()) {
            return BOOLEAN;
        }
        if (n.isNull()) {
            return NULL;
        }
        return 0;
    }

    private boolean acceptsString(String s) {
        if (minLength >= 0 || maxLength >= 0) {
            int length = s.codePointCount(0, s.length());
            if (minLength >= 0 && length < minLength || maxLength >= 0 && length > maxLength) {
                return false;
            }
        }
        return pattern == null || pattern.matcher(s).find();
    }

    private boolean acceptsNumber(JsonNode n) {
        return (minimum == null || compare(n, minimum) >= 0) && (maximum == null || compare(n, maximum) <= 0)
                && (exclusiveMinimum == null || compare(n, exclusiveMinimum) > 0)
                && (exclusiveMaximum == null || compare(n, exclusiveMaximum) < 0);
    }

    /**
     * {@code n} against {@code bound}: exactly for whole numbers; otherwise in both decimal and binary floating point,
     * and 0 ("on the bound", which no strict comparison accepts) when the two disagree.
     */
    private static int compare(JsonNode n, JsonNode bound) {
        if (n.isIntegralNumber() && n.canConvertToLong() && bound.isIntegralNumber() && bound.canConvertToLong()) {
            return Long.compare(n.asLong(), bound.asLong());
        }
        int decimal = Integer.signum(n.decimalValue().compareTo(bound.decimalValue()));
        int binary = Integer.signum(Double.compare(n.asDouble(), bound.asDouble()));
        return decimal == binary ? decimal : 0;
    }

    private boolean acceptsObject(JsonNode o) {
        int size = o.size();
        if (minProperties >= 0 && size < minProperties || maxProperties >= 0 && size > maxProperties) {
            return false;
        }
        for (String r : required) {
            if (!o.has(r)) {
                return false;
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = o.properties().iterator(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            FastSchema p = properties.get(e.getKey());
            if (p != null) {
                if (!p.accepts(e.getValue())) {
                    return false;
                }
            } else if (closed || additional != null && !additional.accepts(e.getValue())) {
                return false;
            }
            if (propertyNames != null && !propertyNames.accepts(JsonNodeFactory.instance.stringNode(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private boolean acceptsArray(JsonNode a) {
        int size = a.size();
        if (minItems >= 0 && size < minItems || maxItems >= 0 && size > maxItems) {
            return false;
        }
        if (items != null) {
            for (JsonNode item : a) {
                if (!items.accepts(item)) {
                    return false;
                }
            }
        }
        return true;
    }
}
