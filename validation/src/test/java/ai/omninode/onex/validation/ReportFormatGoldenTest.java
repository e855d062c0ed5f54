package ai.omninode.onex.validation;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.validation.ReportFormat.Tool;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each format, byte for byte, for one small project ({@code golden/project}: a workflow with an error and a warning, a
 * valid contract its workflow uses, a broken contract whose message needs escaping, and a docker-compose.yml that is
 * skipped). The expected files are in {@code golden/}; {@code -Donex.golden.update=true} rewrites them (then review the
 * diff).
 */
class ReportFormatGoldenTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden");
    static final Tool TOOL = new Tool("onex validate", "0.0.0-test");

    static ValidationReport report() {
        return Validator.builder()
                .baseDirectory(GOLDEN.resolve("project"))
                .path(".")
                .discoverNodes(false)
                .build()
                .run();
    }

    static String render(ReportFormat format) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        format.write(report(), TOOL, new PrintWriter(out), new PrintWriter(err));
        return format == ReportFormat.TEXT ? "--- stdout\n" + out + "--- stderr\n" + err : out.toString();
    }

    static Path expectedFile(ReportFormat format) {
        String ext = switch (format) {
            case TEXT -> "txt";
            case JSON -> "json";
            case SARIF -> "sarif";
            case JUNIT -> "xml";
            case GITHUB -> "github.txt";
        };
        return GOLDEN.resolve("expected." + ext);
    }

    @ParameterizedTest
    @EnumSource(ReportFormat.class)
    void eachFormatWritesExactlyItsGoldenFile(ReportFormat format) throws IOException {
        String actual = render(format);
        Path expected = expectedFile(format);
        if (Boolean.getBoolean("onex.golden.update")) {
            Files.writeString(expected, actual, StandardCharsets.UTF_8);
        }

        assertThat(actual).isEqualTo(Files.readString(expected, StandardCharsets.UTF_8));
    }

    @Test
    void theGoldenProjectHasErrorsWarningsAndASkippedFile() {
        ValidationReport report = report();

        assertThat(report.count(ai.omninode.onex.contract.Severity.ERROR)).isGreaterThanOrEqualTo(2);
        assertThat(report.count(ai.omninode.onex.contract.Severity.WARNING)).isEqualTo(2);
        assertThat(report.count(ValidationReport.Kind.SKIPPED)).isEqualTo(1);
    }
}
