package ai.omninode.onex.workflow.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.BooleanNode;
import tools.jackson.databind.node.DoubleNode;
import tools.jackson.databind.node.IntNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.LongNode;
import tools.jackson.databind.node.NullNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * Step data between the runner's trees and the nodes' plain Java values, as Jackson's {@code convertValue(tree, Map)}
 * and {@code valueToTree(map)} convert it, but by walking it once: those go through a token buffer and a deserializer
 * for every value, which was a tenth of a run. Data with anything but maps, lists, strings, ints, longs, doubles,
 * booleans and nulls (or deeper than {@value #MAX_DEPTH}) is converted by Jackson as before, whole, so that every
 * other value, and every error, is exactly Jackson's.
 */
public final class PlainData {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_DEPTH = 200;

    private PlainData() {
    }

    /** {@code object} as a new, mutable map of plain values: {@code convertValue(object, Map<String, Object>)}. */
    public static Map<String, Object> toMap(JsonNode object) {
        if (object instanceof ObjectNode o) {
            try {
                return map(o, 0);
            } catch (Unusual u) {
                // below: Jackson's own conversion
            }
        }
        return MAPPER.convertValue(object, MAP);
    }

    /** {@code value} as a tree: {@code valueToTree(value)}; throws as Jackson does for data that is not plain. */
    public static JsonNode toTree(Object value) {
        try {
            return tree(value, 0);
        } catch (Unusual u) {
            return MAPPER.valueToTree(value);
        }
    }

    private static Map<String, Object> map(ObjectNode o, int depth) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = o.properties().iterator(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), java(e.getValue(), depth + 1));
        }
        return out;
    }

    private static Object java(JsonNode n, int depth) {
        if (depth > MAX_DEPTH) {
            throw Unusual.INSTANCE;
        }
        if (n instanceof StringNode) {
            return n.asString();
        }
        if (n instanceof ObjectNode o) {
            return map(o, depth);
        }
        if (n instanceof ArrayNode a) {
            List<Object> out = new ArrayList<>(a.size());
            for (JsonNode item : a) {
                out.add(java(item, depth + 1));
            }
            return out;
        }
        if (n instanceof IntNode) {
            return n.intValue();
        }
        if (n instanceof LongNode) {
            return n.longValue();
        }
        if (n instanceof DoubleNode) {
            return n.doubleValue();
        }
        if (n instanceof BooleanNode) {
            return n.booleanValue();
        }
        if (n instanceof NullNode) {
            return null;
        }
        throw Unusual.INSTANCE;
    }

    private static JsonNode tree(Object v, int depth) {
        if (depth > MAX_DEPTH) {
            throw Unusual.INSTANCE;
        }
        if (v == null) {
            return NODES.nullNode();
        }
        if (v instanceof String s) {
            return NODES.stringNode(s);
        }
        if (v instanceof Map<?, ?> m) {
            ObjectNode out = NODES.objectNode();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw Unusual.INSTANCE;
                }
                out.set(key, tree(e.getValue(), depth + 1));
            }
            return out;
        }
        if (v instanceof List<?> l) {
            ArrayNode out = NODES.arrayNode(l.size());
            for (Object item : l) {
                out.add(tree(item, depth + 1));
            }
            return out;
        }
        if (v instanceof Integer i) {
            return NODES.numberNode(i.intValue());
        }
        if (v instanceof Long l) {
            return NODES.numberNode(l.longValue());
        }
        if (v instanceof Double d) {
            return NODES.numberNode(d.doubleValue());
        }
        if (v instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        throw Unusual.INSTANCE;
    }

    /** Data this class leaves to Jackson; thrown without a stack trace, and only out of the walk. */
    private static final class Unusual extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final Unusual INSTANCE = new Unusual();

        private Unusual() {
            super(null, null, false, false);
        }
    }
}
