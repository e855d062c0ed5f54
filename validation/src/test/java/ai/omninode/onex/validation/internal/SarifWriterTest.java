package ai.omninode.onex.validation.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** SARIF's artifactLocation.uri is a URI reference: names with spaces, '%', ':' or non-ASCII letters survive it. */
class SarifWriterTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            flows/ok.yaml               | flows/ok.yaml
            a b,c:d%50é.yaml            | a%20b,c%3Ad%2550%C3%A9.yaml
            c:d/x.yaml                  | c%3Ad/x.yaml
            #hash?q[1].yaml             | %23hash%3Fq%5B1%5D.yaml
            <stdin>                     | %3Cstdin%3E
            file:x.yaml                 | file%3Ax.yaml
            jar:x.yaml                  | jar%3Ax.yaml
            dir with space/file:x.yaml  | dir%20with%20space/file%3Ax.yaml
            """)
    void relativePathsAreEncodedSegmentBySegment(String path, String uri) {
        assertThat(SarifWriter.uri(path)).isEqualTo(uri);
    }

    @org.junit.jupiter.api.Test
    void aBackslashIsASeparatorOnWindowsOnlyAndACharacterOfTheNameElsewhere() {
        String uri = SarifWriter.uri("dir\\with back\\slash.yaml");
        assertThat(uri).isEqualTo(java.io.File.separatorChar == '\\' ? "dir/with%20back/slash.yaml"
                : "dir%5Cwith%20back%5Cslash.yaml");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b,c:d%50é.yaml", "c:d/x.yaml", "sub dir/100%.yaml", "日本/ü:ö.yaml", "#hash?q[1].yaml",
            "emoji😀.yaml", "q/back\\slash.yaml", "file:x.yaml"})
    void decodingTheUriGivesTheOriginalPathBack(String name, @TempDir Path base) throws IOException {
        Path file = base.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "steps: []\n");

        String uri = SarifWriter.uri(name);
        URI parsed = URI.create(uri); // a valid URI reference, or this throws

        assertThat(parsed.isAbsolute()).as("%s must not read as a scheme", uri).isFalse();
        assertThat(parsed.getPath()).isEqualTo(name);
        assertThat(Path.of(base.toUri().resolve(parsed))).isEqualTo(file);
        // an absolute path: a file: URI that leads to the same file
        assertThat(Path.of(URI.create(SarifWriter.uri(file.toString())))).isEqualTo(file);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jar:file:/opt/onex/plugins/x.jar!/effect_contract.yaml", "file:/tmp/x.yaml",
            "https://example.com/schema.json"})
    void aSourceThatIsAUriAlreadyStaysAsItIs(String uri) {
        assertThat(SarifWriter.uri(uri)).isEqualTo(uri);
    }
}
