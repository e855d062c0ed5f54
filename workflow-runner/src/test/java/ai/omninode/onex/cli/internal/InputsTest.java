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

    /** The fuzzer's {"document_id": "\\ud800"} was taken, and the plan showed "?". */
    @Test
    void aLoneSurrogateInAnInputStringIsRefusedAtItsPlaceAndAPairIsKept(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("in.json"),
                "{\"ok\": \"\\ud83d\\ude00\", \"meta\": {\"id\": \"x\\ud800\"}}");
        assertThatThrownBy(() -> Inputs.read(file, List.of())).isInstanceOfSatisfying(ValidationException.class,
                e -> org.assertj.core.api.Assertions.assertThat(e.problems()).singleElement().satisfies(p -> {
                    org.assertj.core.api.Assertions.assertThat(p.pointer()).isEqualTo("/meta/id");
                    org.assertj.core.api.Assertions.assertThat(p.message()).startsWith("the text at /meta/id holds"
                            + " \\ud800, half of a UTF-16 pair and no character");
                }));
        org.assertj.core.api.Assertions.assertThat(Inputs.read(null, List.of("ok:=\"\\ud83d\\ude00\""))
                .get("ok").asString()).isEqualTo("\ud83d\ude00");
    }

    /** Jackson reports its read limits without a place; the fuzzer's files said 1:1 for a number on line 3. */
    @Test
    void aReadLimitIsPlacedWhereTheTextPassesIt() {
        byte[] number = ("{\n  \"s\": \"[[[ 123 \\\" {{\",\n  \"n\": " + "9".repeat(1001) + "\n}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] deep = ("{\"é\": " + "[".repeat(300) + "]".repeat(300) + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8);

        org.assertj.core.api.Assertions.assertThat(Inputs.limitPlace(number)).containsExactly(3, 8);
        org.assertj.core.api.Assertions.assertThat(Inputs.limitPlace(deep)).containsExactly(1, 206);
        org.assertj.core.api.Assertions.assertThat(Inputs.limitPlace("{\"a\": [1, 2]}".getBytes(
                java.nio.charset.StandardCharsets.UTF_8))).isNull();
    }
}
