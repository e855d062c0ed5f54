package ai.omninode.onex.validation.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.contract.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which files globs, folders and excludes choose, on a real folder tree. */
class TargetsTest {
    @TempDir
    Path base;

    @BeforeEach
    void tree() throws IOException {
        for (String f : List.of("flows/broken.yaml", "flows/sub/ok.yaml", "flows/tabs.yaml", "tabs.yaml", "top.yaml",
                "legacy/old.yaml", "legacy/deeper/older.yaml", "a/b/x.yaml", "a/c/b/y.yaml")) {
            Files.createDirectories(base.resolve(f).getParent());
            Files.writeString(base.resolve(f), "steps: []\n");
        }
    }

    private List<String> resolve(List<String> specs, String... excludes) {
        List<Problem> problems = new ArrayList<>();
        List<String> files = new Targets(base, List.of(excludes)).resolve(specs, problems).stream()
                .map(t -> t.file().toString().replace('\\', '/')).toList();
        assertThat(problems).isEmpty();
        return files;
    }

    @Test
    void aDoubleStarGlobFindsTheFilesDirectlyInTheFolderToo() {
        assertThat(resolve(List.of("flows/**/*.yaml")))
                .containsExactly("flows/broken.yaml", "flows/sub/ok.yaml", "flows/tabs.yaml");
        assertThat(resolve(List.of("./flows/**/*.yaml")))
                .containsExactly("flows/broken.yaml", "flows/sub/ok.yaml", "flows/tabs.yaml");
        assertThat(resolve(List.of("**/*.yaml"))).contains("tabs.yaml", "top.yaml", "flows/broken.yaml").hasSize(9);
        assertThat(resolve(List.of("a/**/b/*.yaml"))).containsExactly("a/b/x.yaml", "a/c/b/y.yaml");
    }

    @Test
    void excludesMatchAtTheTopAndUnderAFolderAndIgnoreALeadingDotSlash() {
        assertThat(resolve(List.of("."), "**/tabs.yaml")).doesNotContain("tabs.yaml", "flows/tabs.yaml").hasSize(7);
        assertThat(resolve(List.of("."), "./legacy/**")).noneMatch(f -> f.startsWith("legacy/")).hasSize(7);
        assertThat(resolve(List.of("."), "legacy/")).noneMatch(f -> f.startsWith("legacy/")).hasSize(7);
        assertThat(resolve(List.of("**/*.yaml"), "flows/**")).noneMatch(f -> f.startsWith("flows/")).hasSize(6);
    }

    @Test
    void excludesAreRelativeToTheBaseFolderWhenThePathsAreAbsolute() {
        // the Maven plugin names absolute paths; its excludes are written relative to the project
        List<String> files = resolve(List.of(base.toString()), "legacy/**", "**/tabs.yaml", "sub");

        assertThat(files).hasSize(4).noneMatch(f -> f.contains("/legacy/") || f.endsWith("tabs.yaml") || f.contains("/sub/"));
    }

    @Test
    void anExcludeWithALeadingSlashIsAnchoredToTheBaseFolderAsInGitignore() throws IOException {
        Files.createDirectories(base.resolve("flows/legacy"));
        Files.writeString(base.resolve("flows/legacy/deep.yaml"), "steps: []\n");

        assertThat(resolve(List.of("."), "/legacy")).noneMatch(f -> f.startsWith("legacy/"))
                .contains("flows/legacy/deep.yaml").hasSize(8);
        assertThat(resolve(List.of("."), "/legacy/**")).noneMatch(f -> f.startsWith("legacy/")).hasSize(8);
        assertThat(resolve(List.of(base.toString()), "/tabs.yaml")).noneMatch(f -> f.endsWith("/" + "tabs.yaml")
                && !f.contains("flows")).hasSize(9);
        assertThat(resolve(List.of("."), base.resolve("legacy") + "/**")).hasSize(8); // an absolute path still works
    }

    @Test
    void countsWhatTheExcludesLeftOut() {
        Targets targets = new Targets(base, List.of("legacy", "*.yaml"));
        List<Problem> problems = new ArrayList<>();

        assertThat(targets.resolve(List.of("."), problems)).isEmpty();
        assertThat(targets.excludedFiles()).isEqualTo(7);
        assertThat(targets.excludedFolders()).isEqualTo(1);
    }

    @Test
    void aGlobWhoseFilesWereAllExcludedSaysSo() {
        List<Problem> problems = new ArrayList<>();

        new Targets(base, List.of("flows/**")).resolve(List.of("flows/**/*.yaml"), problems);

        assertThat(problems).extracting(Problem::toString)
                .containsExactly("flows/**/*.yaml: error: no file matches this pattern but those the excludes left out"
                        + " (2 files and 1 folder)");
    }
}
