package ai.omninode.onex.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.YamlDocument;
import ai.omninode.onex.contract.YamlReader;
import ai.omninode.onex.workflow.internal.SourceText;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The rules of DESIGN.md section 5, one by one. */
class ExpressionResolverTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static JsonNode json(String text) {
        return JSON.readTree(text);
    }

    private final Scope scope = Scope.builder()
            .input(json("""
                    {"document_id": "doc-1", "count": 3, "ratio": 0.5, "ok": true, "nothing": null,
                     "tags": ["a", "b", "c"], "metadata": {"language": "en", "length": "long"},
                     "content": "price is ${input.secret}", "secret": "s3cr3t", "emoji": "h\\u00e9\\ud83d\\ude00"}
                    """))
            .env(Map.of("KAFKA_TOPIC_PREFIX", "dev", "EMPTY", ""))
            .result("extraction_result", json("""
                    {"entities": [{"text": "Ada", "type": "NAME"}, {"text": "1843", "type": "DATE"}],
                     "note": "${input.secret} stays"}
                    """))
            .result("extract_entities", json("{\"entities\": []}"))
            .build();

    private JsonNode resolve(String value) {
        return ExpressionResolver.resolveString(value, scope);
    }

    @Nested
    class Roots {
        @Test
        void inputRootReadsTheWorkflowInput() {
            assertThat(resolve("${input.document_id}").asString()).isEqualTo("doc-1");
        }

        @Test
        void aStepResultIsReachedByItsOutputName() {
            assertThat(resolve("${extraction_result.entities[0].text}").asString()).isEqualTo("Ada");
        }

        @Test
        void aStepResultIsReachedByItsStepName() {
            assertThat(resolve("${extract_entities.entities.length}").asInt()).isZero();
        }

        @Test
        void envRootReadsTheSettings() {
            assertThat(resolve("${env.KAFKA_TOPIC_PREFIX}.events").asString()).isEqualTo("dev.events");
            assertThat(resolve("${env.EMPTY}").asString()).isEmpty();
        }

        @Test
        void anUnsetEnvironmentVariableIsMissing() {
            assertThatThrownBy(() -> resolve("${env.NOT_SET_ANYWHERE}"))
                    .isInstanceOf(ExpressionException.class)
                    .hasMessageContaining("environment variable 'NOT_SET_ANYWHERE' is not set");
            assertThat(resolve("${env.NOT_SET_ANYWHERE:fallback}").asString()).isEqualTo("fallback");
        }

        @Test
        void envWithoutAVariableNameIsAnError() {
            assertThatThrownBy(() -> resolve("${env}")).hasMessageContaining("'env' needs a variable name");
        }

        @Test
        void errorRootGivesTheFailedStepAndMessageInsideOnStepFailure() {
            Scope failing = Scope.builder().error("store_vectors", "collection 'x' does not exist").build();
            assertThat(ExpressionResolver.resolveString("${error.step}", failing).asString()).isEqualTo("store_vectors");
            assertThat(ExpressionResolver.resolveString("failed: ${error.message}", failing).asString())
                    .isEqualTo("failed: collection 'x' does not exist");
        }

        @Test
        void errorRootDoesNotExistOutsideOnStepFailure() {
            assertThatThrownBy(() -> resolve("${error.message}"))
                    .hasMessageContaining("'error' exists only in error_handling.on_step_failure");
        }

        @Test
        void anUnknownRootIsMissingAndTheMessageListsTheRootsThatExist() {
            assertThatThrownBy(() -> resolve("${relationship_result.relationships}"))
                    .isInstanceOf(ExpressionException.class)
                    .hasMessageContaining("cannot resolve ${relationship_result.relationships}")
                    .hasMessageContaining("there is no step result named 'relationship_result'")
                    .hasMessageContaining("roots here: input, env.NAME, extract_entities, extraction_result");
        }
    }

    @Nested
    class Paths {
        @Test
        void lengthIsTheSizeOfAList() {
            assertThat(resolve("${input.tags.length}").isInt()).isTrue();
            assertThat(resolve("${input.tags.length}").asInt()).isEqualTo(3);
        }

        @Test
        void lengthIsTheSizeOfAMap() {
            assertThat(resolve("${input.metadata.length}").asInt()).isEqualTo(2);
        }

        @Test
        void lengthIsTheNumberOfCharactersOfAString() {
            assertThat(resolve("${input.document_id.length}").asInt()).isEqualTo(5);
            assertThat(resolve("${input.emoji.length}").asInt()).as("code points, not UTF-16 units").isEqualTo(3);
        }

        @Test
        void aQuotedKeyReachesAMemberNamedLength() {
            assertThat(resolve("${input.metadata[\"length\"]}").asString()).isEqualTo("long");
            assertThat(resolve("${input.metadata['language']}").asString()).isEqualTo("en");
        }

        @Test
        void lengthOfANumberIsMissing() {
            assertThatThrownBy(() -> resolve("${input.count.length}"))
                    .hasMessageContaining("'input.count' is a number, so it has no member 'length'");
        }

        @Test
        void anIndexSelectsAListItemFromZero() {
            assertThat(resolve("${input.tags[0]}").asString()).isEqualTo("a");
            assertThat(resolve("${input.tags[2]}").asString()).isEqualTo("c");
            assertThat(resolve("${extraction_result.entities[1].type}").asString()).isEqualTo("DATE");
        }

        @Test
        void anIndexOutOfRangeIsMissing() {
            assertThatThrownBy(() -> resolve("${input.tags[3]}"))
                    .hasMessageContaining("'input.tags' has 3 items, so [3] is out of range");
            assertThat(resolve("${input.tags[3]:none}").asString()).isEqualTo("none");
        }

        @Test
        void anIndexIntoAMapIsMissing() {
            assertThatThrownBy(() -> resolve("${input.metadata[0]}"))
                    .hasMessageContaining("'input.metadata' is a map, not a list, so [0] does not apply");
        }

        @Test
        void aMissingMemberIsAnErrorThatNamesWhatIsThere() {
            assertThatThrownBy(() -> resolve("${input.metadata.author}"))
                    .isInstanceOf(ExpressionException.class)
                    .hasMessageContaining("cannot resolve ${input.metadata.author}")
                    .hasMessageContaining("'input.metadata' has no member 'author' (it has: language, length)")
                    .hasMessageContaining("roots here: input, env.NAME");
        }

        @Test
        void aMemberOfAStringIsMissing() {
            assertThatThrownBy(() -> resolve("${input.document_id.prefix}"))
                    .hasMessageContaining("'input.document_id' is a string, so it has no member 'prefix'");
        }

        @Test
        void aPresentNullIsAValueNotAMissingPath() {
            assertThat(resolve("${input.nothing:fallback}").isNull()).isTrue();
        }
    }

    @Nested
    class Defaults {
        @ParameterizedTest(name = "{0} gives {1}")
        @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "${input.absent:0}                | 0",
            "${input.absent:-2.5}             | -2.5",
            "${input.absent:true}             | true",
            "${input.absent:null}             | null",
            "${input.absent:[]}               | []",
            "${input.absent:{}}               | {}",
            "${input.absent:{\"a\": [1, 2]}}  | {\"a\":[1,2]}",
            "${input.absent:\"a:b}\"}         | \"a:b}\"",
            "${input.absent:hello world}      | \"hello world\"",
            "${input.absent:}                 | \"\"",
            "${input.absent:12abc}            | \"12abc\"",
            "${input.absent:$${not.evaluated}} | \"${not.evaluated}\"",
            "${input.absent:a $${b} c}        | \"a ${b} c\"",
        })
        void aDefaultIsJsonWhenItParsesAsJsonElseText(String expression, String expectedJson) {
            assertThat(resolve(expression.strip())).isEqualTo(json(expectedJson));
        }

        @Test
        void aDefaultIsNotUsedWhenThePathExists() {
            assertThat(resolve("${input.count:99}").asInt()).isEqualTo(3);
        }

        @Test
        void aDefaultAppliesToAMissingRootToo() {
            assertThat(resolve("${later_step.value:pending}").asString()).isEqualTo("pending");
        }
    }

    @Nested
    class Types {
        @Test
        void aValueThatIsExactlyOneExpressionKeepsItsType() {
            assertThat(resolve("${input.count}").isIntegralNumber()).isTrue();
            assertThat(resolve("${input.ratio}").isDouble()).isTrue();
            assertThat(resolve("${input.ok}").isBoolean()).isTrue();
            assertThat(resolve("${input.tags}").isArray()).isTrue();
            assertThat(resolve("${input.metadata}").isObject()).isTrue();
            assertThat(resolve("${input.nothing}").isNull()).isTrue();
        }

        @Test
        void anExpressionInsideLongerTextBecomesText() {
            assertThat(resolve("n=${input.count}").asString()).isEqualTo("n=3");
            assertThat(resolve("${input.ok}!").asString()).isEqualTo("true!");
            assertThat(resolve("[${input.nothing}]").asString()).isEqualTo("[null]");
            assertThat(resolve("tags: ${input.tags}").asString()).isEqualTo("tags: [\"a\",\"b\",\"c\"]");
            assertThat(resolve("${input.document_id}/${input.metadata.language}").asString()).isEqualTo("doc-1/en");
        }

        @Test
        void surroundingSpaceMakesItTextToo() {
            JsonNode value = resolve(" ${input.count}");
            assertThat(value.isString()).isTrue();
            assertThat(value.asString()).isEqualTo(" 3");
        }

        @Test
        void aWholeTreeIsResolvedAndItsKeysAreNotEvaluated() {
            JsonNode template = json("""
                    {"payload": {"entities_count": "${extraction_result.entities.length}", "vectorized": "${input.ok}",
                                 "${input.document_id}": "key stays"},
                     "list": ["${input.tags[1]}", 7, "plain"]}
                    """);
            JsonNode out = ExpressionResolver.resolve(template, scope, "", ExpressionResolver.unlocated("t"));
            assertThat(out).isEqualTo(json("""
                    {"payload": {"entities_count": 2, "vectorized": true, "${input.document_id}": "key stays"},
                     "list": ["b", 7, "plain"]}
                    """));
        }
    }

    @Nested
    class SubstitutedValuesAreData {
        @Test
        void anInputValueThatContainsExpressionTextStaysThatText() {
            assertThat(resolve("${input.content}").asString()).isEqualTo("price is ${input.secret}");
        }

        @Test
        void expressionTextInsideLongerTextIsNotEvaluatedEither() {
            assertThat(resolve("content: ${input.content}").asString()).isEqualTo("content: price is ${input.secret}");
        }

        @Test
        void aStepResultThatContainsExpressionTextStaysThatText() {
            assertThat(resolve("${extraction_result.note}").asString()).isEqualTo("${input.secret} stays");
            assertThat(resolve("${extraction_result}").get("note").asString()).isEqualTo("${input.secret} stays");
        }

        @Test
        void aDoubledDollarWritesALiteralExpression() {
            assertThat(resolve("$${input.secret}").asString()).isEqualTo("${input.secret}");
            assertThat(resolve("cost $5, ${input.count} items, $${not.evaluated}").asString())
                    .isEqualTo("cost $5, 3 items, ${not.evaluated}");
        }
    }

    @Nested
    class Syntax {
        @ParameterizedTest(name = "{0}: {1}")
        @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "${input.document_id          | unterminated '${' (no closing '}')",
            "${}                          | empty expression '${}'",
            "${input.}                    | expected a name after '.', found '}'",
            "${input.\uD83D\uDE00}          | expected a name after '.', found '\uD83D\uDE00'",
            "${1input}                    | expected a root name (input, env, error, or a step's output or name)",
            "${input document_id}         | unexpected a space; expected '.', '[', ':' (a default) or '}'",
            "${input.tags[-1]}            | negative indexes are not supported",
            "${input.tags[x]}             | expected a list index such as [0] or a quoted key",
            "${input.tags[0}              | expected ']' after the list index, found '}'",
            "${input.a:${input.b}}        | a default cannot contain another ${...}",
            "${input.a+1}                 | unexpected '+'",
            "${input[\"a}                 | unterminated quoted key",
        })
        void malformedExpressionsAreClearErrors(String value, String message) {
            assertThatThrownBy(() -> resolve(value.strip()))
                    .isInstanceOf(ExpressionException.class)
                    .hasMessageContaining("bad expression")
                    .hasMessageContaining(message.strip());
        }

        @Test
        void dollarSignsAndBracesWithoutAnExpressionAreText() {
            assertThat(resolve("$5 {braces} $ {x} }").asString()).isEqualTo("$5 {braces} $ {x} }");
        }

        @Test
        void theParserKeepsEachExpressionsOffsetInTheValue() {
            Template t = Template.parse("a ${input.x} b ${env.Y:1}");
            assertThat(t.placeholders()).extracting(Template.Placeholder::offset).containsExactly(2, 15);
            assertThat(t.placeholders().get(1).expression().defaultValue().asInt()).isEqualTo(1);
            assertThat(t.placeholders().get(0).expression().pathText()).isEqualTo("input.x");
        }
    }

    @Nested
    class Locations {
        @Test
        void aMissingPathNamesTheFileLineAndColumnTheStepTheExpressionAndTheRoots() {
            String yaml = """
                    steps:
                      - name: publish
                        input:
                          count: "n = ${extraction_result.entitiez.length}"
                    """;
            YamlDocument doc = YamlReader.defaults().readString("flows/ingest.yaml", yaml);
            SourceText text = new SourceText(doc, yaml);
            List<Problem> located = new ArrayList<>();
            ExpressionResolver.Locator locator = (pointer, offset, expression, message) -> {
                Problem p = text.at(pointer, expression, "step 'publish': " + message);
                located.add(p);
                return p;
            };

            assertThatThrownBy(() -> ExpressionResolver.resolve(doc.root().at("/steps/0/input"), scope,
                    "/steps/0/input", locator))
                    .isInstanceOf(ExpressionException.class)
                    .hasMessageStartingWith("flows/ingest.yaml:4:19: error: step 'publish': cannot resolve "
                            + "${extraction_result.entitiez.length}: 'extraction_result' has no member 'entitiez' "
                            + "(it has: entities, note); roots here: input, env.NAME, extract_entities, extraction_result");
            assertThat(located).singleElement().extracting(Problem::line, Problem::column).containsExactly(4, 19);
        }
    }
}
