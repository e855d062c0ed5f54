package ai.omninode.onex.cli.internal;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.contract.YamlDocument;
import ai.omninode.onex.contract.YamlReader;
import ai.omninode.onex.workflow.internal.BoundedRead;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The workflow input from {@code --input-file F.json} (JSON, or YAML) and {@code --input} options, which are
 * applied on top: {@code key=text} sets a string, {@code key:=json} a JSON value ({@code count:=3},
 * {@code tags:=["a"]}), and a dotted key sets a nested member ({@code metadata.language=en}).
 */
public final class Inputs {
    /**
     * The deepest input accepted, as for workflows and YAML input files: deeper data makes the runner and nodes,
     * which walk it recursively, run out of stack (a 10,000-segment dotted --input key did).
     */
    static final int MAX_DEPTH = YamlReader.DEFAULT_MAX_DEPTH;
    private static final JsonFactory LIMITED = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build()).build();
    private static final JsonMapper JSON = JsonMapper.builder(LIMITED)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final JsonMapper STRICT = JsonMapper.builder(LIMITED).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /** The file name that stands for standard input, as Unix tools take it. */
    public static final String STDIN = "-";

    private Inputs() {
    }

    /**
     * {@code problems} with the line and column in {@code file} (an {@code --input-file}, not standard input) of each
     * one that names a value the file gave the {@code input} (a value an {@code --input} set or replaced keeps no
     * position), and of each missing field at the object that lacks it, when the file gave that object (an
     * {@code --input} may have added to it): input_schema and contract checks see only the parsed input, so their problems came without one. Best
     * effort: a file that cannot be read again, or parsed with positions, leaves the problems as they are.
     */
    public static List<Problem> located(List<Problem> problems, Path file, JsonNode input) {
        if (file == null || STDIN.equals(file.toString()) || problems.stream().allMatch(Problem::hasPosition)
                || !java.nio.file.Files.isRegularFile(file)) {
            // a FIFO, /dev/stdin or a shell's <(...) was read once already: reading it again would wait forever
            return problems;
        }
        String source = file.toString();
        ai.omninode.onex.contract.YamlDocument doc;
        try {
            doc = YamlReader.defaults().read(source, BoundedRead.read(file, YamlReader.DEFAULT_MAX_BYTES, "input file"));
        } catch (RuntimeException e) { // a JSON-only spelling YAML reads otherwise, a file changed meanwhile: as they are
            return problems;
        }
        List<Problem> out = new ArrayList<>(problems.size());
        for (Problem p : problems) {
            String where = p.pointer();
            JsonNode fromFile = where == null ? null : doc.root().at(where);
            boolean located = fromFile != null && !fromFile.isMissingNode() && fromFile.equals(input.at(where));
            if (fromFile != null && fromFile.isMissingNode() && input.at(where).isMissingNode()
                    && where.lastIndexOf('/') >= 0) {
                // a field the input lacks (missing required field): at the object that lacks it, when the file gave
                // that object (an --input may have added to it, not replaced it: it still has the file's fields)
                where = where.substring(0, where.lastIndexOf('/'));
                fromFile = doc.root().at(where);
                JsonNode given = input.at(where);
                located = fromFile.isObject() && given.isObject();
                for (String name : located ? fromFile.propertyNames() : java.util.Set.<String>of()) {
                    located &= given.has(name);
                }
            }
            boolean byOption = !located && where != null && !input.at(where).isMissingNode()
                    && (fromFile == null || fromFile.isMissingNode() || !fromFile.equals(input.at(where)));
            located &= !p.hasPosition() && source.equals(p.source());
            if (located) {
                ai.omninode.onex.contract.SourcePosition at = doc.positionOf(where);
                out.add(new Problem(p.source(), at.line(), at.column(), p.pointer(), p.message(), p.rule(),
                        p.severity()));
            } else if (byOption && !p.hasPosition() && source.equals(p.source())) {
                // an --input set or replaced that value (or the object that lacks a field): it is the one to fix
                out.add(new Problem("--input", p.line(), p.column(), p.pointer(), p.message(), p.rule(), p.severity()));
            } else {
                out.add(p);
            }
        }
        return out;
    }

    public static ObjectNode read(Path file, List<String> assignments) {
        ObjectNode input = JsonNodeFactory.instance.objectNode();
        if (file != null) {
            // "-" is standard input, JSON (when it starts with '{') or YAML, as a file is by its extension
            boolean stdin = STDIN.equals(file.toString());
            String source = stdin ? "stdin" : file.toString();
            byte[] bytes;
            try {
                bytes = stdin ? BoundedRead.read(System.in, source, YamlReader.DEFAULT_MAX_BYTES, "the input")
                        : BoundedRead.read(file, YamlReader.DEFAULT_MAX_BYTES, "input file");
            } catch (ValidationException e) { // too large; a file that cannot be read says file.unreadable
                throw new ValidationException(e.problems().stream().map(p -> p.orAs(Rules.INPUT_JSON)).toList());
            }
            if (new String(bytes, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
                // a file, /dev/null or standard input alike: one rule and one message, whichever parser would have run
                throw new ValidationException(new Problem(source, 1, 1, "", "the input is empty; the workflow input"
                        + " must be a JSON object ({} for none)").as(Rules.INPUT_JSON));
            }
            if (stdin ? startsWithBrace(bytes)
                    : file.getFileName() != null && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")) {
                input = readJson(bytes, source);
            } else {
                YamlDocument doc = YamlReader.defaults().read(source, bytes);
                if (!doc.root().isObject()) {
                    throw new ValidationException(doc.problemAt("", "the workflow input must be a JSON object")
                            .as(Rules.INPUT_JSON));
                }
                input = (ObjectNode) doc.root();
            }
        }
        List<Problem> problems = new ArrayList<>();
        // objects that an earlier --input made for a dotted key: a later one may not replace them unseen
        java.util.Set<String> madeByOptions = new java.util.HashSet<>();
        for (String a : assignments == null ? List.<String>of() : assignments) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                problems.add(Problem.of("--input " + shorten(a), "expected KEY=VALUE (a string) or KEY:=JSON")
                        .as(Rules.INPUT_OPTION));
                continue;
            }
            boolean json = a.charAt(eq - 1) == ':';
            String key = a.substring(0, json ? eq - 1 : eq);
            String raw = a.substring(eq + 1);
            JsonNode value;
            if (json) {
                try {
                    // strictly, as an input file is read: a duplicate key is an error, not the last one winning
                    value = STRICT.readTree(raw);
                    if (value == null || value.isMissingNode()) {
                        problems.add(Problem.of("--input " + shorten(a),
                                "nothing after ':='; write KEY:=null for JSON null, KEY= for an empty string")
                                .as(Rules.INPUT_OPTION));
                        continue;
                    }
                } catch (JacksonException e) {
                    problems.add(Problem.of("--input " + shorten(a), "the value after ':=' is not JSON: " + jsonError(e)
                            + at(e)).as(Rules.INPUT_OPTION));
                    continue;
                }
                try {
                    // at its place in the input (the key's path, then where in the value), not at the value's root
                    refuseWhatNoNodeTakes(value, "--input " + shorten(a), 0, "/" + String.join("/",
                            java.util.Arrays.stream(key.split("\\.", -1))
                                    .map(ai.omninode.onex.contract.YamlDocument::escape).toList()));
                } catch (ValidationException e) { // 1e400 would be infinity, which no one wrote
                    problems.add(Problem.of("--input " + shorten(a), e.problems().get(0).message())
                            .as(Rules.INPUT_OPTION));
                    continue;
                }
            } else {
                value = JsonNodeFactory.instance.stringNode(raw);
            }
            String[] path = key.split("\\.", -1);
            if (path.length > 1 && java.util.Arrays.stream(path).anyMatch(String::isEmpty)) {
                problems.add(Problem.of("--input " + shorten(a), "the dotted key '" + shorten(key) + "' has an empty"
                        + " part: write a.b, not a..b, .a or a.").as(Rules.INPUT_OPTION));
                continue;
            }
            if (path.length + depth(value) > MAX_DEPTH) {
                problems.add(Problem.of("--input " + shorten(a), "nests " + (path.length + depth(value))
                        + " levels deep, more than the limit of " + MAX_DEPTH).as(Rules.INPUT_OPTION));
                continue;
            }
            ObjectNode target = input;
            boolean ok = true;
            for (int i = 0; i < path.length - 1 && ok; i++) {
                JsonNode next = target.get(path[i]);
                if (next == null) {
                    target = target.putObject(path[i]);
                    madeByOptions.add(String.join(".", java.util.Arrays.copyOf(path, i + 1)));
                } else if (next.isObject()) {
                    target = (ObjectNode) next;
                } else {
                    problems.add(Problem.of("--input " + shorten(a), "'" + String.join(".", java.util.Arrays.copyOf(path, i + 1))
                            + "' is already set to a value that is not an object").as(Rules.INPUT_OPTION));
                    ok = false;
                }
            }
            if (ok) {
                if (path[path.length - 1].isEmpty()) {
                    problems.add(Problem.of("--input " + shorten(a), "empty key").as(Rules.INPUT_OPTION));
                } else if (madeByOptions.contains(key)) {
                    problems.add(Problem.of("--input " + shorten(a), "'" + shorten(key) + "' is already an object that"
                            + " an earlier dotted --input made (" + shorten(key) + ".…); give one of them")
                            .as(Rules.INPUT_OPTION));
                } else {
                    target.set(path[path.length - 1], value);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ValidationException(problems);
        }
        return input;
    }

    /**
     * A {@code .json} input file is JSON, strictly: YAML would read {@code NaN} or {@code Infinity} as text and let
     * comments and unquoted keys through. Duplicate keys, trailing content, nesting deeper than Jackson's limit and
     * invalid UTF-8 are errors at their line and column; files over {@link YamlReader#DEFAULT_MAX_BYTES} are refused
     * unread.
     */
    /** Whether the first byte that is not JSON whitespace is '{': a JSON object rather than YAML. */
    private static boolean startsWithBrace(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return b == '{';
            }
        }
        return false;
    }

    private static ObjectNode readJson(byte[] bytes, String source) {
        JsonNode root;
        try {
            root = STRICT.readTree(bytes);
        } catch (JacksonException e) {
            throw invalidJson(e, source, 0, bytes);
        }
        if (root == null || !root.isObject()) {
            throw new ValidationException(new Problem(source, 1, 1, "", "the workflow input must be a JSON object")
                    .as(Rules.INPUT_JSON));
        }
        refuseWhatNoNodeTakes(root, source, 1, "");
        return (ObjectNode) root;
    }

    /**
     * One line of a JSON Lines batch, as strictly as a {@code .json} input file: problems are at {@code source},
     * {@code line} and the column in the line.
     */
    static ObjectNode readJsonLine(String text, String source, int line) {
        JsonNode root;
        try {
            root = STRICT.readTree(text);
        } catch (JacksonException e) {
            throw invalidJson(e, source, line);
        }
        if (root == null || !root.isObject()) {
            throw new ValidationException(new Problem(source, line, 1, "", "the workflow input must be a JSON object,"
                    + " found " + (root == null ? "nothing" : root.getNodeType().name().toLowerCase(Locale.ROOT)))
                    .as(Rules.INPUT_JSON));
        }
        refuseWhatNoNodeTakes(root, source, line, "");
        return (ObjectNode) root;
    }

    /**
     * What no node takes, refused at its JSON pointer: a number too large for a double (1e400), which parses as an
     * infinity the user never wrote, and text holding a lone surrogate, which no UTF-8 can carry ({@code root} is at
     * {@code pointer} in the input: "" for the whole of it).
     */
    private static void refuseWhatNoNodeTakes(JsonNode root, String source, int line, String pointer) {
        java.util.ArrayDeque<java.util.Map.Entry<String, JsonNode>> todo = new java.util.ArrayDeque<>();
        todo.push(java.util.Map.entry(pointer, root));
        while (!todo.isEmpty()) {
            java.util.Map.Entry<String, JsonNode> e = todo.pop();
            JsonNode n = e.getValue();
            String at = e.getKey().isEmpty() ? "/" : e.getKey();
            if (n.isFloatingPointNumber() && !Double.isFinite(n.asDouble())) {
                throw new ValidationException(new Problem(source, line, 1, e.getKey(), "the number at " + at
                        + " is out of range: larger than a 64-bit floating-point number can hold").as(Rules.INPUT_JSON));
            }
            if (n.isString() && loneSurrogate(n.asString()) >= 0) {
                throw new ValidationException(new Problem(source, line, 1, e.getKey(), "the text at " + at
                        + " holds " + surrogate(n.asString()) + ", half of a UTF-16 pair and no character: JSON allows"
                        + " the escape, but no UTF-8 text can carry it (it would arrive as '?')").as(Rules.INPUT_JSON));
            }
            if (n.isObject()) {
                for (String key : n.propertyNames()) {
                    if (loneSurrogate(key) >= 0) {
                        throw new ValidationException(new Problem(source, line, 1, e.getKey(), "a name in the object"
                                + " at " + at + " holds " + surrogate(key) + ", half of a UTF-16 pair and no character")
                                .as(Rules.INPUT_JSON));
                    }
                }
                n.properties().forEach(p -> todo.push(java.util.Map.entry(e.getKey() + "/"
                        + ai.omninode.onex.contract.YamlDocument.escape(p.getKey()), p.getValue())));
            } else if (n.isArray()) {
                for (int i = 0; i < n.size(); i++) {
                    todo.push(java.util.Map.entry(e.getKey() + "/" + i, n.get(i)));
                }
            }
        }
    }

    /** The index of the first surrogate in {@code s} that is not half of a pair, or -1. */
    static int loneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    private static String surrogate(String s) {
        return String.format(Locale.ROOT, "\\u%04x", (int) s.charAt(loneSurrogate(s)));
    }

    /** Jackson's error at its place: its own line, or {@code line} (a line of JSON Lines) when that is not 0. */
    private static ValidationException invalidJson(JacksonException e, String source, int line) {
        return invalidJson(e, source, line, null);
    }

    /**
     * Where JSON text first passes a read limit: the bracket that opens a level deeper than {@link #MAX_DEPTH}, or the
     * first digit of a number longer than {@link StreamReadConstraints#DEFAULT_MAX_NUM_LEN}; {line, column}, or null.
     */
    static int[] limitPlace(byte[] bytes) {
        int line = 1;
        int column = 0;
        int depth = 0;
        int digits = 0;
        int[] numberStart = null;
        boolean inString = false;
        boolean escaped = false;
        for (byte b : bytes) {
            if ((b & 0xC0) != 0x80) {
                column++;
            }
            if (b == '\n') {
                line++;
                column = 0;
            }
            if (inString) {
                inString = escaped || b != '"';
                escaped = !escaped && b == '\\';
                continue;
            }
            boolean numeric = b >= '0' && b <= '9' || b == '-' || b == '+' || b == '.' || b == 'e' || b == 'E';
            if (numeric) {
                if (digits++ == 0) {
                    numberStart = new int[] {line, column};
                }
                if (digits > StreamReadConstraints.DEFAULT_MAX_NUM_LEN) {
                    return numberStart;
                }
                continue;
            }
            digits = 0;
            if (b == '"') {
                inString = true;
            } else if (b == '[' || b == '{') {
                if (++depth > MAX_DEPTH) {
                    return new int[] {line, column};
                }
            } else if (b == ']' || b == '}') {
                depth--;
            }
        }
        return null;
    }

    private static ValidationException invalidJson(JacksonException e, String source, int line, byte[] bytes) {
        TokenStreamLocation at = e.getLocation();
        if (line == 0 && (at == null || at.getLineNr() < 1)) {
            // a read limit, which Jackson reports without a place: found here, or none is made up
            int[] place = bytes == null ? null : limitPlace(bytes);
            return new ValidationException(new Problem(source, place == null ? 0 : place[0], place == null ? 0 : place[1],
                    "", "invalid JSON: " + jsonError(e)).as(Rules.INPUT_JSON));
        }
        int l = line > 0 ? line : at.getLineNr();
        int column = at == null || at.getColumnNr() < 1 ? 1 : at.getColumnNr();
        return new ValidationException(new Problem(source, l, column, "", "invalid JSON: " + jsonError(e))
                .as(Rules.INPUT_JSON));
    }

    /** {@code " at 1:15"}: where in an --input value, which has no place of its own to show it. */
    private static String at(JacksonException e) {
        TokenStreamLocation l = e.getLocation();
        return l == null || l.getLineNr() < 1 || l.getColumnNr() < 1 ? "" : " at " + l.getLineNr() + ":" + l.getColumnNr();
    }

    /** Levels of containers in {@code node} (0 for a scalar), counted without recursion. */
    static int depth(JsonNode node) {
        int max = 0;
        java.util.ArrayDeque<JsonNode> nodes = new java.util.ArrayDeque<>();
        java.util.ArrayDeque<Integer> levels = new java.util.ArrayDeque<>();
        nodes.push(node);
        levels.push(0);
        while (!nodes.isEmpty()) {
            JsonNode n = nodes.pop();
            int level = levels.pop();
            if (n.isContainer()) {
                max = Math.max(max, level + 1);
                for (JsonNode child : n) {
                    nodes.push(child);
                    levels.push(level + 1);
                }
            }
        }
        return max;
    }

    /** A long argument (a 20 KB JSON value, say) names itself by its first characters. */
    private static String shorten(String arg) {
        return arg.length() <= 80 ? arg : arg.substring(0, 60) + "... (" + arg.length() + " characters)";
    }

    /**
     * Jackson's own words for a JSON error, without its advice to the programmer ("enable
     * `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"), which a user of the CLI cannot act on.
     */
    static String jsonError(JacksonException e) {
        return ai.omninode.onex.runtime.JsonErrors.userMessage(e.getOriginalMessage());
    }

}
