package ai.omninode.onex.workflow.internal;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.SourcePosition;
import ai.omninode.onex.contract.YamlDocument;

/**
 * Finds the line and column of an expression inside a string value: the document knows where the value starts,
 * and the text says where in it (after a quote, or on a later line of a block scalar) the expression stands.
 */
public final class SourceText {
    private static final int MAX_LINES_AHEAD = 200;

    private final YamlDocument document;
    private final String text;
    /** Split on first use: only an error needs a column. */
    private volatile String[] lines;

    public SourceText(YamlDocument document, String text) {
        this.document = document;
        this.text = text;
    }

    private String[] lines() {
        String[] l = lines;
        if (l == null) {
            l = text == null ? new String[0] : text.split("\r\n|\r|\n", -1);
            lines = l;
        }
        return l;
    }

    public YamlDocument document() {
        return document;
    }

    /** A problem at the expression {@code expression} in the string value at {@code pointer}. */
    public Problem at(String pointer, String expression, String message) {
        SourcePosition pos = positionOf(pointer, expression);
        return new Problem(document.source(), pos.line(), pos.column(), pointer, message);
    }

    public SourcePosition positionOf(String pointer, String expression) {
        SourcePosition start = document.positionOf(pointer);
        String[] lines = lines();
        if (expression == null || expression.isEmpty() || lines.length == 0) {
            return start;
        }
        // columns count code points, as the YAML parser's do (and SARIF's columnKind says): an emoji is one column,
        // two chars of a Java string
        for (int l = start.line() - 1; l < lines.length && l < start.line() - 1 + MAX_LINES_AHEAD; l++) {
            String line = lines[l];
            int from = 0;
            if (l == start.line() - 1) {
                int points = Math.max(0, start.column() - 1);
                if (points > line.codePointCount(0, line.length())) {
                    continue;
                }
                from = line.offsetByCodePoints(0, points);
            }
            int idx = line.indexOf(expression, from);
            if (idx >= 0) {
                return new SourcePosition(l + 1, line.codePointCount(0, idx) + 1);
            }
        }
        return start;
    }
}
