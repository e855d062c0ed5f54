package ai.omninode.onex.workflow;

import ai.omninode.onex.contract.JsonSchema;
import ai.omninode.onex.contract.YamlDocument;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The keys of a JSON Schema that are no keyword of draft 2020-12 (validation, applicator, core, meta-data, format,
 * content, unevaluated): a validator ignores them, so a misspelling ({@code propertiez}, {@code requird}) checks
 * nothing, without a word. Looked for in every subschema ({@link JsonSchema#subschemas}); what is under
 * {@code properties} are names, not keywords, and the values of {@code default}, {@code examples}, {@code const} and
 * {@code enum} are data.
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

    private SchemaKeywords() {
    }

    /** JSON pointer of each unknown key in {@code schema} (at {@code pointer}) to the key, in document order. */
    static Map<String, String> unknown(JsonNode schema, String pointer) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonSchema.subschemas(schema).forEach((at, subschema) -> {
            for (String key : subschema.propertyNames()) {
                if (!KEYWORDS.contains(key)) {
                    out.put(pointer + at + "/" + YamlDocument.escape(key), key);
                }
            }
        });
        return out;
    }
}
