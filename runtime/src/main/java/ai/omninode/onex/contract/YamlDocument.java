package ai.omninode.onex.contract;

import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * A parsed YAML (or JSON) document: its tree as Jackson nodes, and where in the source each value and each
 * mapping key stood, by JSON pointer. Errors found later (schema violations, bad references) use it to point
 * at a line and column.
 */
public final class YamlDocument {
    private final String source;
    private final JsonNode root;
    private final Map<String, SourcePosition> valuePositions;
    private final Map<String, SourcePosition> keyPositions;

    YamlDocument(String source, JsonNode root, Map<String, SourcePosition> valuePositions,
            Map<String, SourcePosition> keyPositions) {
        this.source = Objects.requireNonNull(source);
        this.root = Objects.requireNonNull(root);
        this.valuePositions = Map.copyOf(valuePositions);
        this.keyPositions = Map.copyOf(keyPositions);
    }

    /** The file path or URL this document came from, as used in error messages. */
    public String source() {
        return source;
    }

    public JsonNode root() {
        return root;
    }

    /**
     * Where the value at {@code pointer} starts; for a pointer that names no value of its own (inside an alias,
     * or a member that is missing), the position of its nearest ancestor that has one.
     */
    public SourcePosition positionOf(String pointer) {
        String p = pointer == null ? "" : pointer;
        while (true) {
            SourcePosition pos = valuePositions.get(p);
            if (pos != null) {
                return pos;
            }
            if (p.isEmpty()) {
                return SourcePosition.START;
            }
            p = p.substring(0, p.lastIndexOf('/'));
        }
    }

    /** Where the mapping key of the member at {@code pointer} stands, else {@link #positionOf(String)}. */
    public SourcePosition keyPositionOf(String pointer) {
        SourcePosition pos = keyPositions.get(pointer);
        return pos != null ? pos : positionOf(pointer);
    }

    /** A problem located at the value at {@code pointer}. */
    public Problem problemAt(String pointer, String message) {
        SourcePosition pos = positionOf(pointer);
        return new Problem(source, pos.line(), pos.column(), pointer, message);
    }

    /** A problem located at the key of the member at {@code pointer} (unknown or misspelled fields). */
    public Problem problemAtKey(String pointer, String message) {
        SourcePosition pos = keyPositionOf(pointer);
        return new Problem(source, pos.line(), pos.column(), pointer, message);
    }

    /** Escapes one JSON pointer reference token (RFC 6901). */
    public static String escape(String token) {
        if (token.indexOf('~') < 0 && token.indexOf('/') < 0) {
            return token;
        }
        return token.replace("~", "~0").replace("/", "~1");
    }
}
