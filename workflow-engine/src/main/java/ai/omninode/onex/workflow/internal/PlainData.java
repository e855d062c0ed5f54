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
    /** An object with no properties fails (Jackson 3 writes {@code {}} for it, and a node's value would vanish). */
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(tools.jackson.databind.SerializationFeature.FAIL_ON_EMPTY_BEANS).build();
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
            String loop = loop(value);
            if (loop != null) {
                // Jackson would follow it until the thread's stack ends: a StackOverflowError, not a step failure
                throw new IllegalArgumentException("a map or list contains itself, at " + loop);
            }
            JsonNode tree;
            try {
                tree = MAPPER.valueToTree(value);
            } catch (StackOverflowError e) {
                throw new IllegalArgumentException("it is nested deeper than the thread's stack allows");
            }
            if (deeperThanLimit(tree)) {
                // as deep as no input may be: writing it as JSON, or a schema check, would fail or run out of stack
                throw new IllegalArgumentException("it is nested deeper than " + MAX_DEPTH + " levels");
            }
            return tree;
        }
    }

    private static String nonFinite(double d) {
        return "the number " + d + " has no JSON form (NaN and infinities are not JSON numbers)";
    }

    /**
     * Whether {@code tree} nests deeper than {@value #MAX_DEPTH} levels; walked with a stack of its own. Throws for a
     * NaN or infinite number on the way.
     */
    private static boolean deeperThanLimit(JsonNode tree) {
        java.util.ArrayDeque<JsonNode> level = new java.util.ArrayDeque<>();
        java.util.ArrayDeque<JsonNode> next = new java.util.ArrayDeque<>();
        level.add(tree);
        for (int depth = 0; !level.isEmpty(); depth++) {
            if (depth > MAX_DEPTH) {
                return true;
            }
            for (JsonNode n : level) {
                if ((n.isDouble() || n.isFloat()) && !Double.isFinite(n.doubleValue())) { // a BigDecimal is finite
                    throw new IllegalArgumentException(nonFinite(n.doubleValue()));
                }
                if (n.isContainer()) {
                    n.values().forEach(next::add);
                }
            }
            java.util.ArrayDeque<JsonNode> done = level;
            level = next;
            next = done;
            next.clear();
        }
        return false;
    }

    /**
     * The JSON pointer of the first map or list in {@code value} that contains itself (an ancestor of its own), or
     * null. Walked with a stack of its own, so that data deeper than the thread's stack is no problem here.
     */
    static String loop(Object value) {
        java.util.Set<Object> path = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        // {container, its children, the frame of its parent, its key there}: the pointer is built only for a loop
        java.util.ArrayDeque<Object[]> stack = new java.util.ArrayDeque<>();
        if (!(value instanceof Map<?, ?> || value instanceof Iterable<?>)) {
            return null;
        }
        path.add(value);
        stack.push(new Object[] {value, children(value), null, null});
        while (!stack.isEmpty()) {
            Object[] top = stack.peek();
            @SuppressWarnings("unchecked")
            Iterator<Map.Entry<String, Object>> it = (Iterator<Map.Entry<String, Object>>) top[1];
            if (!it.hasNext()) {
                path.remove(top[0]);
                stack.pop();
                continue;
            }
            Map.Entry<String, Object> child = it.next();
            Object v = child.getValue();
            if (v instanceof Map<?, ?> || v instanceof Iterable<?>) {
                Object[] frame = {v, null, top, child.getKey()};
                if (!path.add(v)) {
                    return pointer(frame);
                }
                frame[1] = children(v);
                stack.push(frame);
            }
        }
        return null;
    }

    private static String pointer(Object[] frame) {
        java.util.ArrayDeque<String> keys = new java.util.ArrayDeque<>();
        for (Object[] f = frame; f[2] != null; f = (Object[]) f[2]) {
            keys.push(((String) f[3]).replace("~", "~0").replace("/", "~1"));
        }
        StringBuilder out = new StringBuilder();
        keys.forEach(k -> out.append('/').append(k));
        return out.toString();
    }

    /** A container's children as (key or index, value) pairs. */
    private static Iterator<Map.Entry<String, Object>> children(Object container) {
        if (container instanceof Map<?, ?> m) {
            Iterator<? extends Map.Entry<?, ?>> entries = m.entrySet().iterator();
            return new Iterator<>() {
                public boolean hasNext() {
                    return entries.hasNext();
                }

                public Map.Entry<String, Object> next() {
                    Map.Entry<?, ?> e = entries.next();
                    return Map.entry(String.valueOf(e.getKey()), e.getValue() == null ? "" : e.getValue());
                }
            };
        }
        Iterator<?> items = ((Iterable<?>) container).iterator();
        return new Iterator<>() {
            private int index;

            public boolean hasNext() {
                return items.hasNext();
            }

            public Map.Entry<String, Object> next() {
                Object item = items.next();
                return Map.entry(Integer.toString(index++), item == null ? "" : item);
            }
        };
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
            if (!Double.isFinite(d)) {
                throw new IllegalArgumentException(nonFinite(d));
            }
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
