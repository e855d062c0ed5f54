package ai.omninode.onex.validation.internal;

import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.PatternSyntaxException;

/**
 * A path glob as .gitignore, Ant and Maven's includes read it, on top of {@link java.nio.file.PathMatcher}'s
 * {@code glob:} syntax (its {@code *}, {@code ?}, {@code [abc]}, {@code [!a-c]}, {@code {a,b}} and escapes), which
 * differs in one place: there {@code **}{@code /} needs at least one folder, so {@code flows/**}{@code /*.yaml} missed
 * the files directly in {@code flows}. Here {@code **}{@code /} at the start of a name matches zero or more folders
 * (each such {@code **}{@code /} is read both ways, as the JDK's matcher and as nothing), and a trailing {@code /**}
 * also the folder itself (so a walk can leave it out whole). A leading {@code ./} and doubled slashes are ignored;
 * '\' is a separator, as on Windows. Matched against paths written with '/'.
 */
public final class Glob {
    /** More readings than this (2 per {@code **}{@code /}) is no pattern anyone writes. */
    private static final int MAX_READINGS = 256;

    private final String pattern;
    private final List<PathMatcher> readings;

    private Glob(String pattern, List<PathMatcher> readings) {
        this.pattern = pattern;
        this.readings = readings;
    }

    /** Throws {@link IllegalArgumentException}, whose message says what is wrong in one clause, for a malformed glob. */
    public static Glob of(String glob) {
        String p = normalize(glob);
        // the pattern cut before each "**/" that starts a name: each such one is read as itself or as nothing
        List<String> pieces = new ArrayList<>();
        int from = 0;
        for (int i = nextAnyFolders(p, 0); i >= 0; i = nextAnyFolders(p, i + 3)) {
            pieces.add(withinNames(p.substring(from, i)));
            from = i + 3;
        }
        pieces.add(withinNames(p.substring(from)));
        if (pieces.size() - 1 > Integer.numberOfTrailingZeros(MAX_READINGS)) {
            throw new IllegalArgumentException("more than " + Integer.numberOfTrailingZeros(MAX_READINGS) + " **/");
        }
        List<String> variants = new ArrayList<>(List.of(pieces.get(0)));
        for (String piece : pieces.subList(1, pieces.size())) {
            List<String> next = new ArrayList<>();
            for (String v : variants) {
                next.add(v + "**/" + piece);
                next.add(v + piece);
            }
            variants = next;
        }
        FileSystem fs = FileSystems.getDefault();
        List<PathMatcher> readings = new ArrayList<>();
        try {
            for (String v : variants) {
                readings.add(fs.getPathMatcher("glob:" + v));
                if (v.endsWith("/**")) {
                    readings.add(fs.getPathMatcher("glob:" + v.substring(0, v.length() - 3))); // the folder itself
                }
            }
        } catch (PatternSyntaxException e) {
            // the JDK's message is three lines (description, the regex it made, a caret): one clause here
            String what = e.getDescription() == null ? "malformed" : e.getDescription();
            if (what.endsWith("']") || what.endsWith("'}")) {
                what += "'"; // the JDK's "Missing ']"
            }
            String hint = what.contains("']'") ? " ('[' opens a set of characters, as in [abc])"
                    : what.contains("'}'") ? " ('{' opens alternatives, as in {a,b})" : "";
            throw new IllegalArgumentException(Character.toLowerCase(what.charAt(0)) + what.substring(1) + hint);
        }
        return new Glob(p, List.copyOf(readings));
    }

    /** Where the next "**" + "/" that starts a name is, at or after {@code from}; -1 if none. */
    private static int nextAnyFolders(String p, int from) {
        for (int i = p.indexOf("**/", from); i >= 0; i = p.indexOf("**/", i + 1)) {
            if (i == 0 || p.charAt(i - 1) == '/') {
                return i;
            }
        }
        return -1;
    }

    /** {@code **} that is not a whole name ({@code a**b}) as {@code *}: within a name, as .gitignore reads it. */
    private static String withinNames(String piece) {
        StringBuilder out = new StringBuilder(piece.length());
        for (int i = 0; i < piece.length(); i++) {
            char c = piece.charAt(i);
            if (c == '*' && i + 1 < piece.length() && piece.charAt(i + 1) == '*') {
                int end = i;
                while (end < piece.length() && piece.charAt(end) == '*') {
                    end++;
                }
                boolean wholeName = (i == 0 || piece.charAt(i - 1) == '/')
                        && (end == piece.length() || piece.charAt(end) == '/');
                out.append(wholeName ? "**" : "*");
                i = end - 1;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** The glob as matched: '/' separators, no leading {@code ./}, no doubled or trailing '/'. */
    public String pattern() {
        return pattern;
    }

    public boolean matches(String path) {
        Path candidate;
        try {
            candidate = Path.of(normalize(path));
        } catch (InvalidPathException e) {
            return false;
        }
        for (PathMatcher m : readings) {
            if (m.matches(candidate)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code spec} has a wildcard, so it names files by pattern rather than one file or folder. */
    public static boolean isGlob(String spec) {
        return firstWildcard(spec) < spec.length();
    }

    /** Where the first wildcard is, or the length of {@code spec} if it has none. */
    static int firstWildcard(String spec) {
        for (int i = 0; i < spec.length(); i++) {
            char c = spec.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == '{') {
                return i;
            }
        }
        return spec.length();
    }

    static String normalize(String path) {
        String p = path.replace('\\', '/');
        while (p.contains("//")) {
            p = p.replace("//", "/");
        }
        while (p.startsWith("./")) {
            p = p.substring(2);
        }
        while (p.contains("/./")) {
            p = p.replace("/./", "/");
        }
        if (p.endsWith("/.")) {
            p = p.substring(0, p.length() - 2);
        }
        if (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.equals(".") ? "" : p;
    }

    @Override
    public String toString() {
        return pattern;
    }
}
