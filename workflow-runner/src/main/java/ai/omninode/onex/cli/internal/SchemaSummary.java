package ai.omninode.onex.cli.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A JSON Schema as a few lines for people: one per property (nested objects indented), with its type, whether it is
 * required, its default and its description. What the summary cannot say simply ({@code anyOf}, remote {@code $ref})
 * shows as the keyword.
 */
public final class SchemaSummary {
    private static final int MAX_DEPTH = 4;
    private static final int NAME_WIDTH = 26;
    private static final int DESCRIPTION_WIDTH = 110;

    private SchemaSummary() {
    }

    /** The lines for {@code schema}, each starting with {@code indent}. */
    public static List<String> lines(JsonNode schema, String indent) {
        List<String> out = new ArrayList<>();
        if (schema == null || !schema.isObject()) {
            out.add(indent + "(any value)");
            return out;
        }
        JsonNode props = schema.get("properties");
        if (props == null || props.isEmpty()) {
            out.add(indent + type(schema, schema));
            return out;
        }
        properties(schema, schema, indent, 0, out);
        return out;
    }

    private static void properties(JsonNode object, JsonNode root, String indent, int depth, List<String> out) {
        Set<String> required = new HashSet<>();
        object.path("required").forEach(r -> required.add(r.asString()));
        for (var e : object.get("properties").properties()) {
            JsonNode p = deref(e.getValue(), root);
            StringBuilder line = new StringBuilder(indent);
            String name = e.getKey();
            line.append(name).append(" ".repeat(Math.max(1, NAME_WIDTH - indent.length() - name.length())));
            line.append(type(p, root));
            if (required.contains(name)) {
                line.append(", required");
            }
            if (p.has("default")) {
                JsonNode d = p.get("default");
                line.append(", default ").append(d.isString() ? d.asString() : d.toString());
            }
            String description = p.path("description").asString("");
            if (!description.isEmpty()) {
                line.append("  ").append(shorten(description.replaceAll("\\s+", " ")));
            }
            out.add(line.toString());
            if (depth < MAX_DEPTH && p.path("properties").isObject() && !p.get("properties").isEmpty()) {
                properties(p, root, indent + "  ", depth + 1, out);
            }
        }
        JsonNode additional = object.get("additionalProperties");
        if (additional != null && additional.isBoolean() && !additional.asBoolean()) {
            out.add(indent + "(no other fields)");
        }
    }

    /** {@code string}, {@code integer 0..100}, {@code list of string}, {@code one of admin, broker}, ... */
    static String type(JsonNode p, JsonNode root) {
        if (p == null || !p.isObject()) {
            return "any";
        }
        if (p.has("enum")) {
            List<String> values = new ArrayList<>();
            p.get("enum").forEach(v -> values.add(v.isString() ? v.asString() : v.toString()));
            return "one of " + String.join(", ", values);
        }
        if (p.has("const")) {
            return "always " + p.get("const");
        }
        List<String> types = new ArrayList<>();
        JsonNode t = p.get("type");
        if (t != null && t.isString()) {
            types.add(t.asString());
        } else if (t != null && t.isArray()) {
            t.forEach(x -> types.add(x.asString()));
        }
        if (types.isEmpty()) {
            for (String k : List.of("anyOf", "oneOf", "allOf", "$ref")) {
                if (p.has(k)) {
                    return k.equals("$ref") ? "see " + p.get(k).asString() : k.replace("Of", " of") + " several forms";
                }
            }
            return "any";
        }
        List<String> shown = new ArrayList<>();
        for (String type : types) {
            shown.add(switch (type) {
                case "array" -> "list" + (p.path("items").isObject() ? " of " + type(deref(p.get("items"), root), root) : "");
                case "object" -> "object";
                case "integer", "number" -> type + range(p);
                case "string" -> "string" + length(p);
                default -> type;
            });
        }
        return String.join(" or ", shown);
    }

    private static String range(JsonNode p) {
        boolean min = p.has("minimum");
        boolean max = p.has("maximum");
        if (!min && !max) {
            return "";
        }
        return " " + (min ? p.get("minimum").toString() : "") + ".." + (max ? p.get("maximum").toString() : "");
    }

    private static String length(JsonNode p) {
        if (p.has("pattern")) {
            return " matching " + p.get("pattern").asString();
        }
        if (p.has("maxLength")) {
            return " of at most " + p.get("maxLength") + " characters";
        }
        return p.path("minLength").asInt(0) > 0 ? ", not empty" : "";
    }

    private static JsonNode deref(JsonNode p, JsonNode root) {
        JsonNode node = p;
        for (int i = 0; i < 10 && node != null && node.isObject() && node.has("$ref")
                && node.get("$ref").asString("").startsWith("#"); i++) {
            JsonNode target = root.at(node.get("$ref").asString().substring(1));
            if (target.isMissingNode()) {
                return node;
            }
            node = target;
        }
        return node;
    }

    private static String shorten(String s) {
        return s.length() <= DESCRIPTION_WIDTH ? s : s.substring(0, DESCRIPTION_WIDTH - 3) + "...";
    }
}
