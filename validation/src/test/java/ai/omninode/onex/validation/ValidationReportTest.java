package ai.omninode.onex.validation;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.contract.Problem;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValidationReportTest {
    @Test
    void relativeToNamesTheFilesUnderTheRootFromItAndLeavesTheOthers(@org.junit.jupiter.api.io.TempDir Path root) {
        String inside = root.resolve("flows/a.yaml").toString();
        String outside = root.getParent().resolve("elsewhere.yaml").toString();
        String inJar = "jar:file:/opt/x.jar!/contract.yaml";
        Problem p = new Problem(inside, 3, 5, "/steps", "bad", "workflow.invalid-value",
                ai.omninode.onex.contract.Severity.ERROR);
        ValidationReport report = new ValidationReport(List.of(
                new ValidationReport.FileResult(inside, ValidationReport.Kind.WORKFLOW, List.of(p)),
                new ValidationReport.FileResult(outside, ValidationReport.Kind.WORKFLOW, List.of()),
                new ValidationReport.FileResult(inJar, ValidationReport.Kind.CONTRACT, List.of())),
                List.of(p));

        ValidationReport rel = report.relativeTo(root);

        assertThat(rel.files()).extracting(ValidationReport.FileResult::file)
                .containsExactly("flows/a.yaml", outside, inJar);
        assertThat(rel.files().get(0).problems()).singleElement().satisfies(q -> {
            assertThat(q.source()).isEqualTo("flows/a.yaml");
            assertThat(q.line()).isEqualTo(3);
            assertThat(q.column()).isEqualTo(5);
            assertThat(q.rule()).isEqualTo("workflow.invalid-value");
        });
        assertThat(rel.problems()).extracting(Problem::source).containsExactly("flows/a.yaml");
    }
}
