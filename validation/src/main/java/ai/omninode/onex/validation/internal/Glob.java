package ai.omninode.onex.validation.internal;

import java.util.regex.Pattern;

/**
 * A path glob as .gitignore, Ant and Maven's includes read it, not as {@link java.nio.file.PathMatcher}'s {@code glob:}
 * (where {@code **}{@code /} needs at least one folder, so {@code flows/**}{@code /*.yaml} missed the files directly in
 * {@code flows}): {@code **}{@code /} matches zero or more folders, at the start or in the middle; a trailing
 * {@code /**} everything under a folder (and the folder itself, so a walk can leave it out whole); {@code *} and
 * {@code ?} stay within one name; {@code [abc]}, {@code [!a-c]} and {@code {a,b}} as usual. A leading {@code ./} and
 * doubled slashes are ignored; '\' is a separator, as on Windows. Matched against paths written with '/'.
 */
public final class Glob {
    private final String pattern;
    private final Pattern regex;

    private Glob(String pattern, Pattern regex) {
        this.pattern = pattern;
        this.regex = regex;
    }

    public static Glob of(String glob) {
        String p = normalize(glob);
        return new Glob(p, Pattern.compile(toRegex(p), Pattern.DOTALL));
    }

    /** The glob as matched: '/' separators, no leading {@code ./}, no doubled or trailing '/'. */
    public String pattern() {
        return pattern;
    }

    public boolean matches(String path) {
        return regex.matcher(normalize(path)).matches();
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

    private static String toRegex(String glob) {
        StringBuilder re = new StringBuilder();
        int n = glob.length();
        int braces = 0;
        for (int i = 0; i < n; i++) {
            char c = glob.charAt(i);
            boolean segmentStart = i == 0 || glob.charAt(i - 1) == '/';
            if (c == '*' && i + 1 < n && glob.charAt(i + 1) == '*' && segmentStart
                    && (i + 2 == n || glob.charAt(i + 2) == '/')) {
                if (i + 2 == n) {
                    // "dir/**": the folder and everything under it; "**" alone: any path
                    if (re.length() > 0 && re.charAt(re.length() - 1) == '/') {
                        re.setLength(re.length() - 1); // the '/' before: "dir" itself matches too
                        re.append("(?:/.*)?");
                    } else {
                        re.append(".*");
                    }
                } else {
                    re.append("(?:[^/]*/)*"); // "**/": zero or more folders
                    i++; // the '/' after is part of it
                }
                i++;
                continue;
            }
            switch (c) {
                case '*' -> {
                    while (i + 1 < n && glob.charAt(i + 1) == '*') {
                        i++; // "a**b" within a name: as '*'
                    }
                    re.append("[^/]*");
                }
                case '?' -> re.append("[^/]");
                case '[' -> {
                    int end = glob.indexOf(']', i + 2);
                    if (end < 0) {
                        re.append("\\[");
                    } else {
                        String body = glob.substring(i + 1, end);
                        if (body.startsWith("!")) {
                            body = "^" + body.substring(1);
                        }
                        re.append('[').append(body.replace("\\", "\\\\").replace("[", "\\[")).append(']');
                        i = end;
                    }
                }
                case '{' -> {
                    braces++;
                    re.append("(?:");
                }
                case '}' -> {
                    if (braces > 0) {
                        braces--;
                        re.append(')');
                    } else {
                        re.append("\\}");
                    }
                }
                case ',' -> re.append(braces > 0 ? "|" : ",");
                default -> {
                    if (!Character.isLetterOrDigit(c) && c != '/') {
                        re.append('\\'); // a backslash before any other character means that character
                    }
                    re.append(c);
                }
            }
        }
        while (braces-- > 0) {
            re.append(')');
        }
        return re.toString();
    }

    @Override
    public String toString() {
        return pattern;
    }
}
