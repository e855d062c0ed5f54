package ai.omninode.onex.validation;

import ai.omninode.onex.validation.internal.GithubWriter;
import ai.omninode.onex.validation.internal.JsonWriter;
import ai.omninode.onex.validation.internal.JunitWriter;
import ai.omninode.onex.validation.internal.SarifWriter;
import ai.omninode.onex.validation.internal.TextWriter;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The forms a {@link ValidationReport} is written in: {@code text} for people (compiler style), {@code json} for
 * programs, {@code sarif} (2.1.0) for code-scanning tools, {@code junit} (XML) for CI test reports, {@code github}
 * for GitHub Actions annotations.
 */
public enum ReportFormat {
    TEXT, JSON, SARIF, JUNIT, GITHUB;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The format named {@code name} (any case); an exception that lists the formats there are. */
    public static ReportFormat of(String name) {
        for (ReportFormat f : values()) {
            if (f.label().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown format '" + name + "'; formats: " + labels());
    }

    /** One problem as the text format writes it: {@code file:line:col: error: message [rule-id]}. */
    public static String line(ai.omninode.onex.contract.Problem problem) {
        return TextWriter.line(problem);
    }

    public static String labels() {
        return Arrays.stream(values()).map(ReportFormat::label).collect(Collectors.joining(", "));
    }

    /**
     * Writes {@code report}: everything to {@code out}, except in {@code text}, where problems go to {@code err} and
     * the summary of a valid run to {@code out}, as compilers do.
     *
     * @param tool who wrote the report, for the formats that name it (SARIF's driver, JUnit's suite)
     */
    public void write(ValidationReport report, Tool tool, PrintWriter out, PrintWriter err) {
        switch (this) {
            case TEXT -> TextWriter.write(report, tool, out, err);
            case JSON -> out.println(JsonWriter.write(report));
            case SARIF -> out.println(SarifWriter.write(report, tool));
            case JUNIT -> out.print(JunitWriter.write(report, tool));
            case GITHUB -> GithubWriter.write(report, out);
        }
        out.flush();
        err.flush();
    }

    /** The program that made a report: {@code onex validate} 0.1.0, say. */
    public record Tool(String name, String version) {
    }
}
