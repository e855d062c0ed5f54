package ai.omninode.onex.contract;

import com.networknt.schema.regex.RegularExpressions;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import tools.jackson.databind.JsonNode;

/**
 * What the validator (networknt) would only find by failing badly, checked on the schema's own tree so that each
 * is a {@link Violation} at its place: a {@code pattern} that is no regular expression (the validator logs it at ERROR
 * and reports a Java exception), and a {@code $ref} that leads back to its own schema without reading any part of the
 * value (the validator recurses until the stack overflows, on the first value it checks).
 */
final class SchemaPreflight {
    /** Keywords whose value is one subschema. */
    private static final Set<String> ONE = Set.of("additionalProperties", "items", "contains", "not", "if", "then",
            "else", "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema", "additionalItems");
    /** Keywords whose value is a list of subschemas. */
    private static final Set<String> LIST = Set.of("allOf", "anyOf", "oneOf", "prefixItems", "items");
    /** Keywords whose value is a map of subschemas. */
    private static final Set<String> MAP = Set.of("properties", "patternProperties", "$defs", "definitions",
            "dependentSchemas", "dependencies");
    /** Keywords that apply their subschemas to the value itself (not to a part of it): a loop through them never ends. */
    private static final Set<String> IN_PLACE_ONE = Set.of("not", "if", "then", "else");
    private static final Set<String> IN_PLACE_LIST = Set.of("allOf", "anyOf", "oneOf");

    private SchemaPreflight() {
    }

