package ai.omninode.onex.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every file in {@code contracts/bad/} is a contract the loader must refuse. Each one says what it expects in its
 * first line, {@code # expect: [file:]line[:column] message fragment}; files that cannot hold a comment (empty, UTF-16)
 * say it in {@code expectations.properties}. The named file defaults to the fixture itself.
 */
class BadContractsTest {
    static final Path BAD = Path.of("src/test/resources/contracts/bad");
    private static final Pattern EXPECT = Pattern.compile("^#\\s*expect:\\s*(.+)$");
    private static final Pattern WHERE_WHAT = Pattern.compile("^(?:([^\\s:]*\\.[^\\s:]*):)?(\\d+)(?::(\\d+))?\\s+(.+)$");

    private final ContractLoader loader = new ContractLoader();

    /** What one fixture expects: the problem's file, line, column (0 when not given) and a fragment of its message. */
    record Fixture(Path file, String source, int line, int column, String message) {
        @Override
        public String toString() {
            return file.getFileName() + " fails at " + source + ":" + line + (column > 0 ? ":" + column : "") + " with \""
                    + message + "\"";
        }
    }

    static Stream<Fixture> badContracts() throws IOException {
        Properties sidecar = new Properties();
        try (Reader in = Files.newBufferedReader(BAD.resolve("expectations.properties"), StandardCharsets.UTF_8)) {
            sidecar.load(in);
        }
        try (Stream<Path> files = Files.list(BAD)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".yaml"))
                    .sorted()
                    .map(f -> fixture(f, sidecar))
                    .toList()
                    .stream();
        }
    }

    private static Fixture fixture(Path file, Properties sidecar) {
        String name = file.getFileName().toString();
        String expectation = sidecar.getProperty(name);
        if (expectation == null) {
            expectation = firstLineExpectation(file);
        }
        if (expectation == null) {
            throw new IllegalStateException(file + " has no '# expect:' first line and no entry in expectations.properties");
        }
        Matcher m = WHERE_WHAT.matcher(expectation.trim());
        if (!m.matches()) {
            throw new IllegalStateException(file + ": expectation '" + expectation + "' is not '[file:]line[:col] message'");
        }
        return new Fixture(file, m.group(1) == null ? name : m.group(1), Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3)), m.group(4));
    }

    /** The first line, read byte for byte (ISO-8859-1 cannot fail), so that non-UTF-8 fixtures can still say what they expect. */
    private static String firstLineExpectation(Path file) {
        try {
            String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            String first = text.lines().findFirst().orElse("");
            Matcher m = EXPECT.matcher(first);
            return m.matches() ? m.group(1) : null;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badContracts")
    void badContractIsRejectedWithTheProblemItExpects(Fixture fixture) {
        ValidationException e = catchThrowableOfType(ValidationException.class, () -> loader.load(fixture.file()));

        assertThat(e).as("%s must be rejected", fixture.file()).isNotNull();
        Problem first = e.problems().get(0);
        assertThat(first.message()).as("message of the first problem of %s", fixture.file()).contains(fixture.message());
        assertThat(Path.of(first.source()).getFileName()).as("source of %s", fixture.file()).hasToString(fixture.source());
        assertThat(Path.of(first.source()).getParent()).isEqualTo(fixture.file().getParent());
        assertThat(first.line()).as("line of '%s'", first.message()).isEqualTo(fixture.line());
        if (fixture.column() > 0) {
            assertThat(first.column()).as("column of '%s'", first.message()).isEqualTo(fixture.column());
        }
        assertThat(e.getMessage()).startsWith(first.source() + ":" + first.line() + ":" + first.column() + ": error: ");
    }

    @Test
    void corpusHoldsAtLeastTwentyDistinctBadContracts() throws IOException {
        List<Fixture> fixtures = badContracts().toList();
        List<String> contents = new java.util.ArrayList<>();
        for (Fixture f : fixtures) {
            contents.add(java.util.Arrays.toString(Files.readAllBytes(f.file())));
        }

        assertThat(fixtures).hasSizeGreaterThanOrEqualTo(20);
        assertThat(contents).doesNotHaveDuplicates();
    }

    @Test
    void contractWithSeveralErrorsReportsAllOfThemInSourceOrder() {
        ValidationException e = catchThrowableOfType(ValidationException.class,
                () -> loader.load(BAD.resolve("several_errors.yaml")));

        assertThat(e.problems())
                .extracting(Problem::line, Problem::column, p -> p.message().replaceFirst(" \\(.*|;.*", ""))
                .containsExactly(
                        tuple(3, 10, "'/version' must be an object"),
                        tuple(8, 16, "Effect node must define at least one I/O operation"),
                        tuple(11, 30, "Circuit breaker threshold cannot exceed max retry attempts"),
                        tuple(12, 1, "unknown field 'colour'"));
        assertThat(e.getMessage().lines()).hasSize(4);
    }

    @Test
    void tenThousandLevelsOfNestingFailFastWithoutOverflowingTheStack(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("deep.yaml");
        Files.writeString(file, validHeader() + "metadata:\n  deep: " + "[".repeat(10_000) + "]".repeat(10_000) + "\n");

        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOfSatisfying(ValidationException.class, e -> {
                    Problem p = e.problems().get(0);
                    assertThat(p.message()).isEqualTo("nesting is deeper than the limit of 200 levels");
                    assertThat(p.line()).isEqualTo(13);
                    assertThat(p.column()).isEqualTo("  deep: ".length() + 199);
                    assertThat(p.source()).isEqualTo(file.toString());
                });
    }

    @Test
    void aliasesCannotNestDeeperThanTheLimitWhereTheTextCannot(@TempDir Path dir) throws IOException {
        // each line is 150 levels deep in the text, but wraps the previous one: 150 * 60 levels in the tree
        StringBuilder yaml = new StringBuilder(validHeader()).append("metadata:\n");
        yaml.append("  l0: &l0 ").append("[".repeat(150)).append("]".repeat(150)).append('\n');
        for (int i = 1; i < 60; i++) {
            yaml.append("  l").append(i).append(": &l").append(i).append(' ')
                    .append("[".repeat(150)).append("*l").append(i - 1).append("]".repeat(150)).append('\n');
        }
        Path file = dir.resolve("deep_aliases.yaml");
        Files.writeString(file, yaml);

        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOfSatisfying(ValidationException.class, e -> {
                    Problem p = e.problems().get(0);
                    assertThat(p.message()).startsWith("nesting is deeper than the limit of 200 levels");
                    assertThat(p.line()).isEqualTo(14);
                    assertThat(p.column()).isEqualTo("  l1: &l1 ".length() + 150 + 1);
                });
    }

    @Test
    void fileOverTheSizeLimitIsRefusedBeforeItIsParsed(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("huge.yaml");
        Files.writeString(file, validHeader() + "metadata:\n  padding: \"" + "x".repeat(1024 * 1024) + "\"\n");

        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems())
                        .singleElement()
                        .satisfies(p -> {
                            assertThat(p.message()).matches("document is \\d+ bytes, larger than the limit of 1048576 bytes");
                            assertThat(p.line()).isEqualTo(1);
                            assertThat(p.source()).isEqualTo(file.toString());
                        }));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"alias_bomb.yaml", "alias_bomb_of_empty_lists.yaml"})
    void aliasBombIsRefusedInWellUnderASecond(String fixture) {
        long start = System.nanoTime();

        assertThatThrownBy(() -> loader.load(BAD.resolve(fixture))).isInstanceOf(ValidationException.class);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void missingContractFileIsAProblemNamingThePath() {
        Path file = BAD.resolve("no_such_contract.yaml");

        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems())
                        .singleElement()
                        .satisfies(p -> {
                            assertThat(p.source()).isEqualTo(file.toString());
                            assertThat(p.message()).isEqualTo("file not found");
                            assertThat(p.hasPosition()).isFalse();
                            assertThat(p).hasToString(file + ": error: file not found");
                        }));
    }

    /** Lines 1-11 of a valid effect contract (the "# expect" line of the fixtures has no counterpart here). */
    static String validHeader() {
        return """
                name: generated_effect
                version:
                  major: 1
                  minor: 0
                  patch: 0
                description: A contract generated by a test
                node_type: effect
                input_model: ModelSampleInput
                output_model: ModelSampleOutput
                io_operations:
                  - operation_type: write
                """;
    }
}
