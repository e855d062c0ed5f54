package ai.omninode.onex.workflow;

import ai.omninode.onex.contract.YamlDocument;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A step's input template with its strings parsed and the document pointers of its values worked out, once per
 * workflow: resolving it for a run only looks values up ({@link ExpressionResolver#resolve} is this, compiled for one
 * use). Errors come in document order, and every run gets new maps and lists, so that no run sees another's.
 */
final class CompiledInput {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Part root;

    private CompiledInput(Part root) {
        this.root = root;
    }

    /** {@code template}, written at {@code pointer} in its document. */
    static CompiledInput of(JsonNode template, String pointer) {
        return new CompiledInput(compile(template, pointer));
    }

    JsonNode resolve(Scope scope, ExpressionResolver.Locator locator) {
        return root.resolve(scope, locator);
    }

    private static Part compile(JsonNode template, String pointer) {
        if (template.isObject()) {
            List<String> names = new ArrayList<>();
            List<Part> values = new ArrayList<>();
            for (var entry : template.properties()) {
                names.add(entry.getKey());
                values.add(compile(entry.getValue(), pointer + "/" + YamlDocument.escape(entry.getKey())));
            }
            return new MapPart(names.toArray(String[]::new), values.toArray(Part[]::new));
        }
        if (template.isArray()) {
            List<Part> items = new ArrayList<>();
            int i = 0;
            for (JsonNode item : template) {
                items.add(compile(item, pointer + "/" + i++));
            }
            return new ListPart(items.toArray(Part[]::new));
        }
        if (template.isString()) {
            String value = template.asString();
            if (!Template.mayContainExpression(value)) {
                return new Fixed(NODES.stringNode(value));
            }
            try {
                Template parsed = Template.parse(value);
                return parsed.hasExpressions() ? new Expressions(parsed, pointer) : new Fixed(NODES.stringNode(parsed.literal()));
            } catch (Template.ExpressionSyntaxException e) {
                return new BadExpression(e, pointer);
            }
        }
        return new Fixed(template); // numbers, booleans, null: immutable, passed on as written
    }

    private interface Part {
        JsonNode resolve(Scope scope, ExpressionResolver.Locator locator);
    }

    /** A value without expressions; scalars only, which no one can change. */
    private record Fixed(JsonNode value) implements Part {
        @Override
        public JsonNode resolve(Scope scope, ExpressionResolver.Locator locator) {
            return value;
        }
    }

    private record MapPart(String[] names, Part[] values) implements Part {
        @Override
        public JsonNode resolve(Scope scope, ExpressionResolver.Locator locator) {
            ObjectNode out = NODES.objectNode();
            for (int i = 0; i < names.length; i++) {
                out.set(names[i], values[i].resolve(scope, locator));
            }
            return out;
        }
    }

    private record ListPart(Part[] items) implements Part {
        @Override
        public JsonNode resolve(Scope scope, ExpressionResolver.Locator locator) {
            ArrayNode out = NODES.arrayNode(items.length);
            for (Part item : items) {
                out.add(item.resolve(scope, locator));
            }
            return out;
        }
    }

    private record Expressions(Template template, String pointer) implements Part {
        @Override
        public JsonNode resolve(Scope scope, ExpressionResolver.Locator locator) {
            return ExpressionResolver.resolveTemplate(template, scope, pointer, locator);
        }
    }

    /** A value that does not parse: the loader reports it, and a run that gets here fails as the resolver would. */
    private record BadExpression(Template.ExpressionSyntaxException error, String pointer) implements Part {
        @Override
        public JsonNode resolve(Scope scope, ExpressionResolver.Locator locator) {
            throw ExpressionResolver.syntaxError(error, pointer, locator);
        }
    }
}
