package ai.omninode.onex.contract;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaException;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.AnnotationKeyword;
import java.net.URL;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A compiled JSON Schema (draft 2020-12), with violations reported as {@link Violation}s whose messages name the
 * field and the rule. Thread-safe; compile once, validate many times.
 */
public final class JsonSchema {
    /**
     * The JSON Schema versions a schema may name in {@code $schema}: any other is refused with a message, where the
     * validator's default registry logged an error with a stack trace. A keyword none of them knows is an annotation, as
     * the specification says, without the validator's warning on stderr for each one.
     */
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDialects(
            List.of(quiet(Dialects.getDraft202012()), quiet(Dialects.getDraft201909()), quiet(Dialects.getDraft7()),
                    quiet(Dialects.getDraft6()), quiet(Dialects.getDraft4())),
            b -> b.defaultDialectId(Dialects.getDraft202012().getId()));
    private static final Pattern UNKNOWN_DIALECT = Pattern.compile("Unknown dialect '(.*)'\\..*", Pattern.DOTALL);
    private static final Pattern UNRESOLVED = Pattern.compile("Reference (\\S+) cannot be resolved");
    private static final Pattern NOT_FOUND = Pattern.compile("java\\.io\\.FileNotFoundException: (\\S+)");
    private static final Pattern JAVA_EXCEPTION = Pattern.compile("^(?:[a-z][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error): ");
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final String META_SCHEMA = "https://json-schema.org/draft/2020-12/schema";

    private final Schema schema;
    private final JsonNode schemaNode;
    private final String source;
    /** The schema's plain keywords as code, for the valid instances; null when it uses others. */
    private final FastSchema fast;

    private JsonSchema(Schema schema, JsonNode schemaNode, String source) {
        this.schema = schema;
        this.schemaNode = schemaNode;
        this.source = source;
        this.fast = FastSchema.compile(schemaNode);
    }

    /**
     * Reads and compiles a schema file (JSON or YAML). The schema is itself checked against the draft 2020-12
     * meta-schema, so a typo such as {@code "type": "strng"} is reported with its line.
     */
    public static JsonSchema load(URL url, String source) {
        YamlDocument doc = YamlReader.defaults().read(url, source);
        return compile(doc, url.toString());
    }

    /** Compiles a schema that was already parsed (its problems point into {@code doc}). */
    public static JsonSchema compile(YamlDocument doc, String id) {
        List<Problem> problems = new ArrayList<>();
        for (Violation v : metaSchema().validate(doc.root())) {
            problems.add(locate(doc, v).as(Rules.SCHEMA_INVALID));
        }
        for (Violation v : SchemaPreflight.check(doc.root())) {
            problems.add(locate(doc, v).as(Rules.SCHEMA_INVALID));
        }
        if (!problems.isEmpty()) {
            throw new ValidationException(problems);
        }
        try {
            Schema schema = REGISTRY.getSchema(SchemaLocation.of(id), doc.root());
            schema.initializeValidators();
            return new JsonSchema(schema, doc.root(), doc.source());
        } catch (SchemaException | IllegalArgumentException e) {
            throw new ValidationException(notUsable(doc, "", e).as(Rules.SCHEMA_INVALID));
        }
    }

    /**
     * Compiles the schema written at {@code pointer} inside a document (a workflow's inline {@code input_schema}, say),
     * checked against the draft 2020-12 meta-schema first; problems point into {@code doc}.
     */
    public static JsonSchema compileAt(YamlDocument doc, String pointer, String id) {
        JsonNode node = doc.root().at(pointer);
        List<Problem> problems = new ArrayList<>();
        for (Violation v : metaSchema().validate(node)) {
            problems.add(locate(doc, new Violation(pointer + v.pointer(), v.keyword(), v.message())));
        }
        for (Violation v : SchemaPreflight.check(node)) {
            problems.add(locate(doc, new Violation(pointer + v.pointer(), v.keyword(), v.message())));
        }
        for (Violation v : SchemaPreflight.inlineRefs(node)) {
            problems.add(locate(doc, new Violation(pointer + v.pointer(), v.keyword(), v.message())));
        }
        if (!problems.isEmpty()) {
            throw new ValidationException(problems);
        }
        try {
            Schema schema = REGISTRY.getSchema(SchemaLocation.of(id), node);
            schema.initializeValidators();
            return new JsonSchema(schema, node, doc.source());
        } catch (SchemaException | IllegalArgumentException e) {
            throw new ValidationException(notUsable(doc, pointer, e));
        }
    }

