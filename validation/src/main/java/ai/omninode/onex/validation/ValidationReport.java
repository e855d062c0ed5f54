package ai.omninode.onex.validation;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Severity;
import java.util.ArrayList;
import java.util.List;

/**
 * What one validation run found: each file looked at (what it is, and its problems in source order), and the
 * problems that belong to no single file (a plugin jar that registers no node, a path that does not exist).
 *
 * @param files    the files looked at, in the order they were named or found
 * @param problems the problems outside those files
 */
public record ValidationReport(List<FileResult> files, List<Problem> problems) {

    public ValidationReport {
        files = List.copyOf(files);
        problems = List.copyOf(problems);
    }

    /** What a file turned out to be. */
    public enum Kind {
        WORKFLOW, CONTRACT, SCHEMA, SKIPPED,
        /** named explicitly but unreadable, or not an ONEX file */
        UNRECOGNIZED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One file and what was found in it; a skipped file has one note saying why. */
    public record FileResult(String file, Kind kind, List<Problem> problems) {
        public FileResult {
            problems = List.copyOf(problems);
        }

        public boolean hasErrors() {
            return problems.stream().anyMatch(Problem::isError);
        }
    }

    /** Every problem: those of the files, in file order, then the others. */
    public List<Problem> all() {
        List<Problem> out = new ArrayList<>();
        files.forEach(f -> out.addAll(f.problems()));
        out.addAll(problems);
        return out;
    }

    public long count(Severity severity) {
        return all().stream().filter(p -> p.severity() == severity).count();
    }

    public boolean valid() {
        return count(Severity.ERROR) == 0;
    }

    /** The files that were checked (not skipped). */
    public long checked() {
        return files.stream().filter(f -> f.kind() != Kind.SKIPPED).count();
    }

    public long count(Kind kind) {
        return files.stream().filter(f -> f.kind() == kind).count();
    }

    /**
     * The same report with every file under {@code root} named relative to it, with '/' between names (as SARIF's
     * code-scanning consumers and CI test reports expect: paths from the repository's root); others as they are.
     */
    public ValidationReport relativeTo(java.nio.file.Path root) {
        java.nio.file.Path base = root.toAbsolutePath().normalize();
        java.util.function.UnaryOperator<String> rel = name -> {
            try {
                java.nio.file.Path p = java.nio.file.Path.of(name);
                if (p.isAbsolute() && p.normalize().startsWith(base) && !p.normalize().equals(base)) {
                    return base.relativize(p.normalize()).toString().replace(java.io.File.separatorChar, '/');
                }
            } catch (java.nio.file.InvalidPathException notAPath) {
                // a URL (a contract inside a jar), <stdin>: as it is
            }
            return name;
        };
        java.util.function.UnaryOperator<Problem> moved = p -> new Problem(rel.apply(p.source()), p.line(), p.column(),
                p.pointer(), p.message(), p.rule(), p.severity());
        List<FileResult> f = new ArrayList<>();
        for (FileResult r : files) {
            f.add(new FileResult(rel.apply(r.file()), r.kind(), r.problems().stream().map(moved).toList()));
        }
        return new ValidationReport(f, problems.stream().map(moved).toList());
    }

    /** The same report with every warning an error ({@code --strict}): what is accepted but ignored fails the build. */
    public ValidationReport strict() {
        List<FileResult> f = new ArrayList<>();
        for (FileResult r : files) {
            f.add(new FileResult(r.file(), r.kind(), escalate(r.problems())));
        }
        return new ValidationReport(f, escalate(problems));
    }

    private static List<Problem> escalate(List<Problem> problems) {
        return problems.stream()
                .map(p -> p.severity() == Severity.WARNING ? p.withSeverity(Severity.ERROR) : p)
                .toList();
    }
}
