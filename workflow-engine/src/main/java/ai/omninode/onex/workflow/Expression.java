package ai.omninode.onex.workflow;

import java.util.List;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * One parsed {@code ${...}} expression: a root ({@code input}, {@code env}, {@code error}, or a step's output or
 * name), a path of accessors, and an optional default.
 *
 * <p>Accessors: {@code .name} (a map member; {@code .length} is the size of a list, map or string),
 * {@code [n]} (a list item) and {@code ["name"]} (a map member, never the size: for keys such as {@code length}
 * or with characters a {@code .name} cannot hold).
 *
 * @param text the expression as written, {@code ${...}} included
 * @param defaultValue the value after {@code :}, or {@code null} when there is no default
 */
public record Expression(String text, String root, List<Accessor> path, JsonNode defaultValue) {

    public Expression {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(root, "root");
        path = List.copyOf(path);
    }

    public boolean hasDefault() {
        return defaultValue != null;
    }

    /** {@code root} followed by the first {@code count} accessors, as written: {@code input.metadata.language}. */
    public String pathText(int count) {
        StringBuilder out = new StringBuilder(root);
        for (int i = 0; i < count && i < path.size(); i++) {
            out.append(path.get(i));
        }
        return out.toString();
    }

    /** The path without default and braces: {@code input.metadata.language}. */
    public String pathText() {
        return pathText(path.size());
    }

    @Override
    public String toString() {
        return text;
    }

    /** One step along a path. */
    public sealed interface Accessor permits Member, Key, Index {
    }

    /** {@code .name}; {@code .length} on a list, map or string is its size. */
    public record Member(String name) implements Accessor {
        public boolean isLength() {
            return name.equals("length");
        }

        @Override
        public String toString() {
            return "." + name;
        }
    }

    /** {@code ["name"]}: a map member, whatever its name. */
    public record Key(String name) implements Accessor {
        @Override
        public String toString() {
            return "[\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]";
        }
    }

    /** {@code [n]}: the n-th item of a list, from 0. */
    public record Index(int index) implements Accessor {
        @Override
        public String toString() {
            return "[" + index + "]";
        }
    }
}
