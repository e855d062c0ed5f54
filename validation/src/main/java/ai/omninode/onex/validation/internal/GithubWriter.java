package ai.omninode.onex.validation.internal;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Severity;
import ai.omninode.onex.validation.ValidationReport;
import java.io.PrintWriter;

/**
 * GitHub Actions workflow commands, one an error or warning: {@code ::error file=F,line=L,col=C,title=RULE::MESSAGE}.
 * GitHub shows them as annotations on the file and line in the pull request; notes (skipped files) are plain log lines. Values are escaped as the runner expects
 * ({@code %}, CR and LF everywhere; {@code :} and {@code ,} in properties too), so a message cannot end the command or
 * start another.
 */
public final class GithubWriter {
    private GithubWriter() {
    }

    public static void write(ValidationReport report, PrintWriter out) {
        for (Problem p : report.all()) {
            if (p.severity() == Severity.NOTE) {
                // a skipped file is worth a line in the log, not an annotation on the pull request
                out.println(TextWriter.line(p));
                continue;
            }
            String command = p.severity() == Severity.ERROR ? "error" : "warning";
            StringBuilder line = new StringBuilder("::").append(command).append(" file=").append(property(p.source()));
            if (p.hasPosition()) {
                line.append(",line=").append(p.line()).append(",col=").append(p.column());
            }
            if (!p.rule().isEmpty()) {
                line.append(",title=").append(property(p.rule()));
            }
            line.append("::").append(data(p.message()));
            out.println(line);
        }
        long errors = report.count(Severity.ERROR);
        out.println((errors == 0 ? "onex validate: ok, " : "onex validate: " + TextWriter.plural(errors, "error") + ", ")
                + TextWriter.plural(report.count(Severity.WARNING), "warning") + " in "
                + TextWriter.plural(report.checked(), "file"));
    }

    static String data(String s) {
        return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A");
    }

    static String property(String s) {
        return data(s).replace(":", "%3A").replace(",", "%2C");
    }
}
