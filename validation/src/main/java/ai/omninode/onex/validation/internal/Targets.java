package ai.omninode.onex.validation.internal;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns what the user named (files, folders, globs such as {@code workflows/**}{@code /*.yaml}) into the files to
 * check, without {@code --exclude}d ones. A file named on its own is "explicit": it must be an ONEX file. Files found
 * in a folder or by a glob are candidates: only YAML files, and whatever is not an ONEX file among them is skipped.
 * Hidden folders and build output ({@code target/}, {@code node_modules/}) are never searched.
 */
public final class Targets {
    /** A file to look at, and whether the user named it. */
    public record Target(Path file, boolean explicit) {
    }

    private final Path base;
    private final List<PathMatcher> excludes = new ArrayList<>();
    private final List<String> excludePatterns = new ArrayList<>();

    /** @param base the folder globs and relative paths are resolved against (the working directory, a Maven basedir) */
    public Targets(Path base, List<String> excludes) {
        this.base = base;
        for (String e : excludes) {
            String pattern = e.replace('\\', '/');
            excludePatterns.add(pattern);
            this.excludes.add(FileSystems.getDefault().getPathMatcher("glob:" + pattern));
        }
    }

    /** The files named by {@code specs}, in order, each once; problems for names that match nothing. */
    public List<Target> resolve(List<String> specs, List<Problem> problems) {
        Map<Path, Target> out = new LinkedHashMap<>();
        for (String spec : specs) {
            if (isGlob(spec)) {
                List<Path> found = glob(spec, problems);
                if (found.isEmpty()) {
                    problems.add(Problem.of(spec, "no file matches this pattern").as(Rules.FILE_UNREADABLE));
                }
                found.forEach(f -> out.putIfAbsent(f.normalize(), new Target(f, false)));
                continue;
            }
            Path p = Path.of(spec);
            Path resolved = p.isAbsolute() ? p : base.resolve(p);
            if (Files.isDirectory(resolved)) {
                Path shown = p.normalize();
                for (Path f : walk(shown.toString().isEmpty() ? null : shown, resolved, null, problems)) {
                    out.putIfAbsent(f.normalize(), new Target(f, false));
                }
            } else if (Files.isRegularFile(resolved)) {
                if (!isExcluded(p)) {
                    out.put(p.normalize(), new Target(p, true));
                }
            } else {
                problems.add(Problem.of(spec, Files.exists(resolved) ? "not a regular file" : "file not found")
                        .as(Rules.FILE_UNREADABLE));
            }
        }
        return new ArrayList<>(out.values());
    }

    /** Where a file is on disk (relative names are relative to the base folder). */
    public Path onDisk(Path file) {
        return file.isAbsolute() ? file : base.resolve(file);
    }

    static boolean isGlob(String spec) {
        return spec.indexOf('*') >= 0 || spec.indexOf('?') >= 0 || spec.indexOf('[') >= 0 || spec.indexOf('{') >= 0;
    }

    private List<Path> glob(String spec, List<Problem> problems) {
        String pattern = spec.replace('\\', '/');
        // search from the part of the pattern that has no wildcard: "examples/**/*.yaml" walks examples/ only
        int wildcard = firstWildcard(pattern);
        int slash = pattern.lastIndexOf('/', wildcard);
        String root = slash < 0 ? "" : pattern.substring(0, slash);
        Path rootPath = Path.of(root.isEmpty() ? "." : root);
        Path resolved = rootPath.isAbsolute() ? rootPath : base.resolve(rootPath);
        if (!Files.isDirectory(resolved)) {
            return List.of();
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        Path display = root.isEmpty() ? null : rootPath;
        return walk(display, resolved, f -> matcher.matches(Path.of(slashes(f))), problems);
    }

    private static int firstWildcard(String pattern) {
        int at = pattern.length();
        for (char c : new char[] {'*', '?', '[', '{'}) {
            int i = pattern.indexOf(c);
            if (i >= 0) {
                at = Math.min(at, i);
            }
        }
        return at;
    }

    private interface Filter {
        boolean accept(Path shown);
    }

    /**
     * The YAML files under {@code dir}, as paths that start with {@code shown} (the folder as the user wrote it, or
     * null for the base folder), sorted.
     */
    private List<Path> walk(Path shown, Path dir, Filter filter, List<Problem> problems) {
        List<Path> found = new ArrayList<>();
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    if (d.equals(dir)) {
                        return FileVisitResult.CONTINUE;
                    }
                    String name = d.getFileName().toString();
                    boolean skip = name.startsWith(".") || name.equals("target") || name.equals("node_modules")
                            || isExcluded(display(d));
                    return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                    Path p = display(f);
                    if (attrs.isRegularFile() && (filter != null ? filter.accept(p) : isYaml(f)) && !isExcluded(p)) {
                        found.add(p);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
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
        found.sort(null);
        return found;
    }

    private static boolean isYaml(Path f) {
        String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".yaml") || name.endsWith(".yml");
    }

    /**
     * Whether {@code --exclude} names this path: a pattern with a '/' matches the whole path (relative to the base
     * folder, as shown), one without matches any single file or folder name in it ({@code --exclude target},
     * {@code --exclude 'docker-compose*.yml'}).
     */
    boolean isExcluded(Path shown) {
        if (excludes.isEmpty()) {
            return false;
        }
        Path normal = Path.of(slashes(shown.normalize()));
        for (int i = 0; i < excludes.size(); i++) {
            PathMatcher m = excludes.get(i);
            if (excludePatterns.get(i).contains("/")) {
                if (m.matches(normal)) {
                    return true;
                }
            } else {
                for (Path part : normal) {
                    if (m.matches(part)) {
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
