package ai.omninode.onex.validation.internal;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Severity;
import ai.omninode.onex.validation.ReportFormat.Tool;
import ai.omninode.onex.validation.ValidationReport;
import ai.omninode.onex.validation.ValidationReport.Kind;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code file:line:col: error: message [rule]}, one problem a line, as compilers write them; then a summary. */
public final class TextWriter {
    private TextWriter() {
    }

    /**
     * One problem on one line: a line feed from inside a YAML value (a message that quotes a multi-line value) is
     * written {@code \n}, so a reader that takes a line for a problem ({@code file:line:col: ...}) sees all of it.
     */
    public static String line(Problem p) {
        String text = p.rule().isEmpty() ? p.toString() : p + " [" + p.rule() + "]";
        return oneLine(text);
    }

    /** {@code text} with line feeds as {@code \n} (other control characters are escaped by {@link Problem}). */
    static String oneLine(String text) {
        return text.indexOf('\n') < 0 ? text : text.replace("\n", "\\n");
    }

    public static void write(ValidationReport report, Tool tool, PrintWriter out, PrintWriter err) {
        report.all().forEach(p -> err.println(line(p)));
        long files = report.checked();
        long errors = report.count(Severity.ERROR);
        long warnings = report.count(Severity.WARNING);
        long skipped = report.count(Kind.SKIPPED);
        List<String> extra = new ArrayList<>();
        if (warnings > 0) {
            extra.add(plural(warnings, "warning"));
        }
        if (skipped > 0) {
            extra.add(plural(skipped, "file") + " skipped (not ONEX files)");
        }
        if (errors == 0) {
            out.printf(Locale.ROOT, "ok: %s valid (%s, %s)%s%n", plural(files, "file"),
                    plural(report.count(Kind.WORKFLOW), "workflow"), plural(report.count(Kind.CONTRACT), "contract"),
                    extra.isEmpty() ? "" : "; " + String.join(", ", extra));
        } else {
            err.printf(Locale.ROOT, "%s: %s%s in %s%s%n", tool.name(), plural(errors, "error"),
                    warnings > 0 ? ", " + plural(warnings, "warning") : "", plural(files, "file"),
                    skipped > 0 ? "; " + plural(skipped, "file") + " skipped (not ONEX files)" : "");
        }
    }

    static String plural(long n, String word) {
        return n + " " + (n == 1 ? word : word + "s");
    }
}
