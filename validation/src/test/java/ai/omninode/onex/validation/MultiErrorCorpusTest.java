package ai.omninode.onex.validation;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.contract.ContractLoader;
import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.validation.ValidationReport.FileResult;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Files with several problems each: every problem of a file is reported in one run, and the exact set of
 * {@code (line, column, rule)} is what the file declares, one {@code # expect: LINE:COL RULE} comment per problem
 * ({@code # expect: OTHER_FILE:LINE:COL RULE} for a problem in a file the contract names). Workflows use the nodes
 * whose contracts are in {@code corpus/nodes} (found in the tree, as in a node project) and the Kafka node's contract.
 */
class MultiErrorCorpusTest {
    static final Path CORPUS = Path.of("src/test/resources/corpus");
    private static final Pattern EXPECT = Pattern.compile("^# expect: (?:([^\\s:]+):)?(\\d+):(\\d+) ([a-z0-9.-]+)$");

    static Stream<Path> corpus() throws IOException {
        try (Stream<Path> files = Files.walk(CORPUS)) {
            return files.filter(f -> f.toString().endsWith(".yaml") && !f.startsWith(CORPUS.resolve("nodes")))
                    .sorted().toList().stream();
        }
    }

    static NodeContract kafkaContract() {
        URL url = MultiErrorCorpusTest.class.getClassLoader()
                .getResource("ai/omninode/onex/contracts/nodes/kafka_event_effect/effect_contract.yaml");
        return new ContractLoader().load(url);
    }

    static ValidationReport validate(Path file) {
        return Validator.builder()
                .path(file.toString())
                .path(CORPUS.resolve("nodes").toString())
                .contracts(List.of(kafkaContract()))
                .discoverNodes(false)
                .build()
                .run();
    }

    private static Set<String> expected(Path file) throws IOException {
        Set<String> out = new TreeSet<>();
        for (String line : Files.readAllLines(file)) {
            Matcher m = EXPECT.matcher(line);
            if (m.matches()) {
                out.add((m.group(1) == null ? "" : m.group(1) + ":") + m.group(2) + ":" + m.group(3) + " " + m.group(4));
            }
        }
        return out;
    }

    private static String key(Path file, Problem p) {
        String other = p.source().equals(file.toString()) ? "" : Path.of(p.source()).getFileName() + ":";
        return other + p.line() + ":" + p.column() + " " + p.rule();
    }

    @Test
    void theCorpusHoldsAtLeastTwentyFilesOfWorkflowsAndContractsEachWithSeveralProblems() throws IOException {
        List<Path> files = corpus().toList();

        assertThat(files).hasSizeGreaterThanOrEqualTo(20);
        assertThat(files).anyMatch(f -> f.toString().contains("/workflows/"))
                .anyMatch(f -> f.toString().contains("/contracts/"));
        for (Path f : files) {
            assertThat(expected(f)).as(f.toString()).hasSizeGreaterThanOrEqualTo(2);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void everyProblemOfTheFileIsReportedAtItsLineAndColumnWithItsRule(Path file) throws IOException {
        ValidationReport report = validate(file);

        FileResult result = report.files().stream().filter(f -> f.file().equals(file.toString())).findFirst().orElseThrow();
        Set<String> actual = result.problems().stream().map(p -> key(file, p)).collect(Collectors.toCollection(TreeSet::new));
        String listing = result.problems().stream().map(p -> "# expect: " + key(file, p) + "    <- " + p.message())
                .collect(Collectors.joining("\n"));
        assertThat(actual).as("%s reports:%n%s", file, listing).isEqualTo(expected(file));
        assertThat(report.problems()).as("problems outside the files").isEmpty();
        assertThat(result.problems()).allSatisfy(p -> assertThat(Rules.find(p.rule())).as(p.toString()).isPresent());
    }

    @Test
    void theNodeContractsOfTheCorpusAreValidAndKnownToItsWorkflows() {
        ValidationReport report = validate(CORPUS.resolve("workflows/w01_wrong_type_and_misspelled_reference.yaml"));

        assertThat(report.files()).filteredOn(f -> f.kind() == ValidationReport.Kind.CONTRACT)
                .hasSize(2).allSatisfy(f -> assertThat(f.problems()).isEmpty());
    }
}
