package ai.omninode.onex.cli.internal;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.runtime.NodeRegistry;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * {@code --set} names that nothing reads ({@link NodeRegistry#unknownSettings}): neither an installed node, nor the
 * host, nor the workflow ({@code ${env.NAME}}). Never the values: a setting may be a secret.
 */
public final class SetNames {
    private SetNames() {
    }

    /** As problems of {@code --set}, for a command that reports problems (onex run). */
    public static List<Problem> problems(NodeRegistry registry, Map<String, String> overrides,
            Collection<String> alsoKnown) {
        return registry.unknownSettings(overrides.keySet(), alsoKnown).stream().map(m -> Problem.of("--set", m)).toList();
    }

    /** As a usage error (exit 2), before anything starts. */
    public static void check(CommandSpec spec, NodeRegistry registry, Map<String, String> overrides,
            Collection<String> alsoKnown) {
        List<String> unknown = registry.unknownSettings(overrides.keySet(), alsoKnown);
        if (!unknown.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--set: " + String.join("; ", unknown));
        }
    }
}
