package ai.omninode.onex.workflow;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * What {@code ${...}} can see at one point of a run: the workflow {@code input}, the environment ({@code env.NAME}),
 * the results of the steps that finished (under their output name and their step name), and inside
 * {@code on_step_failure} the {@code error} ({@code error.step}, {@code error.message}). Immutable when built by
 * {@link #builder()}.
 */
public final class Scope {
    public static final String INPUT = "input";
    public static final String ENV = "env";
    public static final String ERROR = "error";

    private final JsonNode input;
    private final Map<String, String> env;
    private final Map<String, JsonNode> results;
    private final ObjectNode error;

    private Scope(JsonNode input, Map<String, String> env, Map<String, JsonNode> results, ObjectNode error) {
        this.input = input;
        this.env = env;
        this.results = results;
        this.error = error;
    }

    /** A scope over {@code results} as they are (not copied); {@code env} must be immutable already. */
    static Scope of(JsonNode input, Map<String, String> env, Map<String, JsonNode> results, ObjectNode error) {
        return new Scope(input, env, results, error);
    }

    /** The {@code error} root: {@code error.step} and {@code error.message}. */
    static ObjectNode error(String step, String message) {
        ObjectNode e = JsonNodeFactory.instance.objectNode();
        e.put("step", step);
        e.put("message", message);
        return e;
    }

    public static Builder builder() {
        return new Builder();
    }

    public JsonNode input() {
        return input;
    }

    public Map<String, String> env() {
        return env;
    }

    /** A step's result by output name or step name, or null. */
    public JsonNode result(String name) {
        return results.get(name);
    }

    /** The {@code error} root, or null outside {@code on_step_failure}. */
    public ObjectNode error() {
        return error;
    }

    /** The roots an expression may start with here, for messages: input, env, (error,) then results by name. */
    public List<String> rootNames() {
        List<String> names = new ArrayList<>();
        names.add(INPUT);
        names.add(ENV + ".NAME");
        if (error != null) {
            names.add(ERROR);
        }
        names.addAll(new TreeMap<>(results).keySet());
        return names;
    }

    /** Builds a scope. */
    public static final class Builder {
        private JsonNode input = JsonNodeFactory.instance.objectNode();
        private Map<String, String> env = Map.of();
        private final Map<String, JsonNode> results = new LinkedHashMap<>();
        private ObjectNode error;

        private Builder() {
        }

        public Builder input(JsonNode input) {
            this.input = Objects.requireNonNull(input, "input");
            return this;
        }

        public Builder env(Map<String, String> env) {
            this.env = Map.copyOf(env);
            return this;
        }

        /** A finished step's result, visible under {@code name} (call once for the output name, once for the step name). */
        public Builder result(String name, JsonNode value) {
            results.put(name, Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder results(Map<String, JsonNode> values) {
            results.putAll(values);
            return this;
        }

        /** Makes {@code error.step} and {@code error.message} available (inside {@code on_step_failure}). */
        public Builder error(String step, String message) {
            this.error = Scope.error(step, message);
            return this;
        }

        public Scope build() {
            return new Scope(input, env, Map.copyOf(results), error);
        }
    }
}