    /**
     * Every subschema of {@code schema} (objects where JSON Schema puts subschemas: under properties, items, allOf,
     * $defs, ...), {@code schema} itself first at "", by JSON pointer relative to it, in document order.
     */
    public static Map<String, JsonNode> subschemas(JsonNode schema) {
        return SchemaPreflight.subschemas(schema);
    }

    /** Compiles a schema given as a tree, for schemas built in code. */
    public static JsonSchema of(JsonNode schemaNode, String source) {
        Objects.requireNonNull(schemaNode, "schemaNode");
        Schema schema = REGISTRY.getSchema(SchemaLocation.of("urn:onex:" + source.replace(' ', '_')), schemaNode);
        schema.initializeValidators();
        return new JsonSchema(schema, schemaNode, source);
    }

    private static Dialect quiet(Dialect dialect) {
        return Dialect.builder(dialect).unknownKeywordFactory((keyword, context) -> new AnnotationKeyword(keyword)).build();
    }

    /**
     * Why the validator could not compile the schema at {@code pointer}, in words for its author: it names a reference
     * it could not load, or a {@code $schema} it does not know, by the Java exception it caught.
     */
    private static Problem notUsable(YamlDocument doc, String pointer, RuntimeException e) {
        String message = e.getMessage() == null ? "" : e.getMessage().strip();
        JsonNode schema = doc.root().at(pointer);
        Matcher dialect = UNKNOWN_DIALECT.matcher(message);
        if (dialect.matches() && schema.has("$schema")) {
            return doc.problemAt(pointer + "/$schema", "'$schema' is " + dialect.group(1) + ", a JSON Schema version "
                    + "this validator does not read; write " + META_SCHEMA + " (draft 2020-12), or leave $schema out");
        }
        Matcher notFound = NOT_FOUND.matcher(message);
        if (notFound.find()) {
            String url = notFound.group(1);
            String ref = SchemaPreflight.refTo(schema, url);
            return doc.problemAt(ref == null ? pointer : pointer + ref, "'$ref' " + url + " cannot be read: "
                    + (url.startsWith("http:") || url.startsWith("https:")
                            ? "schemas are not fetched from the network; save it next to this schema and refer to it by "
                                    + "its file name"
                            : "no such file"));
        }
        Matcher unresolved = UNRESOLVED.matcher(message);
        String ref = unresolved.find() ? SchemaPreflight.refTo(schema, unresolved.group(1)) : null;
        if (ref != null) {
            return doc.problemAt(pointer + ref, "'$ref' " + schema.at(ref).asString() + " names nothing in this schema"
                    + (unresolved.group(1).startsWith("/") ? " (no value at " + unresolved.group(1) + ")"
                            : " (no $anchor '" + unresolved.group(1) + "')"));
        }
        return doc.problemAt(pointer, "not a usable JSON Schema: " + JAVA_EXCEPTION.matcher(message).replaceFirst(""));
    }

    private static JsonSchema metaSchema() {
        return MetaHolder.META;
    }

    private static final class MetaHolder {
        static final JsonSchema META = new JsonSchema(REGISTRY.getSchema(SchemaLocation.of(META_SCHEMA)), null, META_SCHEMA);
    }

    public JsonNode schemaNode() {
        return schemaNode;
    }

    public String source() {
        return source;
    }

