package ai.omninode.onex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code onex validate} over the fixture folders. Each bad workflow declares what it must produce, one
 * {@code # expect: LINE: message} comment per problem; the file must give exactly those problems (each on its
 * line, containing its message) and exit 2. Good workflows must validate clean.
 */
class ValidateFixturesTest {
    private static final Path BAD = Path.of("src/test/resources/workflows/bad");
    private static final Path GOOD = Path.of("src/test/resources/workflows/good");
    private static final Pattern EXPECT = Pattern.compile("^# expect: (\\d+): (.+)$");

    record Expectation(int line, String message) {
    }

    static Stream<Path> badWorkflows() throws IOException {
        try (Stream<Path> files = Files.list(BAD)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    static Stream<Path> goodWorkflows() throws IOException {
        List<Path> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(GOOD)) {
            files.filter(f -> f.toString().endsWith(".yaml")).sorted().forEach(all::add);
        }
        all.add(Cli.REPO.resolve("examples/document_ingestion.yaml"));
        all.add(Cli.REPO.resolve("examples/document_ingestion_failing.yaml"));
        return all.stream();
    }

    private static List<Expectation> expectations(Path file) throws IOException {
        List<Expectation> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            Matcher m = EXPECT.matcher(line);
            if (m.matches()) {
                out.add(new Expectation(Integer.parseInt(m.group(1)), m.group(2)));
            }
        }
        return out;
    }

    @Test
    void thereAreAtLeastFifteenBadFixturesAndEachDeclaresItsProblems() throws IOException {
        List<Path> bad = badWorkflows().toList();
        assertThat(bad).hasSizeGreaterThanOrEqualTo(15);
        for (Path f : bad) {
            assertThat(expectations(f)).as(f.toString()).isNotEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badWorkflows")
    void aBadWorkflowGivesExactlyItsExpectedProblemsOnTheirLinesAndExitsTwo(Path file) throws IOException {
        Cli.Result r = Cli.onex("validate", file.toString(), "--plugins", Cli.PLUGINS.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(Onex.INVALID);
        List<Expectation> expected = expectations(file);
        List<String> problems = new ArrayList<>(r.problems());
        assertThat(problems).as(r.toString()).hasSameSizeAs(expected);
        for (Expectation e : expected) {
            String prefix = file + ":" + e.line() + ":";
            assertThat(problems).as("expected on line %d: %s%n%s", e.line(), e.message(), r)
                    .anySatisfy(p -> assertThat(p).startsWith(prefix).contains(": error: ").contains(e.message()));
            problems.removeIf(p -> p.startsWith(prefix) && p.contains(e.message()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodWorkflows")
    void aGoodWorkflowValidatesCleanAndExitsZero(Path file) {
        Cli.Result r = Cli.onex("validate", file.toString(), "--plugins", Cli.PLUGINS.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        // warnings only: these workflows keep the original format's monitoring settings, which are not interpreted
        assertThat(r.err().lines()).as(r.toString()).allMatch(l -> l.contains(": warning: ")
                && l.endsWith("[workflow.ignored-setting]"));
        assertThat(r.out()).startsWith("ok: 1 file valid (1 workflow, 0 contracts)");
    }

    @Test
    void theNodeContractsInTheRepositoryValidateClean() {
        Cli.Result r = Cli.onex("validate", Cli.REPO.resolve("contracts/nodes").toString(),
                Cli.REPO.resolve("examples/src/main/resources").toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).contains("(0 workflows, 8 contracts)");
    }
}
