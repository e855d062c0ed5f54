package ai.omninode.onex.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The progress line: a bar with percentage and ETA for a file, a count for a stream whose end is unknown. */
class BatchProgressTest {
    private static BatchInputs.Input input(int line) {
        return new BatchInputs.Input("in:" + line, line, line, "line-" + line, null, List.of());
    }

    private static BatchSummary summaryOf(int total, int done, int invalid) {
        BatchSummary s = new BatchSummary(total, 4, "k", true);
        for (int i = 1; i <= done; i++) {
            s.add(i <= invalid ? BatchSummary.Outcome.invalid(input(i), List.of(ai.omninode.onex.contract.Problem.of("in",
                    "bad")), 1_000_000) : BatchSummary.Outcome.error(input(i), "boom", 1_000_000));
        }
        return s;
    }

    @Test
    void aFileShowsItsShareDoneAndAStreamItsCount() {
        BatchProgress bar = new BatchProgress(new PrintWriter(new StringWriter()), BatchProgress.Mode.BAR);
        BatchProgress lines = new BatchProgress(new PrintWriter(new StringWriter()), BatchProgress.Mode.LINES);

        assertThat(bar.line(summaryOf(10, 4, 1))).startsWith("[").contains("4/10", "40%", "4 failed");
        assertThat(lines.line(summaryOf(BatchInputs.UNKNOWN, 3, 1))).startsWith("progress: 3 done")
                .contains("3 failed").doesNotContain("%", "ETA", "/-1");
        assertThat(bar.line(summaryOf(BatchInputs.UNKNOWN, 3, 0))).startsWith("3 done").doesNotContain("[");
    }

    /** A problem in the input is told by its column; one in the workflow (a step's contract) by its file:line:col. */
    @Test
    void aProblemIsPlacedInTheInputOrInTheWorkflow() {
        BatchInputs.Input line3 = new BatchInputs.Input("docs.jsonl:3", 2, 3, "line-3", null, List.of());
        BatchInputs.Input file = new BatchInputs.Input("in/a.json", 1, 0, "a.json", null, List.of());

        assertThat(BatchSummary.describe(line3, new ai.omninode.onex.contract.Problem("docs.jsonl", 3, 7, "", "bad",
                null, null))).isEqualTo("column 7: bad");
        assertThat(BatchSummary.describe(line3, new ai.omninode.onex.contract.Problem("docs", 12, 5, "", "breaks",
                null, null))).as("a file whose name the input's starts with").isEqualTo("docs:12:5: breaks");
        assertThat(BatchSummary.describe(file, new ai.omninode.onex.contract.Problem("in/a.json", 2, 4, "", "bad",
                null, null))).isEqualTo("line 2, column 4: bad");
        assertThat(BatchSummary.describe(file, new ai.omninode.onex.contract.Problem("flow.yaml", 9, 3, "", "breaks",
                null, null))).isEqualTo("flow.yaml:9:3: breaks");
    }

    @Test
    void aStreamsSummaryCountsWhatItRead() {
        BatchSummary s = summaryOf(BatchInputs.UNKNOWN, 2, 1);
        s.finish(false, true);
        StringWriter out = new StringWriter();

        s.print(new PrintWriter(out), "stdin");

        assertThat(out.toString()).contains("batch of 2 inputs from stdin: 0 succeeded, 2 failed (1 invalid)",
                "stopped at the first failure (--fail-fast): the rest of stdin was not read");
        assertThat(s.allSucceeded()).isFalse();
        assertThat(s.notRun()).isEqualTo(BatchInputs.UNKNOWN);
    }
}