    public List<Violation> validate(JsonNode instance) {
        if (fast != null && fast.accepts(instance)) {
            return List.of(); // what the validator would say, without its per-value bookkeeping
        }
        List<Error> errors = schema.validate(HugeNumbers.asIntegers(instance));
        if (errors.isEmpty()) {
            return List.of();
        }
        List<Violation> out = new ArrayList<>(errors.size());
        java.util.Set<String> seen = new java.util.HashSet<>();
        // the validator reports each failed branch of an anyOf on its own, which reads as contradictions
        // ("must be one of ..." and "must be a list"); fold the branches that fail at the same value into one
        Map<String, Integer> firstBranch = new HashMap<>();
        for (Error e : errors) {
            Violation v = toViolation(e);
            // one value, one message, once: the meta-schema reaches a keyword by several $dynamicRef paths, and a
            // schema may reach one anyOf by two (a $ref under allOf as well); the second sighting is skipped before it
            // could be folded into a branch again
            if (!seen.add(v.pointer() + '\u0000' + v.message())) {
                continue;
            }
            String anyOf = anyOfOf(e);
            if (anyOf != null && v.pointer().equals(instancePointer(e)) && !v.message().isEmpty()) {
                Integer first = firstBranch.putIfAbsent(anyOf + " " + v.pointer(), out.size());
                if (first != null) {
                    Violation f = out.get(first);
                    String alternative = v.message().substring(fieldName(v.pointer()).length()).strip()
                            .replaceFirst(", found .*$", "");
                    String merged = f.message().endsWith(")") && f.message().contains(" (or else ")
                            ? f.message().substring(0, f.message().length() - 1) + "; or else " + alternative + ")"
                            : f.message() + " (or else " + alternative + ")";
                    out.set(first, new Violation(f.pointer(), f.keyword(), merged));
                    continue;
                }
            }
            out.add(v);
        }
        return out;
    }

    /** The evaluation path of the innermost anyOf the error was found under, or null. */
    private static String anyOfOf(Error e) {
        String path = e.getEvaluationPath() == null ? "" : e.getEvaluationPath().toString();
        int at = path.lastIndexOf("/anyOf/");
        return at < 0 ? null : path.substring(0, at + "/anyOf".length());
    }

    private static String instancePointer(Error e) {
        String at = e.getInstanceLocation() == null ? "" : e.getInstanceLocation().toString();
        return at.equals("/") ? "" : at;
    }

    private static String fieldName(String pointer) {
        return pointer.isEmpty() ? "document" : "'" + pointer + "'";
    }

    /** Validates plain Java data (maps, lists, strings, numbers, booleans, null). */
    public List<Violation> validateValue(Object value) {
        return validate(MAPPER.valueToTree(value));
    }

    /**
     * A violation of the schema of a document of {@code area} ({@code workflow}, {@code contract}) as a located problem
     * with its rule ({@code area.unknown-field}, {@code area.missing-field} or {@code area.invalid-value}).
     */
    public static Problem locate(YamlDocument doc, Violation v, String area) {
        return locate(doc, v).as(Rules.forSchemaKeyword(area, v.keyword()));
    }

    /** Turns a violation into a problem located in {@code doc}: unknown fields point at their key. */
    public static Problem locate(YamlDocument doc, Violation v) {
        if (v.keyword().equals("additionalProperties") || v.keyword().equals("unevaluatedProperties")) {
            return doc.problemAtKey(v.pointer(), v.message());
        }
        return doc.problemAt(v.pointer(), v.message());
    }

    private Violation toViolation(Error e) {
        String keyword = e.getKeyword() == null ? "schema" : e.getKeyword();
        String at = e.getInstanceLocation() == null ? "" : e.getInstanceLocation().toString();
        String pointer = instancePointer(e);
        String field = fieldName(pointer);
        String message;
        switch (keyword) {
            case "required" -> {
                String property = e.getProperty();
                pointer = pointer + "/" + YamlDocument.escape(property == null ? "" : property);
                message = "missing required field '" + property + "'" + (at.isEmpty() || at.equals("/") ? "" : " in " + field);
            }
            case "additionalProperties", "unevaluatedProperties" -> {
                String property = e.getProperty();
                List<String> allowed = allowedProperties(e.getSchemaNode(), e);
                pointer = pointer + "/" + YamlDocument.escape(property == null ? "" : property);
                message = "unknown field '" + property + "'" + (at.isEmpty() || at.equals("/") ? "" : " in " + field)
                        + suggestion(property, allowed)
                        + (allowed.isEmpty() ? "" : "; allowed: " + String.join(", ", allowed));
            }
            case "type" -> message = field + " must be " + expectedType(e) + ", found " + typeName(e.getInstanceNode())
                    + versionHint(e);
            case "enum" -> message = field + " must be one of " + enumValues(e) + ", found " + shortValue(e.getInstanceNode());
            case "const" -> message = field + " " + stripLocation(e.getMessage(), at);
            case "pattern", "format", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
                    "exclusiveMaximum", "multipleOf" ->
                    message = field + " " + stripLocation(e.getMessage(), at) + ", found " + shortValue(e.getInstanceNode());
            default -> message = field + " " + stripLocation(e.getMessage(), at);
        }
        return new Violation(pointer, keyword, message);
    }

