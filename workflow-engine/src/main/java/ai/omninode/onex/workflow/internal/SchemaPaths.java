package ai.omninode.onex.workflow.internal;

import ai.omninode.onex.contract.Suggestions;
import ai.omninode.onex.workflow.Expression;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Follows an expression's path through a JSON Schema to tell, where the schema is certain, that the path cannot
 * exist: a member a closed object ({@code additionalProperties: false}) does not declare, an index into something
 * that is never a list, {@code .length} of a number. Wherever the schema leaves room ({@code anyOf}, remote
 * {@code $ref}, open objects), it says nothing: only certain errors are reported.
 */
public final class SchemaPaths {
    private SchemaPaths() {
    }

    /** Why the path of {@code e} (after its root) cannot exist in values of {@code schema}; null if it may. */
    public static String missing(JsonNode schema, Expression e) {
        JsonNode node = schema;
        List<Expression.Accessor> path = e.path();
        for (int i = 0; i < path.size(); i++) {
            node = deref(node, schema);
            if (node == null || !node.isObject() || node.has("anyOf") || node.has("oneOf") || node.has("allOf")
                    || node.has("if") || node.has("$dynamicRef")) {
                return null;
            }
            Set<String> types = types(node);
            Expression.Accessor a = path.get(i);
            String at = "'" + e.pathText(i) + "'";
            if (a instanceof Expression.Member m && m.isLength()
                    && (types.isEmpty() || types.contains("array") || types.contains("object") || types.contains("string"))) {
                // a size, even of a map with a member named length (that member is ["length"]); a path after it
                // is the loader's to report
                return null;
            }
            if (a instanceof Expression.Member || a instanceof Expression.Key) {
                String name = a instanceof Expression.Member m ? m.name() : ((Expression.Key) a).name();
                if (!types.isEmpty() && !types.contains("object")) {
                    return at + " is " + String.join(" or ", types) + ", so it has no member '" + name + "'";
                }
                JsonNode props = node.get("properties");
                if (props != null && props.has(name)) {
                    node = props.get(name);
                    continue;
                }
                JsonNode additional = node.get("additionalProperties");
                if (additional != null && additional.isBoolean() && !additional.asBoolean() && !node.has("patternProperties")) {
                    List<String> names = new ArrayList<>();
                    if (props != null) {
                        for (Iterator<String> it = props.propertyNames().iterator(); it.hasNext();) {
                            names.add(it.next());
                        }
                    }
                    return at + " has no member '" + name + "'" + Suggestions.didYouMean(name, names)
                            + (names.isEmpty() ? "" : "; it has: " + String.join(", ", names));
                }
                if (additional != null && additional.isObject()) {
                    node = additional;
                    continue;
                }
                return null;
            }
            int index = ((Expression.Index) a).index();
            if (!types.isEmpty() && !types.contains("array")) {
                return at + " is " + String.join(" or ", types) + ", not a list, so [" + index + "] does not apply";
            }
            JsonNode items = node.get("items");
            if (items == null || !items.isObject() || node.has("prefixItems")) {
                return null;
            }
            node = items;
        }
        return null;
    }

    private static JsonNode deref(JsonNode node, JsonNode root) {
        Set<String> seen = new HashSet<>();
        while (node != null && node.isObject() && node.has("$ref")) {
            String ref = node.get("$ref").asString("");
            if (!ref.startsWith("#") || !seen.add(ref) || node.size() > 1) {
                return null; // remote refs, loops, or $ref beside other keywords: not certain
            }
            JsonNode target = ref.equals("#") ? root : root.at(ref.substring(1));
            node = target.isMissingNode() ? null : target;
        }
        return node;
    }

    private static Set<String> types(JsonNode node) {
        Set<String> types = new HashSet<>();
        JsonNode t = node.get("type");
        if (t == null) {
            return types;
        }
        if (t.isString()) {
            types.add(t.asString());
        } else if (t.isArray()) {
            t.forEach(x -> types.add(x.asString()));
        }
        if (types.contains("integer")) {
            types.add("number");
        }
        return types;
    }
}
