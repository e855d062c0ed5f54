package ai.omninode.onex.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.omninode.onex.contract.ContractLoader;
import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.validation.ValidationReport.FileResult;
import ai.omninode.onex.validation.ValidationReport.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a searched folder holds besides plain files: links, unreadable files, pipes, UTF-16 text. Nothing in a searched
 * folder may be left out without a word, or CI passes while a workflow goes unchecked.
 */
class SearchedFilesTest {
    static final String WORKFLOW = """
            name: base
            version: {major: 1, minor: 0, patch: 0}
            steps:
              - name: pub
                type: effect
                effect_node: kafka_event_effect
                input: {topic: t.v1, event_type: X, payload: {a: 1}}
            """;
    static final String BROKEN = WORKFLOW.replace("effect_node:", "efect_node:");

    @TempDir
    Path dir;

    static ValidationReport validate(Path base, String... paths) {
        return Validator.builder().baseDirectory(base).paths(List.of(paths)).contracts(List.of(kafkaContract()))
                .discoverNodes(false).build().run();
    }

    static NodeContract kafkaContract() {
        return new ContractLoader().load(SearchedFilesTest.class.getClassLoader()
                .getResource("ai/omninode/onex/contracts/nodes/kafka_event_effect/effect_contract.yaml"));
    }

    static Map<String, FileResult> byFile(ValidationReport report) {
        return report.files().stream().collect(Collectors.toMap(f -> f.file().replace('\\', '/'), Function.identity()));
    }

