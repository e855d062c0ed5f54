package ai.omninode.onex.contract;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A check that {@code onex validate} runs, by a stable id ({@code area.what}, lower case, such as
 * {@code workflow.unknown-field} or {@code node.unknown}): CI systems key suppressions and dashboards on it, so an
 * id never changes meaning once released. The catalog is {@link Rules}.
 *
 * @param severity what a problem of this rule is unless said otherwise
 * @param summary one line, for people: what the rule checks
 */
public record Rule(String id, Severity severity, String summary) {
    private static final Pattern ID = Pattern.compile("^[a-z]+(\\.[a-z0-9]+(-[a-z0-9]+)*)+$");

    public Rule {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(summary, "summary");
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("a rule id is area.kebab-case, found " + id);
        }
    }

    /** The area of the rule: {@code yaml}, {@code workflow}, {@code contract}, ... */
    public String area() {
        return id.substring(0, id.indexOf('.'));
    }

    @Override
    public String toString() {
        return id;
    }
}
