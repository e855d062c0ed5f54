package ai.omninode.onex.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonSchemaTest {
    private static final String TOPIC_SCHEMA = """
            {
              "type": "object",
              "additionalProperties": false,
              "required": ["topic", "event_type"],
              "properties": {
                "topic": {"type": "string", "minLength": 1, "pattern": "^[a-z.]+$"},
                "event_type": {"type": "string"},
                "partition": {"type": "integer", "minimum": 0},
                "acks": {"enum": ["all", "1", "0"]},
                "payload": {"type": "object"},
                "headers": {
                  "type": "object",
                  "additionalProperties": false,
                  "properties": {"trace_id": {"type": "string"}}
                }
              }
            }
            """;

    private final JsonSchema schema = JsonSchema.of(YamlReader.defaults().readString("topic schema", TOPIC_SCHEMA).root(),
            "topic schema");

    private static Map<String, Object> input(Object... keysAndValues) {
        Map<String, Object> map = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    @Test
    void validPlainDataHasNoViolations() {
        assertThat(schema.validateValue(input("topic", "a.b", "event_type", "E", "partition", 3,
                "payload", Map.of("list", List.of(1, "two", true)), "acks", "all"))).isEmpty();
    }

    @Test
    void missingRequiredFieldNamesTheField() {
        assertThat(schema.validateValue(input("event_type", "E")))
                .containsExactly(new Violation("/topic", "required", "missing required field 'topic'"));
    }

    @Test
    void missingRequiredFieldOfANestedObjectNamesItsParent() {
        JsonSchema nested = JsonSchema.of(YamlReader.defaults().readString("s",
                "{properties: {version: {type: object, required: [patch]}}}").root(), "s");

        assertThat(nested.validateValue(Map.of("version", Map.of())))
                .containsExactly(new Violation("/version/patch", "required", "missing required field 'patch' in '/version'"));
    }

    @Test
    void unknownFieldSuggestsTheClosestAllowedNameAndListsTheAllowedOnes() {
        assertThat(schema.validateValue(input("topic", "a", "event_type", "E", "paylaod", Map.of())))
                .singleElement()
                .satisfies(v -> {
                    assertThat(v.pointer()).isEqualTo("/paylaod");
                    assertThat(v.keyword()).isEqualTo("additionalProperties");
                    assertThat(v.message()).isEqualTo("unknown field 'paylaod' (did you mean 'payload'?); allowed: "
                            + "topic, event_type, partition, acks, payload, headers");
                });
    }

    @Test
    void unknownNestedFieldNamesItsParentAndSuggestsFromTheNestedProperties() {
        assertThat(schema.validateValue(input("topic", "a", "event_type", "E", "headers", Map.of("traceid", "x"))))
                .extracting(Violation::message)
                .containsExactly("unknown field 'traceid' in '/headers' (did you mean 'trace_id'?); allowed: trace_id");
    }

    @Test
    void unknownFieldFarFromEveryAllowedNameGetsNoSuggestion() {
        assertThat(schema.validateValue(input("topic", "a", "event_type", "E", "colour", "blue")))
                .extracting(Violation::message)
                .containsExactly("unknown field 'colour'; allowed: topic, event_type, partition, acks, payload, headers");
    }

    @Test
    void didYouMeanCatchesTypicalTypos() {
        List<String> allowed = List.of("tags", "name", "description", "timeout_ms", "node_type");

        assertThat(JsonSchema.suggestion("tgas", allowed)).isEqualTo(" (did you mean 'tags'?)");
        assertThat(JsonSchema.suggestion("descriptoin", allowed)).isEqualTo(" (did you mean 'description'?)");
        assertThat(JsonSchema.suggestion("Name", allowed)).isEqualTo(" (did you mean 'name'?)");
        assertThat(JsonSchema.suggestion("timeout", allowed)).isEqualTo("");
        assertThat(JsonSchema.suggestion("nodetype", allowed)).isEqualTo(" (did you mean 'node_type'?)");
        assertThat(JsonSchema.suggestion("zzz", allowed)).isEqualTo("");
        assertThat(JsonSchema.suggestion("anything", List.of())).isEqualTo("");
    }

    @Test
    void wrongTypeNamesTheFieldTheExpectedTypeAndWhatWasFound() {
        assertThat(schema.validateValue(input("topic", 7, "event_type", List.of("E"), "partition", "3", "payload", "text")))
                .extracting(Violation::pointer, Violation::keyword, Violation::message)
                .containsExactlyInAnyOrder(
                        tuple("/topic", "type", "'/topic' must be a string, found integer 7"),
                        tuple("/event_type", "type", "'/event_type' must be a string, found a list"),
                        tuple("/partition", "type", "'/partition' must be an integer, found string \"3\""),
                        tuple("/payload", "type", "'/payload' must be an object (mapping), found string \"text\""));
    }

    @Test
    void wrongTypeOfTheWholeDocumentNamesTheDocument() {
        assertThat(schema.validateValue(List.of()))
                .containsExactly(new Violation("", "type", "document must be an object (mapping), found a list"));
    }

    @Test
    void typeWithSeveralAllowedTypesListsThemAll() {
        JsonSchema nullable = JsonSchema.of(YamlReader.defaults().readString("s", "{type: [string, 'null']}").root(), "s");

        assertThat(nullable.validateValue(5)).extracting(Violation::message)
                .containsExactly("document must be a string or null, found integer 5");
    }

    @Test
    void enumViolationListsTheAllowedValuesAndTheValueFound() {
        assertThat(schema.validateValue(input("topic", "a", "event_type", "E", "acks", "some")))
                .extracting(Violation::message)
                .containsExactly("'/acks' must be one of all, 1, 0, found \"some\"");
    }

    @Test
    void patternAndMinLengthViolationsNameTheRuleAndTheValue() {
        assertThat(schema.validateValue(input("topic", "", "event_type", "E")))
                .extracting(Violation::keyword, Violation::message)
                .containsExactlyInAnyOrder(
                        tuple("minLength", "'/topic' must be at least 1 characters long, found \"\""),
                        tuple("pattern", "'/topic' does not match the regex pattern ^[a-z.]+$, found \"\""));
    }

    @Test
    void boundViolationsNameTheBoundAndTheValueFound() {
        assertThat(schema.validateValue(input("topic", "a", "event_type", "E", "partition", -1)))
                .extracting(Violation::keyword, Violation::message)
                .containsExactly(tuple("minimum", "'/partition' must have a minimum value of 0, found -1"));
    }

    @Test
    void longValuesAreShortenedInMessages() {
        String longTopic = "X".repeat(100);

        assertThat(schema.validateValue(input("topic", longTopic, "event_type", "E")).get(0).message())
                .endsWith("found \"" + "X".repeat(56) + "...");
    }

    @Test
    void violationsShowTheRootAsRootAndPrintWithTheirKeyword() {
        Violation root = new Violation("", "type", "document must be an object");

        assertThat(root.displayPointer()).isEqualTo("(root)");
        assertThat(new Violation("/a", "type", "m").displayPointer()).isEqualTo("/a");
        assertThat(root).hasToString("document must be an object [type]");
    }

    @Test
    void violationsBecomeProblemsAtTheValueOrForUnknownFieldsAtTheKey() {
        YamlDocument doc = YamlReader.defaults().readString("input.yaml", """
                topic: 42
                event_type: E
                extra:
                  deep: 1
                """);

        List<Problem> problems = new ArrayList<>();
        for (Violation v : schema.validate(doc.root())) {
            problems.add(JsonSchema.locate(doc, v));
        }

        assertThat(problems).extracting(Problem::line, Problem::column, Problem::pointer)
                .containsExactlyInAnyOrder(tuple(1, 8, "/topic"), tuple(3, 1, "/extra"));
    }

    @Test
    void schemaFileWithAnUnknownTypeIsRefusedAtTheLineOfTheTypeWithOneProblem(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("typo.schema.json");
        Files.writeString(file, """
                {
                  "type": "object",
                  "properties": {
                    "name": {"type": "strng"}
                  }
                }
                """);

        assertThatThrownBy(() -> JsonSchema.load(file.toUri().toURL(), file.toString()))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems())
                        .singleElement()
                        .satisfies(p -> {
                            assertThat(p.source()).isEqualTo(file.toString());
                            assertThat(p).extracting(Problem::line, Problem::column).containsExactly(4, 22);
                            assertThat(p.message()).isEqualTo("'/properties/name/type' must be one of array, boolean, "
                                    + "integer, null, number, object, string, found \"strng\" (or else must be a list)");
                        }));
    }

    @Test
    void schemaFileIsCheckedAgainstTheDraft202012MetaSchema(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.schema.yaml");
        Files.writeString(file, "type: object\nrequired: name\nminProperties: -1\n");

        assertThatThrownBy(() -> JsonSchema.load(file.toUri().toURL(), "bad.schema.yaml"))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems())
                        .extracting(Problem::line, Problem::pointer)
                        .containsExactlyInAnyOrder(tuple(2, "/required"), tuple(3, "/minProperties")));
    }

    @Test
    void compiledSchemasKeepTheirTreeAndSource(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ok.schema.json");
        Files.writeString(file, "{\"type\": \"integer\"}");

        JsonSchema loaded = JsonSchema.load(file.toUri().toURL(), "ok.schema.json");

        assertThat(loaded.source()).isEqualTo("ok.schema.json");
        assertThat(loaded.schemaNode().get("type").asString()).isEqualTo("integer");
        assertThat(loaded.validateValue(5)).isEmpty();
        assertThat(loaded.validateValue(Arrays.asList(1, 2))).extracting(Violation::keyword).containsExactly("type");
    }

    @Test
    void aSchemaReloadedFromTheSameFileSeesTheNewContent(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("changing.schema.json");
        Files.writeString(file, "{\"type\": \"string\"}");
        JsonSchema before = JsonSchema.load(file.toUri().toURL(), "changing");
        Files.writeString(file, "{\"type\": \"integer\"}");

        JsonSchema after = JsonSchema.load(file.toUri().toURL(), "changing");

        assertThat(before.validateValue(1)).hasSize(1);
        assertThat(after.validateValue(1)).isEmpty();
    }

    private static JsonSchema schemaOf(String text) {
        return JsonSchema.compile(YamlReader.defaults().readString("s.schema.json", text), "urn:test:" + text.hashCode());
    }

    private static List<Problem> problemsOf(String text) {
        try {
            schemaOf(text);
        } catch (ValidationException e) {
            return e.problems();
        }
        throw new AssertionError("no problem for " + text);
    }

    @Test
    void aFloatBeyondTheRangeOfALongBreaksAnIntegerBoundInsteadOfFailingTheValidation() {
        JsonSchema bounded = schemaOf("""
                {"type": "object", "properties": {"count": {"type": "integer", "minimum": 0, "maximum": 10},
                 "low": {"type": "integer", "exclusiveMinimum": 0}}}
                """);

        List<Violation> tooBig = bounded.validate(YamlReader.defaults().readString("in", "{\"count\": 1e19}").root());
        List<Violation> tooSmall = bounded.validate(YamlReader.defaults().readString("in", "{\"low\": -1.5e300}").root());

        assertThat(tooBig).extracting(Violation::pointer, Violation::keyword).containsExactly(tuple("/count", "maximum"));
        assertThat(tooSmall).extracting(Violation::pointer, Violation::keyword)
                .containsExactly(tuple("/low", "exclusiveMinimum"));
        assertThat(bounded.validate(YamlReader.defaults().readString("in", "{\"count\": 1e1}").root())).isEmpty();
    }

    @Test
    void aRefThatLeadsBackToItsOwnSchemaIsRefusedAtTheRefInsteadOfRecursingUntilTheStackOverflows() {
        List<Problem> self = problemsOf("{\"$ref\": \"#\"}");
        List<Problem> viaAllOf = problemsOf("""
                {
                  "$defs": {"a": {"allOf": [{"$ref": "#/$defs/b"}]}, "b": {"not": {"$ref": "#/$defs/a"}}},
                  "$ref": "#/$defs/a"
                }
                """);

        assertThat(self).singleElement().satisfies(p -> {
            assertThat(p).extracting(Problem::line, Problem::column, Problem::rule).containsExactly(1, 10, "schema.invalid");
            assertThat(p.message()).contains("'/$ref' (#) leads back to the schema it is in");
        });
        assertThat(viaAllOf).singleElement().satisfies(p -> assertThat(p.line()).isEqualTo(2));
    }

    @Test
    void aRecursiveSchemaThatLooksIntoAPartOfTheValueEachTimeIsNoLoop() {
        JsonSchema tree = schemaOf("""
                {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"},
                 "children": {"type": "array", "items": {"$ref": "#"}}}}
                """);

        List<Violation> violations = tree.validate(YamlReader.defaults().readString("in",
                "{\"name\": \"a\", \"children\": [{\"name\": \"b\", \"children\": [{}]}]}").root());

        assertThat(violations).extracting(Violation::keyword).containsExactly("required");
    }

    @Test
    void aPatternThatIsNoRegularExpressionIsReportedAtThePatternInPlainWords() {
        List<Problem> problems = problemsOf("""
                {"type": "object",
                 "properties": {"id": {"type": "string", "pattern": "[a-z"}},
                 "patternProperties": {"\\\\p{Nope}": {}}}
                """);

        assertThat(problems).extracting(Problem::line, Problem::rule)
                .containsExactlyInAnyOrder(tuple(2, "schema.invalid"), tuple(3, "schema.invalid"));
        assertThat(problems).extracting(Problem::message).anySatisfy(m -> assertThat(m)
                .startsWith("'/properties/id/pattern' is not a regular expression: Unclosed character class"));
        assertThat(problems).allSatisfy(p -> assertThat(p.message()).doesNotContain("java.", "Exception", "\n"));
    }

    @Test
    void aSchemaVersionTheValidatorDoesNotReadIsReportedAtDollarSchema() {
        List<Problem> problems = problemsOf("""
                {"$schema": "http://json-schema.org/draft-03/schema#",
                 "type": "object"}
                """);

        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p).extracting(Problem::line, Problem::pointer).containsExactly(1, "/$schema");
            assertThat(p.message()).contains("draft-03").contains("https://json-schema.org/draft/2020-12/schema")
                    .doesNotContain("Exception");
        });
        assertThat(schemaOf("{\"$schema\": \"http://json-schema.org/draft-07/schema#\", \"type\": \"string\"}")
                .validateValue(5)).extracting(Violation::keyword).containsExactly("type");
    }

    @Test
    void aRefToAnotherPlaceIsReportedAtTheRefAndSaysWhyItCannotBeRead() {
        List<Problem> remote = problemsOf("""
                {"type": "object",
                 "properties": {"a": {"$ref": "http://127.0.0.1:9/x.json"}}}
                """);

        assertThat(remote).singleElement().satisfies(p -> {
            assertThat(p).extracting(Problem::line, Problem::pointer).containsExactly(2, "/properties/a/$ref");
            assertThat(p.message()).contains("http://127.0.0.1:9/x.json").contains("not fetched from the network")
                    .doesNotContain("java.", "Exception");
        });
    }

    @Test
    void anUnknownKeywordIsAnAnnotationAndNothingIsWrittenToStderrForItOrForABadPattern() {
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        JsonSchema typo;
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            typo = schemaOf("{\"type\": \"object\", \"requird\": [\"a\"], \"properties\": {\"a\": {\"minLenght\": 1}}}");
            problemsOf("{\"pattern\": \"(\"}");
        } finally {
            System.setErr(stderr);
        }

        assertThat(typo.validateValue(Map.of("a", ""))).isEmpty();
        assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void aDynamicRefThatNamesNothingOrLoopsIsRefusedAtItInsteadOfFailingOrOverflowingOnEveryValue() {
        List<Problem> nothing = problemsOf("{\"type\": \"object\",\n \"$dynamicRef\": \"#meta\"}");
        List<Problem> loop = problemsOf("{\"$dynamicAnchor\": \"m\",\n \"$dynamicRef\": \"#m\"}");

        assertThat(nothing).singleElement().satisfies(p -> {
            assertThat(p).extracting(Problem::line, Problem::pointer).containsExactly(2, "/$dynamicRef");
            assertThat(p.message()).contains("#meta").contains("names no $dynamicAnchor");
        });
        assertThat(loop).singleElement().satisfies(p -> assertThat(p.message()).contains("leads back"));
        assertThat(schemaOf("""
                {"$defs": {"node": {"$dynamicAnchor": "node", "type": "object",
                  "properties": {"next": {"$dynamicRef": "#node"}}}}, "$ref": "#/$defs/node"}
                """).validateValue(Map.of("next", Map.of("next", 5)))).extracting(Violation::keyword).containsExactly("type");
    }

    @Test
    void aRefToNoPlaceInTheSchemaIsReportedAtTheRef() {
        List<Problem> problems = problemsOf("""
                {"type": "object",
                 "properties": {"a": {"$ref": "#/$defs/missing"}}}
                """);

        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p).extracting(Problem::line, Problem::pointer).containsExactly(2, "/properties/a/$ref");
            assertThat(p.message()).isEqualTo("'$ref' #/$defs/missing names nothing in this schema (no value at"
                    + " /$defs/missing)");
        });
    }

    /**
     * The fuzzer's inline input_schema with $ref to a file next to it was "urn:onex:input-schema:good.json cannot be
     * read: no such file"; '#/%zz' quoted a Java decoder. Each is now named at its $ref, as written.
     */
    @Test
    void anInlineSchemaRefersOnlyToItsOwnPartsAndEachBadRefIsNamedWhereItIsWritten() {
        String yaml = "input_schema:\n  $defs: {a: {type: string, $anchor: anch}}\n  properties:\n"
                + "    f: {$ref: good.json}\n    p: {$ref: '#/%zz'}\n    m: {$ref: '#/$defs/missing'}\n"
                + "    n: {$ref: '#nope'}\n    ok1: {$ref: '#/$defs/a'}\n    ok2: {$ref: '#anch'}\n";
        YamlDocument doc = YamlReader.defaults().read("flow.yaml", yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8));

        assertThatThrownBy(() -> JsonSchema.compileAt(doc, "/input_schema", "urn:onex:test"))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems())
                        .extracting(Problem::line, Problem::message).containsExactly(
                                tuple(4, "'$ref' good.json names a file, but an input_schema written in the workflow can"
                                        + " refer only to parts of itself (#/$defs/NAME, #ANCHOR): put the schema it"
                                        + " names under $defs"),
                                tuple(5, "'$ref' #/%zz is not a valid JSON pointer (a '%' must start an escape such as"
                                        + " %25)"),
                                tuple(6, "'$ref' #/$defs/missing names nothing in this schema (no value at"
                                        + " /$defs/missing)"),
                                tuple(7, "'$ref' #nope names nothing in this schema (no $anchor 'nope')")));
        assertThat(JsonSchema.compileAt(YamlReader.defaults().read("ok.yaml", ("input_schema:\n  $defs: {a: {type:"
                + " string, $anchor: anch}}\n  properties:\n    x: {$ref: '#/$defs/a'}\n    y: {$ref: '#anch'}\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)), "/input_schema", "urn:onex:ok")
                .validate(tools.jackson.databind.json.JsonMapper.builder().build().readTree("{\"x\": 1}")))
                .extracting(Violation::pointer).containsExactly("/x");
        // what the validator resolves without a file: an embedded resource, a $dynamicAnchor, a meta-schema
        assertThat(JsonSchema.compileAt(YamlReader.defaults().read("ok2.yaml", ("input_schema:\n  $defs:\n"
                + "    e: {$id: 'urn:example:e', type: string}\n    d: {$dynamicAnchor: dyn, type: integer}\n"
                + "  properties:\n    x: {$ref: 'urn:example:e'}\n    y: {$ref: '#dyn'}\n"
                + "    z: {$ref: 'https://json-schema.org/draft/2020-12/schema'}\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)), "/input_schema", "urn:onex:ok2")
                .validate(tools.jackson.databind.json.JsonMapper.builder().build().readTree("{\"x\": 1, \"y\": \"a\"}")))
                .extracting(Violation::pointer).containsExactly("/x", "/y");
    }

    /** The review's schema: one anyOf reached twice (through properties and through allOf) threw IndexOutOfBounds. */
    @Test
    void anAnyOfReachedTwiceIsReportedOnceWithItsAlternatives() {
        JsonSchema schema = JsonSchema.of(tools.jackson.databind.json.JsonMapper.builder().build().readTree("""
                {"$defs": {"id": {"anyOf": [{"type": "string", "minLength": 3}, {"type": "integer"}]}},
                 "properties": {"a": {"$ref": "#/$defs/id"}},
                 "allOf": [{"properties": {"a": {"$ref": "#/$defs/id"}}}]}"""), "twice");

        List<Violation> violations = schema.validate(tools.jackson.databind.json.JsonMapper.builder().build()
                .readTree("{\"a\": true}"));

        assertThat(violations).singleElement().satisfies(v -> {
            assertThat(v.pointer()).isEqualTo("/a");
            assertThat(v.message()).containsOnlyOnce("or else");
        });
    }
}
