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

    /**
     * Environment variables that look like a misspelled setting ({@code KAFKA_TOPIC_PREFX}): a warning each, on
     * {@code err}, with the name meant. Only those with a name close to one a node reads: the environment also holds
     * Kafka's own script variables ({@code KAFKA_HEAP_OPTS}, {@code KAFKA_OPTS}) and other tools', which are no
     * mistake. Never the values.
     */
    public static void warnAboutEnvironment(NodeRegistry registry, Map<String, String> env, Collection<String> alsoKnown,
            java.io.PrintWriter err) {
        warnAboutEnvironment(registry, env, alsoKnown, warning -> err.println("onex: warning: " + warning));
        err.flush();
    }

    /**
     * As above, each warning (without the {@code "onex: warning: "} of the terminal) to {@code warn}: {@code onex
     * serve} logs them, so that a host logging JSON ({@code ONEX_LOG_FORMAT=json}) writes no plain line among them.
     */
    public static void warnAboutEnvironment(NodeRegistry registry, Map<String, String> env, Collection<String> alsoKnown,
            java.util.function.Consumer<String> warn) {
        // ONEX_* are the launcher's and the host's; KAFKA_EVENT_* the Kafka node also refuses when it starts, but
        // --dry-run starts no node
        List<String> candidates = env.keySet().stream().filter(k -> k.startsWith("KAFKA_")).sorted().toList();
        registry.misspelledSettings(candidates, alsoKnown).forEach((name, meant) -> warn.accept(
                "the environment sets " + name + ", which no node here reads (did you mean '" + meant + "'?); "
                        + (name.startsWith("KAFKA_EVENT_") ? "the Kafka node refuses it when it starts"
                                : "it is ignored")));
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
