package ai.omninode.onex.cli.internal;

import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowValidator;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * {@code --plugins DIR}: folders of node plugin jars. Without it: {@code $ONEX_PLUGINS} (a path list), else the
 * {@code onex.plugins} system property (the launcher points it at the installation's plugins/ folder).
 */
public final class PluginOptions {
    @Option(names = "--plugins", paramLabel = "DIR",
            description = "A folder of node plugin jars (repeatable). Default: $ONEX_PLUGINS, else the installation's"
                    + " plugins/ folder, which --plugins replaces. Example: --plugins target/plugins --plugins"
                    + " $ONEX_HOME/plugins")
    List<Path> plugins = new ArrayList<>();

    public List<Path> directories() {
        if (!plugins.isEmpty()) {
            return plugins;
        }
        String list = System.getenv("ONEX_PLUGINS");
        if (list == null || list.isBlank()) {
            list = System.getProperty("onex.plugins");
        }
        List<Path> dirs = new ArrayList<>();
        if (list != null) {
            for (String p : list.split(File.pathSeparator)) {
                if (!p.isBlank()) {
                    dirs.add(Path.of(p));
                }
            }
        }
        return dirs;
    }

    /** Whether {@code --plugins} (or {@code $ONEX_PLUGINS}) replaces the installation's own plugins/ folder. */
    public boolean replacesInstallation() {
        String env = System.getenv("ONEX_PLUGINS");
        return !plugins.isEmpty() || (env != null && !env.isBlank());
    }

    /**
     * The installation's plugins/ folder when {@code --plugins} (or {@code $ONEX_PLUGINS}) replaced it, else null: where
     * an unknown node may be found.
     */
    public Path replacedInstallationPlugins() {
        if (!replacesInstallation()) {
            return null;
        }
        // the launcher sets onex.home; onex.plugins is $ONEX_PLUGINS when that is set, so it cannot say where the
        // installation's own plugins are
        String home = System.getProperty("onex.home");
        if (home != null && !home.isBlank()) {
            return Path.of(home, "plugins");
        }
        String installation = System.getenv("ONEX_PLUGINS") == null ? System.getProperty("onex.plugins") : null;
        return installation != null && !installation.isBlank() ? Path.of(installation.split(File.pathSeparator)[0])
                : null;
    }

    /** What chose the plugin folders in place of the installation's: "--plugins" or "ONEX_PLUGINS". */
    public String replacedBy() {
        return plugins.isEmpty() ? "ONEX_PLUGINS" : "--plugins";
    }

    /**
     * More to say about an unknown node (for {@link ai.omninode.onex.workflow.WorkflowValidator}): that it is in the
     * installation's plugins folder, which {@code --plugins} replaced; else "".
     */
    public Function<String, String> unknownNodeHint() {
        return NodeRegistry.replacedPluginsHint(replacedInstallationPlugins(), directories(),
                PluginOptions.class.getClassLoader(), replacedBy());
    }

    /**
     * Refuses, with every such step named and where the node can be found, workflows that use a node not discovered:
     * before a command that takes many workflows (serve) builds anything.
     */
    public void refuseUnknownNodes(NodeRegistry registry, List<Workflow> workflows) {
        Map<String, NodeContract> contracts = new LinkedHashMap<>();
        registry.nodes().forEach(n -> contracts.put(n.name(), n.contract()));
        WorkflowValidator validator = new WorkflowValidator(contracts, Set.of(), unknownNodeHint());
        List<Problem> unknown = new ArrayList<>();
        for (Workflow w : workflows) {
            validator.validate(w).stream().filter(p -> p.rule().equals(Rules.NODE_UNKNOWN.id())).forEach(unknown::add);
        }
        if (!unknown.isEmpty()) {
            throw new ValidationException(unknown);
        }
    }

    /**
     * Discovers nodes on the classpath and in the plugin folders, for a command that runs them: a plugin that fails to
     * load is left out with a warning (its nodes are unknown then); a missing folder, or two nodes with one name, is a
     * ValidationException.
     */
    public NodeRegistry discover() {
        return registry().buildSkippingBrokenPlugins();
    }

    /** As {@link #discover()}, keeping every node that loads and every problem in the registry: for listing. */
    public NodeRegistry discoverKeepingWhatLoads() {
        return registry().buildKeepingWhatLoads();
    }

    private NodeRegistry.Builder registry() {
        return NodeRegistry.builder().classLoader(PluginOptions.class.getClassLoader()).pluginDirectories(directories());
    }
}
