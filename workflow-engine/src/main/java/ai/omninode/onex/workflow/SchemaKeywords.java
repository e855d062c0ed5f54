package ai.omninode.onex.workflow;

import ai.omninode.onex.contract.YamlDocument;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The keys of a JSON Schema that are no keyword of draft 2020-12 (validation, applicator, core, meta-data, format,
 * content, unevaluated): a validator ignores them, so a misspelling ({@code propertiez}, {@code requird}) checks
 * nothing, without a word. Walked where the draft puts subschemas; what is under {@code properties} are names, not
 * keywords, and the values of {@code default}, {@code examples}, {@code const} and {@code enum} are data.
 */
final class SchemaKeywords {
    static final Set<String> KEYWORDS = Set.of(
            "$schema", "$id", "$ref", "$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary", "$comment", "$defs",
            "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
            "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxContains", "minContains",
            "maxProperties", "minProperties", "required", "dependentRequired",
            "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas", "prefixItems", "items",
            "contains", "properties", "patternProperties", "additionalProperties", "propertyNames",
            "unevaluatedItems", "unevaluatedProperties",
            "title", "description", "default", "deprecated", "readOnly", "writeOnly", "examples",
            "format", "contentEncoding", "contentMediaType", "contentSchema",
            // earlier drafts' names that validators still read, and that schemas copied from them carry
            "definitions", "dependencies");

    /** Keywords whose value is one subschema. */
    private static final Set<String> ONE = Set.of("not", "if", "then", "else", "items", "contains",
            "additionalProperties", "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema");
    /** Keywords whose value is a list of subschemas. */
    private static final Set<String> LIST = Set.of("allOf", "anyOf", "oneOf", "prefixItems");
    /** Keywords whose value maps names to subschemas. */
    private static final Set<String> MAP = Set.of("properties", "patternProperties", "$defs", "definitions",
            "dependentSchemas");

    private static final int MAX_DEPTH = 200;

    private SchemaKeywords() {
    }

    /** JSON pointer of each unknown key in {@code schema} (at {@code pointer}) to the key, in document order. */
    static Map<String, String> unknown(JsonNode schema, String pointer) {
        Map<String, String> out = new LinkedHashMap<>();
        walk(schema, pointer, out, 0);
        return out;
    }

    private static void walk(JsonNode schema, String pointer, Map<String, String> out, int depth) {
        if (schema == null || !schema.isObject() || depth > MAX_DEPTH) {
            return;
        }
        for (String key : schema.propertyNames()) {
            String at = pointer + "/" + YamlDocument.escape(key);
            JsonNode value = schema.get(key);
            if (!KEYWORDS.contains(key)) {
                out.put(at, key);
            } else if (ONE.contains(key)) {
                walk(value, at, out, depth + 1);
            } else if (LIST.contains(key) && value.isArray()) {
                for (int i = 0; i < value.size(); i++) {
                    walk(value.get(i), at + "/" + i, out, depth + 1);
                }
            } else if (MAP.contains(key) && value.isObject()) {
                for (String name : value.propertyNames()) {
                    walk(value.get(name), at + "/" + YamlDocument.escape(name), out, depth + 1);
                }
            }
        }
    }
}
