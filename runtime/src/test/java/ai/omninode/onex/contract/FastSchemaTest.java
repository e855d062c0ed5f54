package ai.omninode.onex.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

class FastSchemaTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    /** The kinds of schema node contracts and workflow inputs have, every plain keyword at least once. */
    private static final List<String> SCHEMAS = List.of("""
            {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Doc", "type": "object",
             "additionalProperties": false, "required": ["document_id", "content"],
             "properties": {
               "document_id": {"type": "string", "minLength": 1, "maxLength": 8, "description": "id"},
               "content": {"type": "string"},
               "language": {"type": "string", "pattern": "^[a-z]{2}(-[A-Z]{2})?$"},
               "metadata": {"type": "object"},
               "dimensions": {"type": "integer", "minimum": 2, "maximum": 4096},
               "weight": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1.5},
               "tags": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": "string"}}}}
            """, """
            {"type": "object", "required": ["success", "topic"], "additionalProperties": false,
             "properties": {
               "success": {"type": "boolean"},
               "topic": {"type": "string", "pattern": "\\\\S"},
               "partition": {"type": ["integer", "null"], "minimum": 0},
               "error_type": {"enum": [null, "invalid_input", "circuit_open"]},
               "version": {"const": "1.0.0"},
               "headers": {"type": ["object", "null"], "additionalProperties": {"type": "string"},
                           "propertyNames": {"minLength": 1, "maxLength": 5}, "maxProperties": 2}}}
            """, """
            {"type": "object", "properties": {
               "entities": {"type": "array", "items": {"type": "object", "additionalProperties": false,
                 "required": ["text", "type"], "properties": {"text": {"type": "string", "minLength": 1},
                 "type": {"type": "string"}, "start": {"type": "integer", "minimum": 0}}}},
               "embedding": {"type": "array", "items": {"type": "number"}}}}
            """);

    private static final List<String> INSTANCES = List.of(
            "{}", "[]", "\"text\"", "1", "null",
            "{\"document_id\": \"d1\", \"content\": \"c\"}",
            "{\"document_id\": \"\", \"content\": \"c\"}",
            "{\"document_id\": \"123456789\", \"content\": \"c\"}",
            "{\"document_id\": \"\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00\", \"content\": \"c\"}",
            "{\"document_id\": \"d1\"}",
            "{\"document_id\": \"d1\", \"content\": \"c\", \"extra\": 1}",
            "{\"document_id\": \"d1\", \"content\": \"c\", \"language\": \"en\"}",
            "{\"document_id\": \"d1\", \"content\": \"c\", \"language\": \"en-GB\"}",
            "{\"document_id\": \"d1\", \"content\": \"c\", \"language\": \"english\"}",
            "{\"document_id\": \"d1\", \"content\": \"c\", \"language\": \"en\\n\"}",
            "{\"document_id\": \"d1\", \"content\": \"c\", \"dimensions\": 16}",
            "{\"document_id\": \"d1\", \"content\": \"c\", \"dimensions\": 16.0}",
            "{\"document_id\": \"d1\", \"content\": \"c\", \"dimensions\": 1}",
            "{\"document_id\": \"d1\", \"content\": \"c\", \"dimensions\": 5000}",
            "{\"document_id\": \"d1\", \"content\": \"c\", \"dimensions\": \"16\"}",
            "{\"document_id\": \"d1\", \"content\": \"c\", \"weight\": 0}",
            "{\"document_id\": \"d1\", \"content\": \"c\", \"weight\": 0.5}",
            "{\"document_id\": \"d1\", \"content\": \"c\", \"weight\": 1.5}",
            "{\"document_id\": \"d1\", \"content\": \"c\", \"weight\": 1e-300}",
            "{\"document_id\": \"d1\", \"content\": \"c\", \"tags\": []}",
            "{\"document_id\": \"d1\", \"content\": \"c\", \"tags\": [\"a\", \"b\"]}",
            "{\"document_id\": \"d1\", \"content\": \"c\", \"tags\": [\"a\", 2]}",
            "{\"document_id\": \"d1\", \"content\": \"c\", \"tags\": [\"a\", \"b\", \"c\", \"d\"]}",
            "{\"document_id\": \"d1\", \"content\": \"c\", \"metadata\": {\"x\": [1, {}]}}",
            "{\"document_id\": \"d1\", \"content\": \"c\", \"metadata\": null}",
            "{\"success\": true, \"topic\": \"t\"}",
            "{\"success\": true, \"topic\": \" \"}",
            "{\"success\": \"true\", \"topic\": \"t\"}",
            "{\"success\": true, \"topic\": \"t\", \"partition\": null, \"error_type\": null}",
            "{\"success\": true, \"topic\": \"t\", \"partition\": -1}",
            "{\"success\": false, \"topic\": \"t\", \"error_type\": \"circuit_open\", \"version\": \"1.0.0\"}",
            "{\"success\": false, \"topic\": \"t\", \"error_type\": \"other\"}",
            "{\"success\": false, \"topic\": \"t\", \"error_type\": 3}",
            "{\"success\": false, \"topic\": \"t\", \"version\": \"1.0\"}",
            "{\"success\": true, \"topic\": \"t\", \"headers\": {\"a\": \"1\"}}",
            "{\"success\": true, \"topic\": \"t\", \"headers\": {\"a\": 1}}",
            "{\"success\": true, \"topic\": \"t\", \"headers\": {\"\": \"1\"}}",
            "{\"success\": true, \"topic\": \"t\", \"headers\": {\"toolong\": \"1\"}}",
            "{\"success\": true, \"topic\": \"t\", \"headers\": {\"a\": \"1\", \"b\": \"2\", \"c\": \"3\"}}",
            "{\"entities\": [{\"text\": \"Ada\", \"type\": \"NAME\", \"start\": 0}], \"embedding\": [0.5, -1, 0.0, 3]}",
            "{\"entities\": [{\"text\": \"\", \"type\": \"NAME\"}]}",
            "{\"entities\": [{\"text\": \"Ada\"}]}",
            "{\"entities\": [{\"text\": \"Ada\", \"type\": \"NAME\", \"end\": 3}]}",
            "{\"entities\": [{\"text\": \"Ada\", \"type\": \"NAME\", \"start\": 1.5}]}",
            "{\"embedding\": [0.5, \"x\"]}");

    @Test
    void everyInstanceTheFastCheckAcceptsHasNoViolationAndTheValidOnesAreAccepted() {
        int accepted = 0;
        for (String schemaText : SCHEMAS) {
            JsonNode schemaNode = JSON.readTree(schemaText);
            FastSchema fast = FastSchema.compile(schemaNode);
            assertThat(fast).as(schemaText).isNotNull();
            Schema validator = REGISTRY.getSchema(SchemaLocation.of("urn:test"), schemaNode);
            for (String text : INSTANCES) {
                JsonNode instance = JSON.readTree(text);
                boolean valid = validator.validate(instance).isEmpty();
                boolean fastSays = fast.accepts(instance);
                if (fastSays) {
                    accepted++;
                    assertThat(valid).as("accepted by the fast check but not the validator: %s against %s", text,
                            schemaText).isTrue();
                }
                if (valid && !text.contains("16.0")) {
                    assertThat(fastSays).as("valid, but left to the validator: %s against %s", text, schemaText).isTrue();
                }
            }
        }
        assertThat(accepted).isGreaterThan(30);
    }

    @Test
    void randomlyChangedDocumentsAreNeverAcceptedWhenTheValidatorFindsAViolation() {
        Random random = new Random(12);
        List<JsonNode> seeds = new ArrayList<>();
        INSTANCES.forEach(t -> seeds.add(JSON.readTree(t)));
        for (String schemaText : SCHEMAS) {
            JsonNode schemaNode = JSON.readTree(schemaText);
            FastSchema fast = FastSchema.compile(schemaNode);
            Schema validator = REGISTRY.getSchema(SchemaLocation.of("urn:test"), schemaNode);
            for (int i = 0; i < 3000; i++) {
                JsonNode instance = mutate(seeds.get(random.nextInt(seeds.size())).deepCopy(), random);
                if (fast.accepts(instance)) {
                    assertThat(validator.validate(instance)).as("%s against %s", instance, schemaText).isEmpty();
                }
            }
        }
    }

    /** One random change somewhere in {@code node}: a value replaced, a member added or removed. */
    private static JsonNode mutate(JsonNode node, Random random) {
        JsonNode[] values = {JsonNodeFactory.instance.stringNode(""), JsonNodeFactory.instance.stringNode("en"),
            JsonNodeFactory.instance.stringNode("x y"), JsonNodeFactory.instance.numberNode(0),
            JsonNodeFactory.instance.numberNode(-1), JsonNodeFactory.instance.numberNode(2.0),
            JsonNodeFactory.instance.numberNode(4097L), JsonNodeFactory.instance.booleanNode(true),
            JsonNodeFactory.instance.nullNode(), JsonNodeFactory.instance.objectNode(),
            JsonNodeFactory.instance.arrayNode()};
        if (node instanceof ObjectNode o && !o.isEmpty() && random.nextInt(3) > 0) {
            List<String> names = new ArrayList<>(o.propertyNames());
            String name = names.get(random.nextInt(names.size()));
            switch (random.nextInt(3)) {
                case 0 -> o.remove(name);
                case 1 -> o.set(name, values[random.nextInt(values.length)]);
                default -> o.set(name, mutate(o.get(name), random));
            }
            return o;
        }
        if (node instanceof ObjectNode o) {
            String[] names = {"document_id", "content", "tags", "success", "topic", "headers", "entities", "zz"};
            o.set(names[random.nextInt(names.length)], values[random.nextInt(values.length)]);
            return o;
        }
        if (node instanceof ArrayNode a && !a.isEmpty()) {
            int i = random.nextInt(a.size());
            a.set(i, random.nextBoolean() ? values[random.nextInt(values.length)] : mutate(a.get(i), random));
            return a;
        }
        return values[random.nextInt(values.length)];
    }

    @Test
    void aSchemaWithAKeywordBeyondThePlainOnesIsLeftToTheValidator() {
        for (String schema : List.of("{\"$ref\": \"#/$defs/a\", \"$defs\": {\"a\": {}}}", "{\"anyOf\": [{}]}",
                "{\"type\": \"string\", \"format\": \"email\"}", "{\"properties\": {\"a\": {\"oneOf\": []}}}",
                "{\"enum\": [1, 2]}", "{\"items\": [{}]}", "{\"type\": \"decimal\"}", "{\"x-vendor\": true}")) {
            assertThat(FastSchema.compile(JSON.readTree(schema))).as(schema).isNull();
        }
    }

    @Test
    void aJsonSchemaGivesTheValidatorsViolationsForAnInstanceTheFastCheckDoesNotAccept() {
        JsonSchema schema = JsonSchema.of(JSON.readTree(SCHEMAS.get(0)), "doc");

        assertThat(schema.validate(JSON.readTree("{\"document_id\": \"d1\", \"content\": \"c\"}"))).isEmpty();
        assertThat(schema.validate(JSON.readTree("{\"document_id\": \"d1\"}")))
                .containsExactly(new Violation("/content", "required", "missing required field 'content'"));
    }
}
