package ai.omninode.onex.cli;

import ai.omninode.onex.cli.internal.JsonOutput;
import ai.omninode.onex.cli.internal.OutputFormat;
import ai.omninode.onex.cli.internal.PluginOptions;
import ai.omninode.onex.runtime.DiscoveredNode;
import ai.omninode.onex.runtime.NodeRegistry;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code onex nodes}: the nodes a run would see. */
@Command(name = "nodes",
        mixinStandardHelpOptions = true,
        description = {
            "Lists the discovered nodes: contract name (what workflows use in effect_node, compute_node, "
                + "handler), contract version, node type, and origin (a plugin jar or the classpath). A plugin "
                + "with an invalid contract or a broken registration is reported instead (exit 2)."})
public final class NodesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    PluginOptions plugins = new PluginOptions();

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text (default) or json.")
    OutputFormat output = OutputFormat.TEXT;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (NodeRegistry registry = plugins.discover()) {
            List<DiscoveredNode> nodes = registry.nodes();
            if (output == OutputFormat.JSON) {
                out.println(JsonOutput.write(JsonOutput.nodes(nodes)));
            } else if (nodes.isEmpty()) {
                out.println("no nodes found (plugin folders: " + plugins.directories() + ")");
            } else {
                int width = Math.max(4, nodes.stream().mapToInt(n -> n.name().length()).max().orElse(4));
                String format = "%-" + width + "s  %-8s  %-12s  %s%n";
                out.printf(format, "NAME", "VERSION", "TYPE", "ORIGIN");
                for (DiscoveredNode n : nodes) {
                    out.printf(format, n.name(), n.version(), n.contract().nodeType(), n.origin());
                }
            }
            out.flush();
            return Onex.OK;
        }
    }
}