    static List<Violation> check(JsonNode root) {
        Map<String, JsonNode> schemas = subschemas(root);
        List<Violation> out = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : schemas.entrySet()) {
            patterns(e.getKey(), e.getValue(), out);
        }
        refLoop(root, schemas, out);
        return out;
    }

    /** Every subschema of {@code root} (an object), {@code root} first, by JSON pointer, in document order. */
    static Map<String, JsonNode> subschemas(JsonNode root) {
        Map<String, JsonNode> schemas = new LinkedHashMap<>();
        collect(root, "", schemas);
        return schemas;
    }

    /** Every subschema (an object) by its JSON pointer; depth is bounded by the reader's nesting limit. */
    private static void collect(JsonNode schema, String pointer, Map<String, JsonNode> out) {
        if (!schema.isObject()) {
            return;
        }
        out.put(pointer, schema);
        for (Map.Entry<String, JsonNode> field : schema.properties()) {
            String key = field.getKey();
            JsonNode value = field.getValue();
            String at = pointer + "/" + YamlDocument.escape(key);
            if (ONE.contains(key) && value.isObject()) {
                collect(value, at, out);
            } else if (LIST.contains(key) && value.isArray()) {
                for (int i = 0; i < value.size(); i++) {
                    collect(value.get(i), at + "/" + i, out);
                }
            } else if (MAP.contains(key) && value.isObject()) {
                for (Map.Entry<String, JsonNode> sub : value.properties()) {
                    collect(sub.getValue(), at + "/" + YamlDocument.escape(sub.getKey()), out);
                }
            }
        }
    }

    private static void patterns(String pointer, JsonNode schema, List<Violation> out) {
        JsonNode pattern = schema.get("pattern");
        if (pattern != null && pattern.isString()) {
            String problem = regexProblem(pattern.asString());
            if (problem != null) {
                out.add(new Violation(pointer + "/pattern", "pattern",
                        "'" + pointer + "/pattern' is not a regular expression: " + problem));
            }
        }
        JsonNode keys = schema.get("patternProperties");
        if (keys != null && keys.isObject()) {
            for (String key : keys.propertyNames()) {
                String problem = regexProblem(key);
                if (problem != null) {
                    String at = pointer + "/patternProperties/" + YamlDocument.escape(key);
                    out.add(new Violation(at, "patternProperties", "'" + at
                            + "': the name is not a regular expression: " + problem));
                }
            }
        }
    }

    /** Why the validator's (JDK) regular expressions refuse {@code regex}, or null. */
    private static String regexProblem(String regex) {
        try {
            Pattern.compile(RegularExpressions.replaceLongformCharacterProperties(
                    RegularExpressions.replaceDollarAnchors(regex)));
            return null;
        } catch (PatternSyntaxException e) {
            return e.getDescription() + (e.getIndex() >= 0 ? " at character " + (e.getIndex() + 1) : "");
        } catch (RuntimeException e) {
            return "it cannot be read";
        }
    }

    /**
     * A {@code $ref} (or a chain of them, through allOf, anyOf, oneOf, not, if, then, else) that comes back to the
     * schema it started from before any keyword descends into a part of the value. Only references inside the
     * document ({@code #...}) are followed.
     */
    private static void refLoop(JsonNode root, Map<String, JsonNode> schemas, List<Violation> out) {
        Map<String, List<String>> anchors = anchors(schemas);
        Map<String, List<String[]>> edges = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : schemas.entrySet()) {
            String from = e.getKey();
            JsonNode schema = e.getValue();
            List<String[]> next = new ArrayList<>();
            for (String keyword : List.of("$ref", "$dynamicRef")) {
                JsonNode ref = schema.get(keyword);
                if (ref == null || !ref.isString() || !ref.asString().startsWith("#")) {
                    continue;
                }
                List<String> targets = targets(ref.asString(), root, anchors);
                if (targets.isEmpty() && keyword.equals("$dynamicRef")) {
                    // the validator resolves a $ref when it compiles the schema, a $dynamicRef only when it checks a
                    // value: this one would fail every value with an exception
                    out.add(new Violation(from + "/" + keyword, keyword, "'" + from + "/" + keyword + "' ("
                            + ref.asString() + ") names no $dynamicAnchor, $anchor or place in this schema"));
                }
                for (String target : targets) {
                    if (schemas.containsKey(target)) {
                        next.add(new String[] {target, from + "/" + keyword, ref.asString()});
                    }
                }
            }
            for (String key : IN_PLACE_ONE) {
                if (schema.path(key).isObject()) {
                    next.add(new String[] {from + "/" + key, null, null});
                }
            }
            for (String key : IN_PLACE_LIST) {
                JsonNode list = schema.path(key);
                for (int i = 0; list.isArray() && i < list.size(); i++) {
                    next.add(new String[] {from + "/" + key + "/" + i, null, null});
                }
            }
            edges.put(from, next);
        }
        Set<String> done = new HashSet<>();
        for (String start : schemas.keySet()) {
            if (done.contains(start)) {
                continue;
            }
            Violation v = loopFrom(start, edges, done);
            if (v != null) {
                out.add(v);
                return; // one loop is enough to refuse the schema; the others are usually the same one
            }
        }
    }

    /** Depth-first search without recursion (a chain of references may be long); marks what it finished. */
    private static Violation loopFrom(String start, Map<String, List<String[]>> edges, Set<String> done) {
        Set<String> onPath = new HashSet<>();
        List<String> path = new ArrayList<>();
        List<Integer> next = new ArrayList<>();
        List<String[]> via = new ArrayList<>();
        path.add(start);
        next.add(0);
        via.add(null);
        onPath.add(start);
        while (!path.isEmpty()) {
            int top = path.size() - 1;
            String node = path.get(top);
            List<String[]> out = edges.getOrDefault(node, List.of());
            int i = next.get(top);
            if (i >= out.size()) {
                done.add(node);
                onPath.remove(node);
                path.remove(top);
                next.remove(top);
                via.remove(top);
                continue;
            }
            next.set(top, i + 1);
            String[] edge = out.get(i);
            if (onPath.contains(edge[0])) {
                // name the reference that closes the loop, or the first one on it
                String[] ref = edge[1] != null ? edge : null;
                for (int k = path.indexOf(edge[0]) + 1; ref == null && k < via.size(); k++) {
                    if (via.get(k) != null && via.get(k)[1] != null) {
                        ref = via.get(k);
                    }
                }
                if (ref == null) {
                    continue; // no $ref on it: not a loop a schema can write
                }
                return new Violation(ref[1], ref[1].substring(ref[1].lastIndexOf('/') + 1), "'" + ref[1] + "' (" + ref[2] + ") leads back to the schema it"
                        + " is in without looking into any part of the value, so checking a value would never end");
            }
            if (!done.contains(edge[0])) {
                path.add(edge[0]);
                next.add(0);
                via.add(edge);
                onPath.add(edge[0]);
            }
        }
        return null;
    }

    /**
     * The pointer of the first {@code $ref} in {@code schema} that names {@code url} (as written, relative to the
     * schema's own file, or as the fragment after its #), or null.
     */
    static String refTo(JsonNode schema, String url) {
        List<JsonNode> nodes = new ArrayList<>(List.of(schema));
        List<String> pointers = new ArrayList<>(List.of(""));
        for (int i = 0; i < nodes.size(); i++) {
            JsonNode n = nodes.get(i);
            String at = pointers.get(i);
            JsonNode ref = n.get("$ref");
            if (ref != null && ref.isString()) {
                String r = ref.asString().replaceFirst("#.*$", "").replaceFirst("^(\\./|\\.\\./)+", "");
                if (url.equals(ref.asString()) || !r.isEmpty() && url.endsWith(r)
                        || ref.asString().endsWith("#" + url)) {
                    return at + "/$ref";
                }
            }
            if (n.isObject()) {
                for (Map.Entry<String, JsonNode> f : n.properties()) {
                    nodes.add(f.getValue());
                    pointers.add(at + "/" + YamlDocument.escape(f.getKey()));
                }
            } else if (n.isArray()) {
                for (int k = 0; k < n.size(); k++) {
                    nodes.add(n.get(k));
                    pointers.add(at + "/" + k);
                }
            }
        }
        return null;
    }

    /** The subschemas' {@code $anchor} and {@code $dynamicAnchor} names, each with the pointers that declare it. */
    private static Map<String, List<String>> anchors(Map<String, JsonNode> schemas) {
        Map<String, List<String>> anchors = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : schemas.entrySet()) {
            for (String keyword : List.of("$anchor", "$dynamicAnchor")) {
                JsonNode anchor = e.getValue().get(keyword);
                if (anchor != null && anchor.isString()) {
                    anchors.computeIfAbsent(anchor.asString(), k -> new ArrayList<>()).add(e.getKey());
                }
            }
        }
        return anchors;
    }

    /**
     * The {@code $ref}s of a schema written inside another document (a workflow's {@code input_schema}) that can name
     * nothing: such a schema has no file of its own to resolve a file name against (the validator looked for one under
     * an internal id and said "no such file", or quoted a Java decoder's message), so a reference must be to a part of
     * itself ({@code #}, {@code #/JSON/pointer}, {@code #anchor}), to a resource it embeds ({@code $id}), or to a
     * JSON Schema meta-schema. Each is named at its {@code $ref}, as written.
     */
    static List<Violation> inlineRefs(JsonNode root) {
        Map<String, JsonNode> schemas = subschemas(root);
        Map<String, List<String>> anchors = anchors(schemas);
        java.util.Set<String> ids = new java.util.HashSet<>();
        schemas.values().forEach(n -> {
            if (n.path("$id").isString()) {
                ids.add(n.get("$id").asString().replaceFirst("#.*$", ""));
            }
        });
        List<Violation> out = new ArrayList<>();
        schemas.forEach((at, n) -> {
            if (!n.path("$ref").isString()) {
                return;
            }
            String ref = n.get("$ref").asString();
            int hash = ref.indexOf('#');
            String resource = hash < 0 ? ref : ref.substring(0, hash);
            String why = null;
            if (!resource.isEmpty()) {
                if (!ids.contains(resource) && !resource.startsWith("https://json-schema.org/")) {
                    why = "names a file, but an input_schema written in the workflow can refer only to parts of itself"
                            + " (#/$defs/NAME, #ANCHOR): put the schema it names under $defs";
                }
            } else if (!wellFormed(ref)) {
                why = "is not a valid JSON pointer (a '%' must start an escape such as %25)";
            } else if (targets(ref, root, anchors).isEmpty()) {
                why = ref.startsWith("#/") ? "names nothing in this schema (no value at " + decoded(ref) + ")"
                        : "names nothing in this schema (no $anchor '" + decoded(ref) + "')";
            }
            if (why != null) {
                out.add(new Violation(at + "/$ref", "$ref", "'$ref' " + ref + " " + why));
            }
        });
        return out;
    }

    private static boolean wellFormed(String ref) {
        try {
            decoded(ref);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A reference's fragment, percent-decoded ({@code +} kept). */
    private static String decoded(String ref) {
        return URLDecoder.decode(ref.substring(ref.indexOf('#') + 1).replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The pointers of the subschemas a reference inside the document ({@code #...}) may name; none for others. */
    private static List<String> targets(String ref, JsonNode root, Map<String, List<String>> anchors) {
        try {
            String fragment = decoded(ref);
            if (fragment.isEmpty()) {
                return List.of("");
            }
            if (!fragment.startsWith("/")) {
                return anchors.getOrDefault(fragment, List.of());
            }
            return root.at(fragment).isMissingNode() ? List.of() : List.of(fragment);
        } catch (IllegalArgumentException e) {
            return List.of(); // a malformed reference: the validator says so when it compiles the schema
        }
    }
}
