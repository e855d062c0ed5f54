package ai.omninode.onex.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSON Lines as other tools write them. */
class BatchInputsTest {

    @Test
    void aByteOrderMarkBeforeTheFirstLineAndCrlfLineEndsAreNotPartOfTheInputs(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("in.jsonl");
        // as a Windows tool exports it: UTF-8 with a BOM, CRLF line ends, no line end after the last line
        Files.write(file, "\uFEFF{\"n\": 1}\r\n\r\n{\"n\": 2}\r\n{\"n\": \"\uFEFF3\"}".getBytes(StandardCharsets.UTF_8));

        List<BatchInputs.Input> inputs = new ArrayList<>();
        try (BatchInputs batch = BatchInputs.open(file)) {
            while (batch.hasNext()) {
                inputs.add(batch.next());
            }
        }

        assertThat(inputs).hasSize(3).allMatch(BatchInputs.Input::valid);
        assertThat(inputs).extracting(BatchInputs.Input::line).containsExactly(1, 3, 4);
        assertThat(inputs.get(0).value().get("n").asInt()).isEqualTo(1);
        assertThat(inputs.get(2).value().get("n").asString()).as("a BOM inside a value is data").isEqualTo("\uFEFF3");
    }

    @Test
    void aNumberTooLargeForADoubleIsRefusedAtItsPointerNotTurnedIntoInfinity(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("in.jsonl");
        Files.writeString(file, "{\"a\": {\"b/c\": [1, 1e400]}}\n{\"a\": 1e308}\n");

        List<BatchInputs.Input> inputs = new ArrayList<>();
        try (BatchInputs batch = BatchInputs.open(file)) {
            while (batch.hasNext()) {
                inputs.add(batch.next());
            }
        }

        assertThat(inputs.get(0).valid()).isFalse();
        assertThat(inputs.get(0).problems()).singleElement().satisfies(p -> {
            assertThat(p.pointer()).isEqualTo("/a/b~1c/1");
            assertThat(p.message()).contains("out of range").doesNotContain("Infinity");
        });
        assertThat(inputs.get(1).valid()).as("large, but a double").isTrue();
    }

    @Test
    void aLineOfAFormFeedOrAUnicodeSpaceIsAnInputReportedAsNotJsonAndCountedOnce(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("in.jsonl");
        Files.writeString(file, "{\"n\": 1}\n\f\n \t \n\u2003\n{\"n\": 2}\n");

        List<BatchInputs.Input> inputs = new ArrayList<>();
        int counted;
        try (BatchInputs batch = BatchInputs.open(file)) {
            counted = batch.total();
            while (batch.hasNext()) {
                inputs.add(batch.next());
            }
        }

        assertThat(inputs).extracting(BatchInputs.Input::line).containsExactly(1, 2, 4, 5);
        assertThat(counted).as("the total the progress bar and the summary use").isEqualTo(inputs.size());
        assertThat(inputs.get(1).valid()).isFalse();
        assertThat(inputs.get(2).valid()).isFalse();
    }

    @Test
    void aJsonFileInAFolderThatIsALinkToNothingIsAFailedInputNamedNotLeftOut(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.json"), "{\"n\": 1}");
        Files.createSymbolicLink(dir.resolve("b.json"), dir.resolve("gone.json"));

        List<BatchInputs.Input> inputs = new ArrayList<>();
        try (BatchInputs batch = BatchInputs.open(dir)) {
            assertThat(batch.total()).isEqualTo(2);
            while (batch.hasNext()) {
                inputs.add(batch.next());
            }
        }

        assertThat(inputs).extracting(BatchInputs.Input::key).containsExactly("a.json", "b.json");
        assertThat(inputs.get(1).valid()).isFalse();
        assertThat(inputs.get(1).problems()).singleElement().satisfies(p -> assertThat(p.toString())
                .contains("b.json").containsAnyOf("not found", "link"));
    }
}
