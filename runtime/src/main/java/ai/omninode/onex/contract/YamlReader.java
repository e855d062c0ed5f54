package ai.omninode.onex.contract;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URL;
import java.net.URLConnection;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.resolver.CoreScalarResolver;
import org.snakeyaml.engine.v2.resolver.ScalarResolver;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads one YAML 1.2 document (JSON included) into a {@link YamlDocument}, defensively: the input may come
 * from anyone, so size, nesting depth, alias count and alias expansion are bounded, and every way it can be
 * wrong becomes a {@link Problem} with a line and column instead of a stack trace.
 *
 * <p>Built on snakeyaml-engine's event parser rather than its composer so that nesting is handled without
 * recursion (10,000 levels of {@code [[[...]]]} must not overflow the stack) and so that aliases are counted
 * by what they expand to: values, nesting levels and text all count against the limits as if the document had
 * been written out without aliases (the "billion laughs" bomb is refused, not expanded). Scalars resolve with the
 * YAML 1.2 core schema; NaN and infinities are refused because they have no JSON form.
 */
public final class YamlReader {
    public static final long DEFAULT_MAX_BYTES = 8L * 1024 * 1024;
    public static final int DEFAULT_MAX_DEPTH = 200;
    public static final long DEFAULT_MAX_NODES = 1_000_000;
    public static final int DEFAULT_MAX_ALIASES = 200;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ScalarResolver RESOLVER = new CoreScalarResolver(false);

    private final long maxBytes;
    private final int maxDepth;
    private final long maxNodes;
    private final int maxAliases;

    private YamlReader(long maxBytes, int maxDepth, long maxNodes, int maxAliases) {
        if (maxBytes < 1 || maxDepth < 1 || maxNodes < 1 || maxAliases < 0) {
            throw new IllegalArgumentException("YAML limits must be positive: maxBytes=" + maxBytes
                    + " maxDepth=" + maxDepth + " maxNodes=" + maxNodes + " maxAliases=" + maxAliases);
        }
        this.maxBytes = maxBytes;
        this.maxDepth = maxDepth;
        this.maxNodes = maxNodes;
        this.maxAliases = maxAliases;
    }

    public static YamlReader defaults() {
        return new YamlReader(DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, DEFAULT_MAX_NODES, DEFAULT_MAX_ALIASES);
    }

    public YamlReader withMaxBytes(long bytes) {
        return new YamlReader(bytes, maxDepth, maxNodes, maxAliases);
    }

    public YamlReader withMaxDepth(int depth) {
        return new YamlReader(maxBytes, depth, maxNodes, maxAliases);
    }

    public YamlReader withMaxNodes(long nodes) {
        return new YamlReader(maxBytes, maxDepth, nodes, maxAliases);
    }

