package ai.omninode.onex.cli.internal;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.omninode.onex.contract.ValidationException;
import java.util.List;
import org.junit.jupiter.api.Test;

class InputsTest {
    @Test
    void aNumberAnInputOptionGivesBeyondADoublesRangeIsNamedAtItsPlaceInTheInput() {
        assertThatThrownBy(() -> Inputs.read(null, List.of("metadata.scores:={\"a\": [1, 1e400]}")))
                .isInstanceOfSatisfying(ValidationException.class, e -> org.assertj.core.api.Assertions
                        .assertThat(e.problems()).singleElement().satisfies(p -> {
                            org.assertj.core.api.Assertions.assertThat(p.source())
                                    .isEqualTo("--input metadata.scores:={\"a\": [1, 1e400]}");
                            org.assertj.core.api.Assertions.assertThat(p.message()).isEqualTo("the number at"
                                    + " /metadata/scores/a/1 is out of range: larger than a 64-bit floating-point"
                                    + " number can hold");
                        }));
    }

    @Test
    void anEmptyInputFileIsOneRuleAndOneMessageWhateverItsName(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        for (String name : List.of("in.json", "in.yaml", "in")) {
            java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve(name), " \n");
            assertThatThrownBy(() -> Inputs.read(file, List.of())).isInstanceOfSatisfying(ValidationException.class,
                    e -> org.assertj.core.api.Assertions.assertThat(e.problems()).singleElement().satisfies(p -> {
                        org.assertj.core.api.Assertions.assertThat(p.rule()).isEqualTo("input.json");
                        org.assertj.core.api.Assertions.assertThat(p.message()).isEqualTo("the input is empty; the"
                                + " workflow input must be a JSON object ({} for none)");
                    }));
        }
    }
}