    private List<String> allowedProperties(JsonNode keywordValue, Error e) {
        // the error carries the keyword's value; the properties live next to it in the parent schema
        JsonNode parent = e.getSchemaLocation() == null ? null : schemaAt(e.getSchemaLocation().getFragment().toString());
        List<String> names = new ArrayList<>();
        if (parent != null && parent.has("properties")) {
            for (Iterator<String> it = parent.get("properties").propertyNames().iterator(); it.hasNext();) {
                names.add(it.next());
            }
        }
        return names;
    }

    private JsonNode schemaAt(String fragment) {
        if (schemaNode == null || fragment == null) {
            return null;
        }
        String f = fragment.startsWith("#") ? fragment.substring(1) : fragment;
        int cut = f.lastIndexOf('/');
        String parentPointer = cut <= 0 ? "" : f.substring(0, cut);
        JsonNode node = parentPointer.isEmpty() ? schemaNode : schemaNode.at(parentPointer);
        return node.isMissingNode() ? null : node;
    }

    private static final Pattern SEMVER = Pattern.compile("v?(\\d+)\\.(\\d+)\\.(\\d+)");

    /**
     * ONEX versions are {@code {major, minor, patch}} mappings, and {@code version: 1.0.0} is the first thing
     * everyone writes: the error shows the mapping to write instead.
     */
    private String versionHint(Error e) {
        JsonNode instance = e.getInstanceNode();
        JsonNode schema = e.getSchemaLocation() == null ? null : schemaAt(e.getSchemaLocation().getFragment().toString());
        if (instance == null || !instance.isString() || schema == null || !schema.path("properties").has("major")
                || !schema.path("properties").has("patch")) {
            return "";
        }
        Matcher m = SEMVER.matcher(instance.asString().trim());
        return m.matches() ? "; write it as {major: " + m.group(1) + ", minor: " + m.group(2) + ", patch: "
                + m.group(3) + "}" : "";
    }

    private static String expectedType(Error e) {
        Object[] args = e.getArguments();
        String expected = args != null && args.length > 1 ? String.valueOf(args[1]) : "another type";
        expected = expected.replace("[", "").replace("]", "").replace("\"", "");
        List<String> types = new ArrayList<>();
        for (String type : expected.split(",\\s*")) {
            types.add(article(type.trim()));
        }
        return String.join(" or ", types);
    }

    private static String article(String type) {
        return switch (type) {
            case "object" -> "an object (mapping)";
            case "array" -> "a list";
            case "integer" -> "an integer";
            case "string" -> "a string";
            case "number" -> "a number";
            case "boolean" -> "a boolean (true or false)";
            case "null" -> "null";
            default -> type;
        };
    }

    static String typeName(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        if (node.isNull()) {
            return "null";
        }
        if (node.isObject()) {
            return "an object";
        }
        if (node.isArray()) {
            return "a list";
        }
        if (node.isBoolean()) {
            return "boolean " + node.asBoolean();
        }
        if (node.isIntegralNumber()) {
            return "integer " + node.toString();
        }
        if (node.isNumber()) {
            return "number " + node.toString();
        }
        return "string " + shortValue(node);
    }

    private static String enumValues(Error e) {
        JsonNode values = e.getSchemaNode();
        if (values != null && values.isArray()) {
            List<String> out = new ArrayList<>();
            values.forEach(v -> out.add(v.isString() ? v.asString() : v.toString()));
            return String.join(", ", out);
        }
        return String.valueOf(e.getArguments() == null ? "" : e.getArguments()[0]);
    }

    private static String shortValue(JsonNode node) {
        if (node == null) {
            return "nothing";
        }
        String s = node.toString();
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    /** The validator's message without the instance location it may start with (only that: a regex may hold ": "). */
    private static String stripLocation(String message, String location) {
        if (message == null) {
            return "";
        }
        String prefix = location + ": ";
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }

    /** A "did you mean" hint for a misspelled field, or "". */
    static String suggestion(String given, List<String> allowed) {
        return Suggestions.didYouMean(given, allowed);
    }
}
