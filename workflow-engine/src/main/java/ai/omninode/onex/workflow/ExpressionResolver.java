package ai.omninode.onex.workflow;

import ai.omninode.onex.contract.Problem;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Resolves the {@code ${...}} expressions of a step's input against a {@link Scope}, by the rules of DESIGN.md §5:
 * <ul>
 *   <li>a string that is exactly one {@code ${...}} becomes the value itself, with its type (number, boolean,
 *       list, map, null); {@code ${...}} inside longer text becomes text (strings as they are, anything else as
 *       JSON);</li>
 *   <li>substituted values are data: they are never evaluated again, so a value that contains {@code ${...}}
 *       text stays that text; map keys are never evaluated;</li>
 *   <li>{@code ${path:default}} gives the default when the path is missing; without a default a missing path
 *       throws {@link ExpressionException} naming the file, line and column, the step, the expression and the
 *       roots that exist.</li>
 * </ul>
 * Stateless; thread-safe.
 */
public final class ExpressionResolver {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ExpressionResolver() {
    }

    /** Turns a message about an expression into a located {@link Problem} (file, line, column, step). */
    @FunctionalInterface
    public interface Locator {
        /**
         * @param pointer JSON pointer of the string value in the workflow document
         * @param offset where the expression starts inside that string value
         * @param expression the expression text
         * @param message what is wrong
         */
        Problem locate(String pointer, int offset, String expression, String message);
    }

    /** A locator for values that did not come from a file. */
    public static Locator unlocated(String source) {
        return (pointer, offset, expression, message) -> Problem.of(source, message);
    }

    /**
     * Resolves every expression in {@code template}; {@code pointer} is the template's place in its document. The
     * runner compiles a step's template once ({@link CompiledInput}) and resolves it per run; this is the same, for
     * a template used once.
     */
    public static JsonNode resolve(JsonNode template, Scope scope, String pointer, Locator locator) {
        return template == null ? null : CompiledInput.of(template, pointer).resolve(scope, locator);
    }

    /** Resolves one string value. */
    public static JsonNode resolveString(String value, Scope scope, String pointer, Locator locator) {
        if (!Template.mayContainExpression(value)) {
            return NODES.stringNode(value);
        }
        Template template;
        try {
            template = Template.parse(value);
        } catch (Template.ExpressionSyntaxException e) {
            throw syntaxError(e, pointer, locator);
        }
        return resolveTemplate(template, scope, pointer, locator);
    }

    /** The error {@link #resolveString} throws for a value that does not parse. */
    static ExpressionException syntaxError(Template.ExpressionSyntaxException e, String pointer, Locator locator) {
        return new ExpressionException(locator.locate(pointer, e.offset(), e.expressionText(),
                "bad expression '" + e.expressionText() + "': " + e.getMessage()), e.expressionText());
    }

    /** {@link #resolveString} of a value parsed already. */
    static JsonNode resolveTemplate(Template template, Scope scope, String pointer, Locator locator) {
        if (!template.hasExpressions()) {
            return NODES.stringNode(template.literal());
        }
        if (template.isSingleExpression()) {
            Template.Placeholder p = (Template.Placeholder) template.parts().get(0);
            return valueOf(p, scope, pointer, locator);
        }
        StringBuilder out = new StringBuilder();
        for (Template.Part part : template.parts()) {
            if (part instanceof Template.Text t) {
                out.append(t.text());
            } else {
                out.append(asText(valueOf((Template.Placeholder) part, scope, pointer, locator)));
            }
        }
        return NODES.stringNode(out.toString());
    }

    /** Convenience for values with no document: resolves {@code value} or throws with an unlocated problem. */
    public static JsonNode resolveString(String value, Scope scope) {
        return resolveString(value, scope, "", unlocated("<expression>"));
    }

    private static JsonNode valueOf(Template.Placeholder p, Scope scope, String pointer, Locator locator) {
        Expression e = p.expression();
        Evaluation result = evaluate(e, scope);
        if (result.value != null) {
            return result.value;
        }
        if (e.hasDefault()) {
            return e.defaultValue();
        }
        String message = "cannot resolve " + e.text() + ": " + result.missing + "; roots here: "
                + String.join(", ", scope.rootNames());
        throw new ExpressionException(locator.locate(pointer, p.offset(), e.text(), message), e.text());
    }

