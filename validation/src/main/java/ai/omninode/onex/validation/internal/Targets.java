package ai.omninode.onex.validation.internal;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import java.io.IOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns what the user named (files, folders, globs such as {@code workflows/**}{@code /*.yaml}) into the files to
 * check, without {@code --exclude}d ones. A file named on its own is "explicit": it must be an ONEX file. Files found
 * in a folder or by a glob are candidates: only YAML files, and whatever is not an ONEX file among them is skipped.
 * Hidden folders and build output ({@code target/}, {@code node_modules/}) are never searched. Symbolic links are
 * followed, to files and to folders (a link back to a folder being searched is not searched again); a link that points
 * nowhere, and a pipe or device named like a YAML file, are kept with the reason they are skipped, never dropped
 * without a word: a CI job must not pass because a file was silently left out.
 */
public final class Targets {
    /**
     * A file to look at, and whether the user named it; {@code stdin}: the path {@code -}, standard input;
     * {@code skipped}: why a file found in a folder cannot be looked at (a dangling link), or null.
     */
    public record Target(Path file, boolean explicit, boolean stdin, String skipped) {
        public Target(Path file, boolean explicit) {
            this(file, explicit, false, null);
        }

        static Target skipped(Path file, String why) {
            return new Target(file, false, false, why);
        }
    }

    /** The path that means standard input. */
    public static final String STDIN = "-";


    private final Path base;
    private final List<Glob> excludes = new ArrayList<>();
    /** The excludes written with a leading '/' read as .gitignore reads them: anchored to the base folder. */
    private final List<Glob> anchored = new ArrayList<>();
    private int excludedFiles;
    private int excludedFolders;

    /** @param base the folder globs and relative paths are resolved against (the working directory, a Maven basedir) */
    public Targets(Path base, List<String> excludes) {
        this.base = base;
        for (String e : excludes) {
            this.excludes.add(Glob.of(e));
            String rest = Glob.normalize(e);
            if (rest.startsWith("/") && rest.length() > 1) {
                anchored.add(Glob.of(rest.substring(1))); // '/legacy': legacy/ of the base folder (or /legacy itself)
            }
        }
    }

    /** How many files the excludes left out (of those that would have been checked), in {@link #resolve}. */
    public int excludedFiles() {
        return excludedFiles;
    }

    /** How many folders the excludes left out, unsearched, in {@link #resolve}. */
    public int excludedFolders() {
        return excludedFolders;
    }

    /** The files named by {@code specs}, in order, each once; problems for names that match nothing. */
    public List<Target> resolve(List<String> specs, List<Problem> problems) {
        Map<String, Target> out = new LinkedHashMap<>(); // by real path: a file reached by two names is checked once
        for (String spec : specs) {
            if (spec.equals(STDIN)) {
                // keyed by a name no path has; a file named "-" is ./-
                out.putIfAbsent("\0stdin", new Target(Path.of(STDIN), true, true, null));
                continue;
            }
            if (Glob.isGlob(spec) && !existsAsGiven(base, spec)) {
                int filesBefore = excludedFiles;
                int foldersBefore = excludedFolders;
                List<Target> found = glob(spec, problems);
                if (found.isEmpty()) {
                    int files = excludedFiles - filesBefore;
                    int folders = excludedFolders - foldersBefore;
                    problems.add(Problem.of(spec, "no file matches this pattern" + (files + folders == 0 ? ""
                            : " but those the excludes left out (" + excludedText(files, folders) + ")"))
                            .as(Rules.FILE_UNREADABLE));
                }
                found.forEach(f -> out.putIfAbsent(key(f.file()), f));
                continue;
            }
            Path p = Path.of(spec);
            Path resolved = p.isAbsolute() ? p : base.resolve(p);
            if (Files.isDirectory(resolved)) {
                Path shown = p.normalize();
                for (Target f : walk(shown.toString().isEmpty() ? null : shown, resolved, null, problems)) {
                    out.putIfAbsent(key(f.file()), f);
                }
            } else if (Files.isRegularFile(resolved)) {
                if (!isExcluded(p)) {
                    out.put(key(p), new Target(p, true));
                } else {
                    excludedFiles++;
                }
            } else {
                problems.add(Problem.of(spec, Files.exists(resolved) ? "not a regular file"
                        : Files.isSymbolicLink(resolved) ? "a symbolic link that leads to no file (its target is"
                                + " missing, or links lead back to it)" : "file not found")
                        .as(Rules.FILE_UNREADABLE));
            }
        }
        return new ArrayList<>(out.values());
    }

    /**
     * Whether {@code spec} names an existing file or folder (or link) as it is written: then it is that path, even when
     * its name has a glob's characters ({@code reports[2024].yaml}, {@code {draft}.yaml}).
     */
    public static boolean existsAsGiven(Path base, String spec) {
        try {
            Path p = Path.of(spec);
            Path resolved = p.isAbsolute() ? p : base.resolve(p);
            return Files.exists(resolved) || Files.isSymbolicLink(resolved);
        } catch (java.nio.file.InvalidPathException | SecurityException e) {
            return false;
        }
    }

    /** The file's real path (links resolved), or its normalized path if it has none (a dangling link). */
    private String key(Path file) {
        Path onDisk = onDisk(file);
        try {
            return onDisk.toRealPath().toString();
        } catch (IOException | SecurityException e) {
            return onDisk.toAbsolutePath().normalize().toString();
        }
    }

    /** Where a file is on disk (relative names are relative to the base folder). */
    public Path onDisk(Path file) {
        return file.isAbsolute() ? file : base.resolve(file);
    }

    /** "3 files and 1 folder" */
    public static String excludedText(int files, int folders) {
        String f = files + (files == 1 ? " file" : " files");
        String d = folders + (folders == 1 ? " folder" : " folders");
        return folders == 0 ? f : files == 0 ? d : f + " and " + d;
    }

    private List<Target> glob(String spec, List<Problem> problems) {
        Glob matcher = Glob.of(spec);
        String pattern = matcher.pattern();
        // search from the part of the pattern that has no wildcard: "examples/**/*.yaml" walks examples/ only
        int wildcard = Glob.firstWildcard(pattern);
        int slash = pattern.lastIndexOf('/', wildcard);
        String root = slash < 0 ? "" : slash == 0 ? "/" : pattern.substring(0, slash);
        Path rootPath = Path.of(root.isEmpty() ? "." : root);
        Path resolved = rootPath.isAbsolute() ? rootPath : base.resolve(rootPath);
        if (!Files.isDirectory(resolved)) {
            return List.of();
        }
        Path display = root.isEmpty() ? null : rootPath;
        return walk(display, resolved, f -> matcher.matches(slashes(f)), problems);
    }

    private interface Filter {
        boolean accept(Path shown);
    }

    /**
     * The YAML files under {@code dir}, as paths that start with {@code shown} (the folder as the user wrote it, or
     * null for the base folder), sorted; links followed.
     */
    private List<Target> walk(Path shown, Path dir, Filter filter, List<Problem> problems) {
        List<Target> found = new ArrayList<>();
        try {
            // FOLLOW_LINKS: a linked workflow or folder of workflows is checked (it was skipped without a word); the
            // walk detects links back to a folder it is in (FileSystemLoopException, below)
            Files.walkFileTree(dir, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    if (d.equals(dir)) {
                        return FileVisitResult.CONTINUE;
                    }
                    String name = d.getFileName().toString();
                    if (name.startsWith(".") || name.equals("target") || name.equals("node_modules")) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    if (isExcluded(display(d))) {
                        excludedFolders++;
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                    Path p = display(f);
                    if (attrs.isDirectory() || !(filter != null ? filter.accept(p) : isYaml(f))) {
                        return FileVisitResult.CONTINUE;
                    }
                    if (isExcluded(p)) {
                        excludedFiles++;
                    } else if (attrs.isRegularFile()) {
                        found.add(new Target(p, false));
                    } else {
                        found.add(Target.skipped(p, notARegularFile(f, attrs)));
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    if (e instanceof FileSystemLoopException) {
                        return FileVisitResult.CONTINUE; // a link to a folder this walk is in: searched there already
                    }
                    problems.add(Problem.of(display(f).toString(), "cannot read: " + e.getMessage())
                            .as(Rules.FILE_UNREADABLE));
                    return FileVisitResult.CONTINUE;
                }

                private Path display(Path f) {
                    Path rel = dir.relativize(f);
                    return shown == null ? rel : shown.resolve(rel);
                }
            });
        } catch (IOException e) {
            problems.add(Problem.of(dir.toString(), "cannot list folder: " + e.getMessage()).as(Rules.FILE_UNREADABLE));
        }
        found.sort(Comparator.comparing(Target::file));
        return found;
    }

    /** Why a file with a YAML name is not read: with links followed, only a dangling link or a special file is left. */
    private static String notARegularFile(Path f, BasicFileAttributes attrs) {
        if (attrs.isSymbolicLink()) {
            String target;
            try {
                target = " to " + Files.readSymbolicLink(f);
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                target = "";
            }
            return "a symbolic link" + target + ", which does not exist (a dangling link); skipped";
        }
        boolean link = Files.isSymbolicLink(f);
        return "not a regular file (" + (link ? "a link to " : "") + "a named pipe, socket or device); skipped";
    }

    private static boolean isYaml(Path f) {
        String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".yaml") || name.endsWith(".yml");
    }

    /**
     * Whether an exclude names this path: a pattern with a '/' matches the whole path relative to the base folder
     * ({@code legacy/**}, {@code **}{@code /tabs.yaml}; a path named absolute is matched both ways; a leading '/', as
     * in .gitignore, anchors it to the base folder: {@code /legacy} is legacy/ there, not any legacy), one without
     * matches any single file or folder name in it ({@code --exclude target}, {@code --exclude 'docker-compose*.yml'}).
     */
    boolean isExcluded(Path shown) {
        if (excludes.isEmpty()) {
            return false;
        }
        Path normal = shown.normalize();
        String whole = slashes(normal);
        String relative = null;
        Path absoluteBase = base.toAbsolutePath().normalize();
        if (normal.isAbsolute() && normal.startsWith(absoluteBase)) {
            relative = slashes(absoluteBase.relativize(normal));
        } else if (!normal.isAbsolute()) {
            relative = whole;
            whole = slashes(absoluteBase.resolve(normal).normalize());
        }
        for (Glob g : anchored) {
            if (relative != null && g.matches(relative)) {
                return true;
            }
        }
        for (Glob g : excludes) {
            if (g.pattern().contains("/")) {
                if (g.matches(whole) || relative != null && g.matches(relative)) {
                    return true;
                }
            } else {
                // the names below the base folder only: a folder above it is no part of what was asked for
                for (Path part : relative != null ? Path.of(relative) : normal) {
                    if (g.matches(part.toString())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static String slashes(Path p) {
        return p.toString().replace('\\', '/');
    }
}
