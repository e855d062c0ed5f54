package ai.omninode.onex.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Plain scalars that look like ${NAME} (which snakeyaml's core resolver tags for env substitution) are text. */
class YamlReaderDollarBraceTest {

    @Test
    void plainDollarBraceScalarsAreReadAsTheTextTheyAre() {
        YamlDocument doc = YamlReader.defaults().readString("t.yaml", """
                whole: ${input}
                with_default: ${name:-fallback}
                dotted: ${input.document_id}
                """);

        assertThat(doc.root().get("whole").asString()).isEqualTo("${input}");
        assertThat(doc.root().get("with_default").asString()).isEqualTo("${name:-fallback}");
        assertThat(doc.root().get("dotted").asString()).isEqualTo("${input.document_id}");
    }

    @Test
    void aJsonFileThatDoesNotParseIsAJsonSyntaxError() {
        assertThatThrownBy(() -> YamlReader.defaults().readString("greeting_input.schema.json", "{\"type\": \"string\"\n"))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems()).singleElement()
                        .satisfies(p -> assertThat(p.message()).startsWith("JSON syntax error (read as YAML, which JSON"
                                + " is a part of): ")));
        assertThatThrownBy(() -> YamlReader.defaults().readString("t.yaml", "a: [\n"))
                .hasMessageContaining("YAML syntax error: ");
    }

    @Test
    void anExplicitEnvTagIsStillRefused() {
        assertThatThrownBy(() -> YamlReader.defaults().readString("t.yaml", "x: !ENV_VARIABLE ${HOME}\n"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("unsupported YAML tag '!ENV_VARIABLE'");
    }

    @Test
    void anUnquotedExpressionInAFlowMappingGetsAHintToQuoteIt() {
        assertThatThrownBy(() -> YamlReader.defaults().readString("t.yaml", """
                input:
                  payload: {text: ${input.message}, n: 1}
                """))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems()).singleElement()
                        .satisfies(p -> {
                            assertThat(p.line()).isEqualTo(2);
                            assertThat(p.message()).startsWith("YAML syntax error: ").endsWith("; inside {...} or [...],"
                                    + " YAML reads the '{' of ${ as the start of a mapping: quote the expression, as in"
                                    + " \"${input.message}\"");
                        }));
    }

    @Test
    void otherSyntaxErrorsGetNoSuchHint() {
        assertThatThrownBy(() -> YamlReader.defaults().readString("t.yaml", "a: {b: 1\nc: \"${input.x}\"\n"))
                .isInstanceOf(ValidationException.class).hasMessageNotContaining("quote the expression");
        assertThatThrownBy(() -> YamlReader.defaults().readString("t.yaml", "a: [1, 2\nb: 3\n"))
                .isInstanceOf(ValidationException.class).hasMessageNotContaining("quote the expression");
    }
}
