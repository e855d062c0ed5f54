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
    void anExplicitEnvTagIsStillRefused() {
        assertThatThrownBy(() -> YamlReader.defaults().readString("t.yaml", "x: !ENV_VARIABLE ${HOME}\n"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("unsupported YAML tag '!ENV_VARIABLE'");
    }
}