    public YamlReader withMaxAliases(int aliases) {
        return new YamlReader(maxBytes, maxDepth, maxNodes, aliases);
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Reads a file; the source name in problems is the path as given. */
    public YamlDocument read(Path file) {
        String source = file.toString();
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new ValidationException(new Problem(source, 1, 1, "", tooLarge(size)).as(Rules.YAML_LIMIT));
            }
            if (Files.isDirectory(file)) {
                throw new ValidationException(Problem.of(source, "is a folder, not a file").as(Rules.FILE_UNREADABLE));
            }
            // bounded even when the size lies (a device or a pipe reports 0): /dev/zero must not fill the heap
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            }
            if (bytes.length > maxBytes) {
                throw new ValidationException(new Problem(source, 1, 1, "", "document is larger than the limit of "
                        + maxBytes + " bytes").as(Rules.YAML_LIMIT));
            }
        } catch (NoSuchFileException e) {
            throw new ValidationException(Problem.of(source, "file not found").as(Rules.FILE_UNREADABLE));
        } catch (IOException e) {
            throw new ValidationException(Problem.of(source, "cannot read file: " + e.getMessage()).as(Rules.FILE_UNREADABLE));
        }
        return read(source, bytes);
    }

    /** Reads a URL (a resource inside a jar, typically); {@code source} names it in problems. */
    public YamlDocument read(URL url, String source) {
        byte[] bytes;
        try {
            URLConnection connection = url.openConnection();
            // the JDK caches jar: connections and keeps their jar open for good; a plugin jar must be closable
            connection.setUseCaches(false);
            try (InputStream in = connection.getInputStream()) {
                bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            }
        } catch (FileNotFoundException | NoSuchFileException e) {
            throw new ValidationException(Problem.of(source, "file not found").as(Rules.FILE_UNREADABLE));
        } catch (IOException e) {
            throw new ValidationException(Problem.of(source, "cannot read: " + e.getMessage()).as(Rules.FILE_UNREADABLE));
        }
        if (bytes.length > maxBytes) {
            throw new ValidationException(new Problem(source, 1, 1, "", tooLarge(bytes.length)).as(Rules.YAML_LIMIT));
        }
        return read(source, bytes);
    }

    /** Reads raw bytes, which must be UTF-8 (a UTF-8 byte order mark is allowed). */
    public YamlDocument read(String source, byte[] bytes) {
        if (bytes.length > maxBytes) {
            throw new ValidationException(new Problem(source, 1, 1, "", tooLarge(bytes.length)).as(Rules.YAML_LIMIT));
        }
        return readString(source, decodeUtf8(source, bytes));
    }

    /** Parses text that is already decoded. */
    public YamlDocument readString(String source, String text) {
        Partial read = readStringKeepingGoing(source, text);
        if (!read.problems().isEmpty()) {
            throw new ValidationException(read.problems());
        }
        return read.document();
    }

    /**
     * A document read as far as it can be, and the problems after which reading went on: a duplicate key (the first
     * value is kept, so positions stay those of what is kept), a value with no JSON form ({@code .nan}, {@code .inf},
     * {@code !!binary}, another tag, a malformed number; kept as its text). A static check reports those and still
     * checks the document, so one of them does not hide the file's other errors; anything that must not run on a guess
     * uses {@link #read(String, byte[])}, which refuses the document for any problem.
     *
     * @param document the document, never null
     * @param problems the problems reading went on after, in the order found; empty if none
     */
    public record Partial(YamlDocument document, List<Problem> problems) {
        public Partial {
            problems = List.copyOf(problems);
        }
    }

    /**
     * Reads raw bytes as {@link #read(String, byte[])} does, but goes on after the problems {@link Partial} lists; a
     * {@link ValidationException} for those it cannot go on after (a syntax error, a limit, the encoding, an alias).
     */
    public Partial readKeepingGoing(String source, byte[] bytes) {
        if (bytes.length > maxBytes) {
            throw new ValidationException(new Problem(source, 1, 1, "", tooLarge(bytes.length)).as(Rules.YAML_LIMIT));
        }
        return readStringKeepingGoing(source, decodeUtf8(source, bytes));
    }

    private Partial readStringKeepingGoing(String source, String text) {
        if (text.length() > maxBytes) {
            throw new ValidationException(new Problem(source, 1, 1, "", tooLarge(text.length())).as(Rules.YAML_LIMIT));
        }
        if (!text.isEmpty() && text.charAt(0) == '\uFEFF') {
            text = text.substring(1);
        }
        return new Builder(source).build(text);
    }

    private String tooLarge(long size) {
        return "document is " + size + " bytes, larger than the limit of " + maxBytes + " bytes";
    }

    /**
     * The UTF-16 charset {@code bytes} are written in, or null: by a byte order mark, or without one by the pattern
     * UTF-16 gives text that is mostly ASCII, a zero byte in every other place (a NUL, which YAML never holds). Decoding
     * with it, the mark (if any) is the first character.
     */
    public static java.nio.charset.Charset utf16(byte[] bytes) {
        if (bytes.length < 2) {
            return null;
        }
        if (bytes[0] == (byte) 0xFE && bytes[1] == (byte) 0xFF) {
            return StandardCharsets.UTF_16BE;
        }
        if (bytes[0] == (byte) 0xFF && bytes[1] == (byte) 0xFE) {
            return StandardCharsets.UTF_16LE;
        }
        int pairs = Math.min(bytes.length / 2, 256);
        int evenZeros = 0;
        int oddZeros = 0;
        for (int i = 0; i < pairs; i++) {
            evenZeros += bytes[2 * i] == 0 ? 1 : 0;
            oddZeros += bytes[2 * i + 1] == 0 ? 1 : 0;
        }
        // the first character, and most of the others, have their zero byte on the same side
        if (bytes[0] != 0 && bytes[1] == 0 && oddZeros * 2 > pairs && evenZeros * 8 < pairs) {
            return StandardCharsets.UTF_16LE;
        }
        if (bytes[0] == 0 && bytes[1] != 0 && evenZeros * 2 > pairs && oddZeros * 8 < pairs) {
            return StandardCharsets.UTF_16BE;
        }
        return null;
    }

    /** Whether {@code bytes} start as UTF-32 does: its byte order mark, or a first character with three zero bytes. */
    static boolean utf32(byte[] bytes) {
        if (bytes.length < 4) {
            return false;
        }
        // 00 00 FE FF and FF FE 00 00 (the marks), or an ASCII first character: 00 00 00 xx and xx 00 00 00
        boolean be = bytes[0] == 0 && bytes[1] == 0 && (bytes[2] == 0 && bytes[3] != 0
                || bytes[2] == (byte) 0xFE && bytes[3] == (byte) 0xFF);
        boolean le = bytes[2] == 0 && bytes[3] == 0 && (bytes[1] == 0 && bytes[0] != 0
                || bytes[0] == (byte) 0xFF && bytes[1] == (byte) 0xFE);
        return be || le;
    }

    static String decodeUtf8(String source, byte[] bytes) {
        if (utf32(bytes)) {
            throw new ValidationException(new Problem(source, 1, 1, "", "document is UTF-32 (" + (bytes[0] == 0
                    ? "big-endian" : "little-endian") + "); save it as UTF-8").as(Rules.YAML_ENCODING));
        }
        java.nio.charset.Charset utf16 = utf16(bytes);
        if (utf16 != null) {
            boolean bom = (bytes[0] & 0xFF) + (bytes[1] & 0xFF) == 0xFE + 0xFF;
            String order = utf16 == StandardCharsets.UTF_16LE ? "little-endian" : "big-endian";
            throw new ValidationException(new Problem(source, 1, 1, "", "document is UTF-16 (" + (bom
                    ? "it starts with a UTF-16 byte order mark" : order + ", without a byte order mark: every other"
                    + " byte is zero") + "); save it as UTF-8").as(Rules.YAML_ENCODING));
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isUnderflow()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int offset = in.position();
            // columns count characters, as the parser's do, not bytes: "naïve" is five columns wide
            int line = 1;
            int column = 1;
            for (int i = 0; i < out.position(); i++) {
                char c = out.get(i);
                if (c == '\n') {
                    line++;
                    column = 1;
                } else if (!Character.isLowSurrogate(c) && !(i == 0 && c == '\uFEFF')) {
                    column++;
                }
            }
            throw new ValidationException(new Problem(source, line, column, "",
                    String.format(Locale.ROOT, "document is not valid UTF-8: byte 0x%02X at offset %d cannot start"
                            + " or continue a UTF-8 character", bytes[offset] & 0xFF, offset)).as(Rules.YAML_ENCODING));
        }
        out.flip();
        return out.toString();
    }

    /**
     * A hint for the commonest cause of a syntax error in a workflow: an unquoted {@code ${...}} inside a flow mapping
     * or list ({@code {text: ${input.message}}}), where YAML reads its '{' as the start of another mapping. Empty when
     * the error is elsewhere.
     */
    static String dollarBraceHint(String text, Mark mark) {
        if (mark == null) {
            return "";
        }
        int lineStart = 0;
        for (int line = 0; line < mark.getLine() && lineStart >= 0; line++) {
            int nl = text.indexOf('\n', lineStart);
            lineStart = nl < 0 ? -1 : nl + 1;
        }
        if (lineStart < 0) {
            return "";
        }
        int lineEnd = text.indexOf('\n', lineStart);
        String line = text.substring(lineStart, lineEnd < 0 ? text.length() : lineEnd);
        int at = Math.min(mark.getColumn(), line.length());
        // the '${' the parser stumbled on: at the mark, or just before it
        int dollar = line.lastIndexOf("${", Math.min(line.length() - 1, at));
        if (dollar < 0 || at - dollar > 2 || !line.substring(0, dollar).matches(".*[\\[{].*")) {
            return "";
        }
        int close = line.indexOf('}', dollar);
        String expression = close < 0 ? "${...}" : line.substring(dollar, close + 1);
        return "; inside {...} or [...], YAML reads the '{' of ${ as the start of a mapping: quote the expression,"
                + " as in \"" + expression + "\"";
    }

    /** Where the construct the parser was in began (an unclosed '[' or quote), when that is not where it failed. */
    private static String startedAt(MarkedYamlEngineException e, Mark problem) {
        Mark start = e.getContextMark().orElse(null);
        if (start == null || problem == null
                || (start.getLine() == problem.getLine() && start.getColumn() == problem.getColumn())) {
            return "";
        }
        return " that starts at line " + (start.getLine() + 1) + ", column " + (start.getColumn() + 1);
    }

    private static SourcePosition position(Optional<Mark> mark) {
        return mark.map(m -> new SourcePosition(m.getLine() + 1, m.getColumn() + 1)).orElse(SourcePosition.START);
    }

    /** One pass over the events of one text. */
    private final class Builder {
        private final String source;
        private final Deque<Frame> stack = new ArrayDeque<>();
        private final Map<String, Anchored> anchors = new HashMap<>();
        private final Map<String, SourcePosition> valuePositions = new HashMap<>();
        private final Map<String, SourcePosition> keyPositions = new HashMap<>();
        private final List<Problem> problems = new ArrayList<>();
        private JsonNode root;
        private int documents;
        private long nodes;
        private int aliases;
        private long textLength;
        private long expandedChars;

        Builder(String source) {
            this.source = source;
        }

        Partial build(String text) {
            textLength = text.length();
            LoadSettings settings = LoadSettings.builder()
                    .setLabel(source)
                    .setCodePointLimit((int) Math.min(Integer.MAX_VALUE, maxBytes))
                    .setUseMarks(true)
                    .build();
            try {
                for (Event event : new Parse(settings).parseString(text)) {
                    onEvent(event);
                }
            } catch (MarkedYamlEngineException e) {
                Mark mark = e.getProblemMark().or(e::getContextMark).orElse(null);
                String what = e.getProblem() == null ? String.valueOf(e.getMessage()) : e.getProblem();
                String context = e.getContext() == null ? "" : " (" + e.getContext() + startedAt(e, mark) + ")";
                fail(Rules.YAML_SYNTAX, mark == null ? SourcePosition.START : new SourcePosition(mark.getLine() + 1, mark.getColumn() + 1),
                        "", (source != null && source.toLowerCase(Locale.ROOT).endsWith(".json")
                                ? "JSON syntax error (read as YAML, which JSON is a part of): " : "YAML syntax error: ")
                                + what + context + dollarBraceHint(text, mark));
            } catch (ReaderException e) {
                fail(Rules.YAML_ENCODING, positionOfIndex(text, e.getPosition()), "", String.format(Locale.ROOT,
                        "YAML cannot contain the character U+%04X (%s)", e.getCodePoint(), e.getMessage()));
            } catch (YamlEngineException e) {
                fail(Rules.YAML_SYNTAX, SourcePosition.START, "", "YAML error: " + e.getMessage());
            }
            if (root == null) {
                fail(Rules.YAML_SYNTAX, SourcePosition.START, "", "document is empty: expected a YAML mapping");
            }
            return new Partial(new YamlDocument(source, root, valuePositions, keyPositions), problems);
        }

        private void onEvent(Event event) {
            switch (event.getEventId()) {
                case DocumentStart -> {
                    if (++documents > 1) {
                        fail(Rules.YAML_SYNTAX, position(event.getStartMark()), "",
                                "more than one YAML document ('---'); a file holds exactly one");
                    }
                }
                case MappingStart, SequenceStart -> startCollection((CollectionStartEvent) event);
                case MappingEnd, SequenceEnd -> endCollection();
                case Scalar -> onScalar((ScalarEvent) event);
                case Alias -> onAlias((AliasEvent) event);
                default -> {
                    // stream start/end, document end, comments: nothing to build
                }
            }
        }

        private void startCollection(CollectionStartEvent event) {
            SourcePosition pos = position(event.getStartMark());
            boolean mapping = event.getEventId() == Event.ID.MappingStart;
            if (expectingKey()) {
                fail(Rules.YAML_SYNTAX, pos, stack.peek().pointer, "a mapping key must be a plain value, not a "
                        + (mapping ? "mapping" : "sequence"));
            }
            if (stack.size() >= maxDepth) {
                fail(Rules.YAML_LIMIT, pos, childPointer(), "nesting is deeper than the limit of " + maxDepth + " levels");
            }
            event.getTag().ifPresent(tag -> checkCollectionTag(tag, mapping, pos));
            JsonNode node = mapping ? NODES.objectNode() : NODES.arrayNode();
            String pointer = attach(node, pos, 0);
            countNodes(1, pos, pointer);
            Frame frame = new Frame(node, pointer, anchorOf(event));
            stack.push(frame);
        }

        private void endCollection() {
            Frame frame = stack.pop();
            if (frame.anchor != null) {
                anchors.put(frame.anchor, new Anchored(frame.node, frame.size, frame.depth, frame.chars));
            }
            if (!stack.isEmpty()) {
                Frame parent = stack.peek();
                parent.size += frame.size;
                parent.depth = Math.max(parent.depth, frame.depth + 1);
                parent.chars += frame.chars;
            }
        }

        private void onScalar(ScalarEvent event) {
            SourcePosition pos = position(event.getStartMark());
            if (expectingKey()) {
                Frame frame = stack.peek();
                String key = event.getValue();
                String pointer = frame.pointer + "/" + YamlDocument.escape(key);
                if (event.isPlain() && "<<".equals(key)) {
                    fail(Rules.YAML_UNSUPPORTED, pos, pointer, "YAML merge keys ('<<') are not supported; write the keys out");
                }
                SourcePosition first = frame.keys.putIfAbsent(key, pos);
                if (first != null) {
                    problems.add(new Problem(source, pos.line(), pos.column(), pointer,
                            "duplicate key '" + key + "' (first defined at line " + first.line() + ")")
                            .as(Rules.YAML_DUPLICATE_KEY));
                    // the first value stays: the positions recorded for its pointers are its own
                    frame.dropNext = true;
                }
                keyPositions.putIfAbsent(pointer, pos);
                frame.pendingKey = key;
                frame.chars += key.length();
                return;
            }
            String pointer = attach(scalar(event, pos), pos, 1);
            countNodes(1, pos, pointer);
            long chars = event.getValue().length();
            if (!stack.isEmpty()) {
                stack.peek().chars += chars;
            }
            String anchor = anchorOf(event);
            if (anchor != null) {
                anchors.put(anchor, new Anchored(nodeAt(pointer), 1, 0, chars));
            }
        }

        private void onAlias(AliasEvent event) {
            SourcePosition pos = position(event.getStartMark());
            String name = event.getAlias().getValue();
            if (expectingKey()) {
                fail(Rules.YAML_SYNTAX, pos, stack.peek().pointer, "an alias ('*" + name + "') cannot be a mapping key");
            }
            String at = childPointer();
            if (++aliases > maxAliases) {
                fail(Rules.YAML_LIMIT, pos, at, "more than " + maxAliases + " YAML aliases; refusing to expand further");
            }
            Anchored target = anchors.get(name);
            if (target == null) {
                fail(Rules.YAML_SYNTAX, pos, at, "unknown YAML alias '*" + name + "' (anchors must be defined, with '&" + name
                        + "', before they are used and outside themselves)");
            }
            // an alias brings its whole subtree along: without this, aliases of aliases nest without bound
            if (stack.size() + target.depth > maxDepth) {
                fail(Rules.YAML_LIMIT, pos, at, "nesting is deeper than the limit of " + maxDepth + " levels (through the alias '*"
                        + name + "', which is " + target.depth + " levels deep)");
            }
            // few aliases of one long string make a small tree that is huge once written out (as JSON, to Kafka):
            // what aliases add counts against the size limit, as if the document had been written out in full
            expandedChars += target.chars;
            if (textLength + expandedChars > maxBytes) {
                fail(Rules.YAML_LIMIT, pos, at, "document expands to more than the size limit of " + maxBytes + " bytes through YAML"
                        + " aliases ('*" + name + "' adds " + target.chars + " characters); refusing to load it");
            }
            String pointer = attach(target.node, pos, target.size);
            if (!stack.isEmpty()) {
                stack.peek().depth = Math.max(stack.peek().depth, target.depth + 1);
                stack.peek().chars += target.chars;
            }
            countNodes(target.size, pos, pointer);
        }

        private void countNodes(long add, SourcePosition pos, String pointer) {
            nodes += add;
            if (nodes > maxNodes) {
                fail(Rules.YAML_LIMIT, pos, pointer, aliases == 0
                        ? "document has more than " + maxNodes + " values; refusing to load it"
                        : "document expands to more than " + maxNodes + " values (through YAML aliases, a 'billion"
                                + " laughs' bomb?); refusing to load it");
            }
        }

        /** Adds a value under the current collection (or as root); returns its JSON pointer. */
        private String attach(JsonNode node, SourcePosition pos, long size) {
            String pointer;
            if (stack.isEmpty()) {
                root = node;
                pointer = "";
            } else {
                Frame parent = stack.peek();
                if (parent.node instanceof ObjectNode object) {
                    pointer = parent.pointer + "/" + YamlDocument.escape(parent.pendingKey);
                    if (!parent.dropNext) {
                        object.set(parent.pendingKey, node);
                    }
                    parent.dropNext = false;
                    parent.pendingKey = null;
                } else {
                    ArrayNode array = (ArrayNode) parent.node;
                    pointer = parent.pointer + "/" + array.size();
                    array.add(node);
                }
                parent.size += size;
            }
            valuePositions.putIfAbsent(pointer, pos);
            return pointer;
        }

        private JsonNode nodeAt(String pointer) {
            return pointer.isEmpty() ? root : root.at(pointer);
        }

        /** The pointer the next value will have: where a problem with that value is. */
        private String childPointer() {
            Frame parent = stack.peek();
            if (parent == null) {
                return "";
            }
            if (parent.node instanceof ObjectNode) {
                return parent.pointer + "/" + YamlDocument.escape(parent.pendingKey == null ? "" : parent.pendingKey);
            }
            return parent.pointer + "/" + parent.node.size();
        }

        private boolean expectingKey() {
            Frame top = stack.peek();
            return top != null && top.node instanceof ObjectNode && top.pendingKey == null;
        }

        private String anchorOf(NodeEvent event) {
            return event.getAnchor().map(a -> a.getValue()).orElse(null);
        }

        private void checkCollectionTag(String tag, boolean mapping, SourcePosition pos) {
            String expected = mapping ? Tag.MAP.getValue() : Tag.SEQ.getValue();
            if (!tag.equals(expected) && !tag.equals("!")) {
                goOnAfter(Rules.YAML_UNSUPPORTED, pos, childPointer(),
                        "unsupported YAML tag '" + tag + "' on a " + (mapping ? "mapping" : "sequence"));
            }
        }

        private JsonNode scalar(ScalarEvent event, SourcePosition pos) {
            String value = event.getValue();
            Tag tag;
            Optional<String> explicit = event.getTag().filter(t -> !t.equals("!"));
            if (explicit.isPresent()) {
                tag = new Tag(explicit.get());
            } else if (event.isPlain()) {
                tag = RESOLVER.resolve(value, true);
                if (tag.equals(Tag.ENV_TAG)) {
                    // the core resolver marks a plain ${NAME} for environment substitution; here it is just text
                    // (ONEX workflows use ${input}, ${step_result} as expressions of their own)
                    tag = Tag.STR;
                }
            } else {
                tag = Tag.STR;
            }
            String at = childPointer();
            if (tag.equals(Tag.STR)) {
                return NODES.stringNode(value);
            }
            if (tag.equals(Tag.NULL)) {
                return NODES.nullNode();
            }
            if (tag.equals(Tag.BOOL)) {
                String v = value.toLowerCase(Locale.ROOT);
                if (!v.equals("true") && !v.equals("false")) {
                    return unsupported(pos, at, value, "'" + value + "' is not a boolean");
                }
                return NODES.booleanNode(v.equals("true"));
            }
            if (tag.equals(Tag.INT)) {
                BigInteger n = parseInt(value);
                if (n == null) {
                    return unsupported(pos, at, value, "'" + value + "' is not an integer");
                }
                if (n.bitLength() < 32) {
                    return NODES.numberNode(n.intValue());
                }
                if (n.bitLength() < 64) {
                    return NODES.numberNode(n.longValue());
                }
                return NODES.numberNode(n);
            }
            if (tag.equals(Tag.FLOAT)) {
                String v = value.toLowerCase(Locale.ROOT);
                if (v.endsWith(".nan") || v.endsWith(".inf")) {
                    return unsupported(pos, at, value, "'" + value + "' (NaN or infinity) has no JSON form; use a number"
                            + " or a string");
                }
                double d;
                try {
                    d = Double.parseDouble(value);
                } catch (NumberFormatException e) {
                    return unsupported(pos, at, value, "'" + value + "' is not a number");
                }
                if (Double.isInfinite(d)) {
                    return unsupported(pos, at, value, "'" + value + "' is too large for a 64-bit floating point number");
                }
                return NODES.numberNode(d);
            }
            return unsupported(pos, at, value, "unsupported YAML tag '" + tag.getValue() + "'; only plain JSON values are"
                    + " allowed");
        }

        /** A value with no JSON form: said, and kept as its text so that reading (and a static check) goes on. */
        private JsonNode unsupported(SourcePosition pos, String pointer, String value, String message) {
            goOnAfter(Rules.YAML_UNSUPPORTED, pos, pointer, message);
            return NODES.stringNode(value);
        }

        /** A problem reading can go on after ({@link Partial}). */
        private void goOnAfter(Rule rule, SourcePosition pos, String pointer, String message) {
            problems.add(new Problem(source, pos.line(), pos.column(), pointer, message).as(rule));
        }


        private void fail(Rule rule, SourcePosition pos, String pointer, String message) {
            problems.add(new Problem(source, pos.line(), pos.column(), pointer, message).as(rule));
            throw new ValidationException(problems);
        }
    }

    private static BigInteger parseInt(String value) {
        String v = value.replace("_", "");
        int sign = 1;
        if (v.startsWith("-")) {
            sign = -1;
            v = v.substring(1);
        } else if (v.startsWith("+")) {
            v = v.substring(1);
        }
        try {
            BigInteger n;
            if (v.startsWith("0x")) {
                n = new BigInteger(v.substring(2), 16);
            } else if (v.startsWith("0o")) {
                n = new BigInteger(v.substring(2), 8);
            } else {
                n = new BigInteger(v);
            }
            return sign < 0 ? n.negate() : n;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static SourcePosition positionOfIndex(String text, int index) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < Math.min(index, text.length()); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return new SourcePosition(line, col);
    }

    private static final class Frame {
        final JsonNode node;
        final String pointer;
        final String anchor;
        final Map<String, SourcePosition> keys = new HashMap<>();
        String pendingKey;
        /** The value of {@link #pendingKey} is that of a duplicate key: read, not kept. */
        boolean dropNext;
        long size = 1;
        /** Levels of nesting of this collection's subtree, itself included. */
        int depth = 1;
        /** Characters of the keys and scalars in this collection's subtree, what aliases bring in included. */
        long chars;

        Frame(JsonNode node, String pointer, String anchor) {
            this.node = node;
            this.pointer = pointer;
            this.anchor = anchor;
        }
    }

    /**
     * An anchored value: its tree, how many values it expands to, how many levels deep it is (0: a scalar), and how
     * many characters of keys and scalars it holds.
     */
    private record Anchored(JsonNode node, long size, int depth, long chars) {
    }
}