    /** The value of an expression, or why there is none. */
    public static Evaluation evaluate(Expression e, Scope scope) {
        JsonNode current;
        int start = 0;
        switch (e.root()) {
            case Scope.INPUT -> current = scope.input();
            case Scope.ENV -> {
                if (e.path().isEmpty() || !(e.path().get(0) instanceof Expression.Member m)) {
                    return Evaluation.missing("'env' needs a variable name, as in ${env.NAME}");
                }
                String value = scope.env().get(m.name());
                if (value == null) {
                    return Evaluation.missing("environment variable '" + m.name() + "' is not set");
                }
                current = NODES.stringNode(value);
                start = 1;
            }
            case Scope.ERROR -> {
                current = scope.error();
                if (current == null) {
                    return Evaluation.missing("'error' exists only in error_handling.on_step_failure");
                }
            }
            default -> {
                current = scope.result(e.root());
                if (current == null) {
                    return Evaluation.missing("there is no step result named '" + e.root()
                            + "' here (no such step, or it has not run or did not succeed)");
                }
            }
        }
        List<Expression.Accessor> path = e.path();
        for (int i = start; i < path.size(); i++) {
            Expression.Accessor a = path.get(i);
            String at = "'" + e.pathText(i) + "'";
            if (a instanceof Expression.Member m && m.isLength()
                    && (current.isArray() || current.isObject() || current.isString())) {
                current = NODES.numberNode(current.isString()
                        ? current.asString().codePointCount(0, current.asString().length()) : current.size());
            } else if (a instanceof Expression.Member || a instanceof Expression.Key) {
                String name = a instanceof Expression.Member m ? m.name() : ((Expression.Key) a).name();
                if (!current.isObject()) {
                    return Evaluation.missing(at + " is " + describe(current) + ", so it has no member '" + name + "'"
                            + (a instanceof Expression.Member m && m.isLength() ? " (.length needs a list, map or string)" : ""));
                }
                JsonNode next = current.get(name);
                if (next == null) {
                    return Evaluation.missing(at + " has no member '" + name + "'" + members(current));
                }
                current = next;
            } else {
                int index = ((Expression.Index) a).index();
                if (!current.isArray()) {
                    return Evaluation.missing(at + " is " + describe(current) + ", not a list, so [" + index
                            + "] does not apply");
                }
                if (index >= current.size()) {
                    return Evaluation.missing(at + " has " + current.size() + (current.size() == 1 ? " item" : " items")
                            + ", so [" + index + "] is out of range");
                }
                current = current.get(index);
            }
        }
        return Evaluation.of(current);
    }

    /** The text form of a value inside longer text: strings as they are, everything else as JSON. */
    public static String asText(JsonNode value) {
        return value.isString() ? value.asString() : value.toString();
    }

    static String describe(JsonNode node) {
        if (node.isObject()) {
            return "a map";
        }
        if (node.isArray()) {
            return "a list";
        }
        if (node.isString()) {
            return "a string";
        }
        if (node.isNumber()) {
            return "a number";
        }
        if (node.isBoolean()) {
            return "a boolean";
        }
        return "null";
    }

    private static String members(JsonNode object) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = object.propertyNames().iterator(); it.hasNext() && names.size() < 20;) {
            names.add(it.next());
        }
        return names.isEmpty() ? " (it is an empty map)" : " (it has: " + String.join(", ", names) + ")";
    }

    /** An expression's value, or the reason it has none. */
    public static final class Evaluation {
        private final JsonNode value;
        private final String missing;

        private Evaluation(JsonNode value, String missing) {
            this.value = value;
            this.missing = missing;
        }

        static Evaluation of(JsonNode value) {
            return new Evaluation(value, null);
        }

        static Evaluation missing(String reason) {
            return new Evaluation(null, reason);
        }

        public boolean found() {
            return value != null;
        }

        public JsonNode value() {
            return value;
        }

        public String missingReason() {
            return missing;
        }
    }
}
