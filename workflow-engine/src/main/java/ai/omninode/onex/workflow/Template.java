package ai.omninode.onex.workflow;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * A string value from a workflow, split into literal text and {@code ${...}} expressions. A written
 * {@code $${} stands for a literal {@code ${}.
 *
 * <p>The grammar, small on purpose (no scripting engine):
 * <pre>
 * expression := '${' root accessor* (':' default)? '}'
 * root       := [A-Za-z_][A-Za-z0-9_]*
 * accessor   := '.' [A-Za-z0-9_-]+  |  '[' digits ']'  |  '[' quoted-string ']'
 * default    := any text up to the matching '}' (braces nest, "..." is skipped, $${ is a literal ${); JSON if it
 *               parses as JSON (0, true, null, "x", [], {}), else the text itself
 * </pre>
 */
public record Template(String raw, List<Part> parts) {
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    public Template {
        parts = List.copyOf(parts);
    }

    /** A piece of a template. */
    public sealed interface Part permits Text, Placeholder {
    }

    /** Literal text (escapes already undone). */
    public record Text(String text) implements Part {
    }

    /** An expression, with its offset and length in the raw string. */
    public record Placeholder(Expression expression, int offset, int length) implements Part {
    }

    /** True when the whole value is exactly one expression, whose value then keeps its type. */
    public boolean isSingleExpression() {
        return parts.size() == 1 && parts.get(0) instanceof Placeholder;
    }

    public boolean hasExpressions() {
        for (Part p : parts) {
            if (p instanceof Placeholder) {
                return true;
            }
        }
        return false;
    }

    public List<Placeholder> placeholders() {
        List<Placeholder> out = new ArrayList<>();
        for (Part p : parts) {
            if (p instanceof Placeholder ph) {
                out.add(ph);
            }
        }
        return out;
    }

    /** The text with no expressions in it (for a template without expressions, the value with escapes undone). */
    public String literal() {
        StringBuilder out = new StringBuilder();
        for (Part p : parts) {
            if (p instanceof Text t) {
                out.append(t.text());
            }
        }
        return out.toString();
    }

    /** Quick test before parsing: only strings with {@code ${} need a parse. */
    public static boolean mayContainExpression(String value) {
        return value.contains("${");
    }

    /** Parses {@code raw}; a malformed expression throws {@link ExpressionSyntaxException} with its offset. */
    public static Template parse(String raw) {
        return new Parser(raw).parse();
    }

    /** Thrown for text that is not a valid expression. */
    public static final class ExpressionSyntaxException extends ai.omninode.onex.node.OnexException {
        private static final long serialVersionUID = 1L;
        private final int offset;
        private final String expressionText;

        ExpressionSyntaxException(String message, int offset, String expressionText) {
            super(message);
            this.offset = offset;
            this.expressionText = expressionText;
        }

        /** Where in the string value the bad expression starts. */
        public int offset() {
            return offset;
        }

        /** The expression text, up to where it went wrong (or the end of the value). */
        public String expressionText() {
            return expressionText;
        }
    }

    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        Template parse() {
            List<Part> parts = new ArrayList<>();
            StringBuilder text = new StringBuilder();
            while (i < s.length()) {
                if (s.startsWith("$${", i)) {
                    text.append("${");
                    i += 3;
                } else if (s.startsWith("${", i)) {
                    if (text.length() > 0) {
                        parts.add(new Text(text.toString()));
                        text.setLength(0);
                    }
                    parts.add(expression());
                } else {
                    text.append(s.charAt(i++));
                }
            }
            if (text.length() > 0 || parts.isEmpty()) {
                parts.add(new Text(text.toString()));
            }
            return new Template(s, parts);
        }

        private Placeholder expression() {
            int start = i;
            i += 2;
            if (i >= s.length()) {
                throw error(start, "unterminated '${' (no closing '}')");
            }
            if (s.charAt(i) == '}') {
                throw error(start, "empty expression '${}'; write ${input.name}, ${step_output.field}, ${env.NAME}"
                        + " or ${error.message}");
            }
            String root = identifier(false);
            if (root.isEmpty()) {
                throw error(start, "expected a root name (input, env, error, or a step's output or name) after '${',"
                        + " found " + describe(i));
            }
            List<Expression.Accessor> path = new ArrayList<>();
            JsonNode defaultValue = null;
            while (true) {
                if (i >= s.length()) {
                    throw error(start, "unterminated '${' (no closing '}')");
                }
                char c = s.charAt(i);
                if (c == '}') {
                    i++;
                    break;
                } else if (c == '.') {
                    i++;
                    String name = identifier(true);
                    if (name.isEmpty()) {
                        throw error(start, "expected a name after '.', found " + describe(i));
                    }
                    path.add(new Expression.Member(name));
                } else if (c == '[') {
                    path.add(bracket(start));
                } else if (c == ':') {
                    i++;
                    defaultValue = defaultValue(start);
                    break;
                } else {
                    throw error(start, "unexpected " + describe(i) + "; expected '.', '[', ':' (a default) or '}'");
                }
            }
            String text = s.substring(start, i);
            return new Placeholder(new Expression(text, root, path, defaultValue), start, i - start);
        }

        private Expression.Accessor bracket(int start) {
            i++; // '['
            if (i < s.length() && Character.isDigit(s.charAt(i))) {
                int from = i;
                while (i < s.length() && Character.isDigit(s.charAt(i))) {
                    i++;
                }
                expect(']', start, "after the list index");
                String digits = s.substring(from, i - 1);
                try {
                    return new Expression.Index(Integer.parseInt(digits));
                } catch (NumberFormatException e) {
                    throw error(start, "list index " + digits + " is too large");
                }
            }
            if (i < s.length() && (s.charAt(i) == '"' || s.charAt(i) == '\'')) {
                char quote = s.charAt(i++);
                StringBuilder key = new StringBuilder();
                while (true) {
                    if (i >= s.length()) {
                        throw error(start, "unterminated quoted key in '[" + quote + "...'");
                    }
                    char c = s.charAt(i++);
                    if (c == '\\' && i < s.length()) {
                        key.append(s.charAt(i++));
                    } else if (c == quote) {
                        break;
                    } else {
                        key.append(c);
                    }
                }
                expect(']', start, "after the quoted key");
                return new Expression.Key(key.toString());
            }
            throw error(start, "expected a list index such as [0] or a quoted key such as [\"name\"] after '[', found "
                    + describe(i) + (i < s.length() && s.charAt(i) == '-' ? " (negative indexes are not supported)" : ""));
        }

        private JsonNode defaultValue(int start) {
            int from = i;
            int depth = 0;
            while (true) {
                if (i >= s.length()) {
                    throw error(start, "unterminated '${' (no closing '}')");
                }
                char c = s.charAt(i);
                if (s.startsWith("$${", i)) {
                    // a literal '${', as anywhere in a value; its '}' closes it, not the expression
                    i += 3;
                    depth++;
                    continue;
                }
                if (s.startsWith("${", i)) {
                    throw error(start, "a default cannot contain another ${...} (write $${ for a literal ${)");
                }
                if (c == '"') {
                    i++;
                    while (i < s.length() && s.charAt(i) != '"') {
                        i += s.charAt(i) == '\\' ? 2 : 1;
                    }
                    i++;
                    continue;
                }
                if (c == '{' || c == '[') {
                    depth++;
                } else if ((c == '}' || c == ']') && depth > 0) {
                    depth--;
                } else if (c == '}') {
                    break;
                }
                i++;
            }
            String text = s.substring(from, i).replace("$${", "${");
            i++; // '}'
            return parseDefault(text);
        }

        private void expect(char c, int start, String where) {
            if (i >= s.length() || s.charAt(i) != c) {
                throw error(start, "expected '" + c + "' " + where + ", found " + describe(i));
            }
            i++;
        }

        private String identifier(boolean member) {
            int from = i;
            while (i < s.length()) {
                char c = s.charAt(i);
                boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                        || (i > from || member) && ((c >= '0' && c <= '9') || (member && c == '-'));
                if (!ok) {
                    break;
                }
                i++;
            }
            return s.substring(from, i);
        }

        private String describe(int at) {
            if (at >= s.length()) {
                return "the end of the value";
            }
            int c = s.codePointAt(at); // a whole emoji, not half of its surrogate pair
            return c == ' ' ? "a space" : "'" + new String(Character.toChars(c)) + "'";
        }

        private ExpressionSyntaxException error(int start, String message) {
            int end = s.indexOf('}', start);
            String text = end < 0 ? s.substring(start) : s.substring(start, end + 1);
            return new ExpressionSyntaxException(message, start, text);
        }
    }

    static JsonNode parseDefault(String text) {
        if (!text.isEmpty()) {
            try {
                JsonNode node = JSON.readTree(text);
                if (node != null && !node.isMissingNode()) {
                    return node;
                }
            } catch (JacksonException e) {
                // not JSON: the text itself
            }
        }
        return JsonNodeFactory.instance.stringNode(text);
    }
}