    private Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.createDirectories(f.getParent());
        return Files.writeString(f, text);
    }

    @Test
    void aLinkedWorkflowAndALinkedFolderInASearchedFolderAreChecked() throws IOException {
        write("outside/bad.yaml", BROKEN);
        write("outside/dir/bad2.yaml", BROKEN);
        write("tree/ok.yaml", WORKFLOW);
        Files.createSymbolicLink(dir.resolve("tree/bad_link.yaml"), Path.of("../outside/bad.yaml"));
        Files.createSymbolicLink(dir.resolve("tree/linkdir"), Path.of("../outside/dir"));

        ValidationReport report = validate(dir, "tree");

        assertThat(byFile(report)).containsOnlyKeys("tree/ok.yaml", "tree/bad_link.yaml", "tree/linkdir/bad2.yaml");
        assertThat(byFile(report).get("tree/bad_link.yaml").problems()).extracting(Problem::rule)
                .contains("workflow.unknown-field", "workflow.missing-field");
        assertThat(byFile(report).get("tree/linkdir/bad2.yaml").hasErrors()).isTrue();
        assertThat(report.valid()).isFalse();
    }

    @Test
    void aLinkBackToAFolderBeingSearchedIsNotSearchedAgainAndAFileReachedTwiceIsCheckedOnce() throws IOException {
        write("links/sub/ok.yaml", WORKFLOW);
        Files.createSymbolicLink(dir.resolve("links/sub/loop"), Path.of(".."));
        Files.createSymbolicLink(dir.resolve("links/sub/loop2"), Path.of("../../links"));
        Files.createSymbolicLink(dir.resolve("links/link_to_ok.yaml"), Path.of("sub/ok.yaml"));

        ValidationReport report = validate(dir, "links");

        assertThat(report.problems()).isEmpty();
        assertThat(report.files()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.WORKFLOW);
            assertThat(f.problems()).isEmpty();
        });
    }

    @Test
    void aDanglingLinkAndAPipeNamedLikeYamlAreSkippedWithTheReason() throws Exception {
        write("links/ok.yaml", WORKFLOW);
        Files.createSymbolicLink(dir.resolve("links/dangling.yaml"), Path.of("/nonexistent/x.yaml"));
        Process mkfifo = new ProcessBuilder("mkfifo", dir.resolve("links/fifo.yaml").toString()).start();
        boolean fifo = mkfifo.waitFor() == 0;

        ValidationReport report = validate(dir, "links");

        assertThat(byFile(report).get("links/dangling.yaml")).satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.SKIPPED);
            assertThat(f.problems()).singleElement().extracting(Problem::toString).isEqualTo("links/dangling.yaml: note:"
                    + " a symbolic link to /nonexistent/x.yaml, which does not exist (a dangling link); skipped");
        });
        if (fifo) { // mkfifo is there on Linux and macOS
            assertThat(byFile(report).get("links/fifo.yaml")).satisfies(f -> {
                assertThat(f.kind()).isEqualTo(Kind.SKIPPED);
                assertThat(f.problems()).singleElement().extracting(Problem::message)
                        .isEqualTo("not a regular file (a named pipe, socket or device); skipped");
            });
        }
        assertThat(report.valid()).isTrue();
    }

    @Test
    void anUnreadableFileInASearchedFolderIsAnError() throws IOException {
        write("perm/sub/ok.yaml", WORKFLOW);
        Path unreadable = write("perm/unreadable.yaml", BROKEN);
        Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("---------"));
        assumeTrue(!Files.isReadable(unreadable), "root reads a file of mode 000; see the /proc/self/mem test");

        ValidationReport report = validate(dir, "perm");

        assertThat(byFile(report).get("perm/unreadable.yaml")).satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.UNRECOGNIZED);
            assertThat(f.problems()).extracting(Problem::toString).containsExactly(
                    "perm/unreadable.yaml: error: cannot read file: permission denied");
        });
        assertThat(report.valid()).isFalse();
    }

    @Test
    void aFileThatCannotBeReadEvenByRootInASearchedFolderIsAnError() throws IOException {
        // /proc/self/mem is a regular file that no one can read from its start (the page at 0 is never mapped): the
        // same path through the code as a file of mode 000, where the tests run as root
        assumeTrue(Files.isRegularFile(Path.of("/proc/self/mem")), "Linux only");
        write("io/ok.yaml", WORKFLOW);
        Files.createSymbolicLink(dir.resolve("io/mem.yaml"), Path.of("/proc/self/mem"));

        ValidationReport report = validate(dir, "io");

        assertThat(byFile(report).get("io/mem.yaml")).satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.UNRECOGNIZED);
            assertThat(f.problems()).singleElement().satisfies(p -> {
                assertThat(p.rule()).isEqualTo("file.unreadable");
                assertThat(p.message()).startsWith("cannot read file: ").doesNotContain("/proc");
            });
        });
        assertThat(report.valid()).isFalse();
    }

    @Test
    void aUtf16WorkflowInASearchedFolderIsAnEncodingErrorAndOtherUtf16YamlIsSkipped() throws IOException {
        write("utf16/ok.yaml", WORKFLOW);
        byte[] bom = {(byte) 0xFF, (byte) 0xFE};
        byte[] le = BROKEN.getBytes(StandardCharsets.UTF_16LE);
        Files.write(dir.resolve("utf16/bom.yaml"), concat(bom, le));
        Files.write(dir.resolve("utf16/le.yaml"), le);
        Files.write(dir.resolve("utf16/be.yaml"), BROKEN.getBytes(StandardCharsets.UTF_16BE));
        Files.write(dir.resolve("utf16/compose.yaml"), "services:\n  kafka: {image: redpanda}\n"
                .getBytes(StandardCharsets.UTF_16LE));

        Map<String, FileResult> files = byFile(validate(dir, "utf16"));

        assertThat(files.get("utf16/bom.yaml").problems()).extracting(Problem::toString).containsExactly(
                "utf16/bom.yaml:1:1: error: document is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8");
        assertThat(files.get("utf16/le.yaml").problems()).extracting(Problem::toString).containsExactly(
                "utf16/le.yaml:1:1: error: document is UTF-16 (little-endian, without a byte order mark: every other"
                        + " byte is zero); save it as UTF-8");
        assertThat(files.get("utf16/be.yaml").problems()).extracting(Problem::message).singleElement().asString()
                .contains("big-endian");
        assertThat(files.get("utf16/be.yaml").problems()).extracting(Problem::rule).containsExactly("yaml.encoding");
        assertThat(files.get("utf16/compose.yaml").kind()).isEqualTo(Kind.SKIPPED);
        assertThat(files.get("utf16/compose.yaml").problems()).extracting(Problem::rule).containsExactly("file.skipped");
    }

    @Test
    void aRepositoryRootWithCiPipelinesThatHaveTopLevelStepsChecksOnlyItsWorkflows() throws IOException {
        write("azure-pipelines.yml", "trigger:\n  - main\npool:\n  vmImage: ubuntu-latest\nsteps:\n"
                + "  - script: mvn -B verify\n    displayName: Build\n");
        write("cloudbuild.yaml", "steps:\n  - name: gcr.io/cloud-builders/docker\n    args: [build, .]\n");
        write(".drone.yml", "kind: pipeline\ntype: docker\nname: default\nsteps:\n  - name: test\n    image: maven:3\n");
        write("flows/ok.yaml", WORKFLOW);
        write("flows/broken.yaml", "name: broken\nversion: 1.0.0\nsteps:\n  - name: a\n    type: effect\n");

        ValidationReport searched = validate(dir, ".");
        ValidationReport named = validate(dir, "cloudbuild.yaml");

        Map<String, FileResult> files = byFile(searched);
        assertThat(files.get("flows/ok.yaml").kind()).isEqualTo(Kind.WORKFLOW);
        assertThat(files.get("flows/broken.yaml").kind()).isEqualTo(Kind.WORKFLOW);
        assertThat(files.get("flows/broken.yaml").hasErrors()).isTrue();
        for (String pipeline : List.of("azure-pipelines.yml", "cloudbuild.yaml", ".drone.yml")) {
            assertThat(files.get(pipeline).kind()).as(pipeline).isEqualTo(Kind.SKIPPED);
            assertThat(files.get(pipeline).problems()).singleElement().extracting(Problem::message).asString()
                    .startsWith("has 'steps' but no other sign of an ONEX workflow");
        }
        assertThat(searched.all()).filteredOn(Problem::isError).allMatch(p -> p.source().endsWith("broken.yaml"));
        assertThat(named.files()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.WORKFLOW); // named on its own: it must be an ONEX workflow
            assertThat(f.hasErrors()).isTrue();
        });
    }

    @Test
    void aFileOverTheWorkflowSizeLimitIsRefusedBeforeParsingWhereverItWasFound() throws IOException {
        // a valid workflow padded with a comment to one byte over the limit: refused unparsed, named or found
        String padding = "#".repeat((int) ai.omninode.onex.workflow.WorkflowLoader.MAX_BYTES - WORKFLOW.length()) + "\n";
        Path big = write("big/flow.yaml", WORKFLOW + padding);
        write("big/openapi.yaml", "openapi: 3.0.0\n" + padding);

        ValidationReport named = validate(dir, "big/flow.yaml");
        Map<String, FileResult> searched = byFile(validate(dir, "big"));

        String tooLarge = ": error: file is " + Files.size(big) + " bytes, larger than the limit of 4194304 bytes";
        assertThat(named.all()).extracting(Problem::toString).containsExactly("big/flow.yaml:1:1" + tooLarge);
        assertThat(searched.get("big/flow.yaml").problems()).extracting(Problem::toString)
                .containsExactly("big/flow.yaml:1:1" + tooLarge);
        assertThat(searched.get("big/openapi.yaml").kind()).isEqualTo(Kind.SKIPPED);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
