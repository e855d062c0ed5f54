package ai.omninode.onex.validation;

import ai.omninode.onex.validation.internal.GithubWriter;
import ai.omninode.onex.validation.internal.JsonWriter;
import ai.omninode.onex.validation.internal.JunitWriter;
import ai.omninode.onex.validation.internal.SarifWriter;
import ai.omninode.onex.validation.internal.TextWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
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

    /**
     * Writes {@code report} in this format to {@code file}, creating its folder if missing; an {@link IOException}
     * whose message is one line naming the file and why it cannot be written.
     */
    public void write(ValidationReport report, Tool tool, Path file) throws IOException {
        StringWriter text = new StringWriter();
        PrintWriter w = new PrintWriter(text);
        write(report, tool, w, w);
        try {
            createFolder(file);
            Files.writeString(file, text.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException(whyNot(file, e), e);
        }
    }

    /**
     * Why a report cannot be written to {@code file} (one line that names it), or null when it can: asked before
     * validating, so a mistyped report path fails at once rather than after the whole run. Creates the file's folder
     * if missing, as writing it would, and leaves no file behind.
     */
    public static String unwritable(Path file) {
        try {
            createFolder(file);
            if (Files.isDirectory(file)) {
                return "cannot write " + file + ": it is a folder";
            }
            if (Files.exists(file)) {
                return Files.isWritable(file) ? null : "cannot write " + file + ": permission denied";
            }
            Files.delete(Files.createFile(file));
            return null;
        } catch (IOException | RuntimeException e) {
            return whyNot(file, e);
        }
    }

    /**
     * Why report files cannot be written where they were asked for, in one line, or null: two of them are one file (the
     * second would replace the first), or one is among {@code inputs}, the files validated (it would overwrite a
     * workflow with the report). Paths are compared as the files they are (links resolved) where they exist.
     *
     * @param reports each report file by the name of the setting that asked for it ({@code --sarif}, {@code <junitFile>})
     * @param inputs  the files validated, or named to be
     */
    public static String clash(Map<String, Path> reports, Collection<Path> inputs) {
        Map<Path, String> seen = new LinkedHashMap<>();
        for (Map.Entry<String, Path> r : reports.entrySet()) {
            if (r.getValue() == null) {
                continue;
            }
            Path file = same(r.getValue());
            String other = seen.putIfAbsent(file, r.getKey());
            if (other != null) {
                return other + " and " + r.getKey() + " name the same file, " + r.getValue() + ": give each report a file"
                        + " of its own";
            }
        }
        for (Path input : inputs) {
            String option = seen.get(same(input));
            if (option != null) {
                return option + " " + reports.get(option) + " is one of the files validated or searched: writing the"
                        + " report would overwrite it; write the report elsewhere (" + (option.contains("junit")
                        ? "build/test-results/TEST-onex.xml" : "build/onex.sarif") + ", say)";
            }
        }
        return null;
    }

    private static Path same(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException | SecurityException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    private static void createFolder(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            Files.createDirectories(parent);
        }
    }

    /** "cannot write F: why", from what the file system said (its exceptions name only a path). */
    private static String whyNot(Path file, Exception e) {
        String at = e instanceof FileSystemException f && f.getFile() != null && !Path.of(f.getFile()).equals(file)
                ? " (" + f.getFile() + ")" : "";
        String why;
        if (e instanceof FileAlreadyExistsException) {
            why = "a part of its folder path is a file, not a folder" + at;
        } else if (e instanceof NoSuchFileException) {
            Path parent = file.toAbsolutePath().getParent();
            why = (parent != null && Files.isDirectory(parent)
                    ? "the file system does not let a file be created there (no such file)" // /proc, say
                    : "its folder does not exist and cannot be created") + at;
        } else if (e instanceof AccessDeniedException) {
            why = "permission denied" + at;
        } else if (e instanceof FileSystemException f && f.getReason() != null) {
            why = f.getReason() + at;
        } else {
            why = String.valueOf(e.getMessage());
        }
        return "cannot write " + file + ": " + why;
    }

    /** The program that made a report: {@code onex validate} 0.1.0, say. */
    public record Tool(String name, String version) {
    }
}
