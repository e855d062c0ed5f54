package ai.omninode.onex.cli;

import ai.omninode.onex.cli.internal.JsonOutput;
import ai.omninode.onex.cli.internal.OutputFormat;
import ai.omninode.onex.cli.internal.PluginOptions;
import ai.omninode.onex.cli.internal.SchemaSummary;
import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Suggestions;
import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.runtime.DiscoveredNode;
import ai.omninode.onex.runtime.NodeRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code onex nodes}: the nodes a run would see. */
@Command(name = "nodes",
        mixinStandardHelpOptions = true,
        description = {
            "Lists the discovered nodes: contract name (what workflows use in effect_node, compute_node, "
                + "handler), contract version, node type, and origin (a plugin jar or the classpath). After the "
                + "list, each plugin that failed to load (an invalid contract, a broken registration: run and "
                + "serve leave it out, with a warning), registers no node (no META-INF/services entry) or is not a "
                + "readable jar is reported (exit 2). With a NAME, describes that node."},
        footerHeading = "%nExamples:%n",
        footer = {"  onex nodes", "  onex nodes kafka_event_effect"})
public final class NodesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    PluginOptions plugins = new PluginOptions();

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            completionCandidates = OutputFormat.Names.class, description = "text (default) or json.")
    OutputFormat output = OutputFormat.TEXT;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME",
            description = "A node's contract name: show its description, version, type, origin, and a summary of its"
                    + " input, output and config schemas.")
    String name;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (NodeRegistry registry = plugins.discoverKeepingWhatLoads()) {
            List<DiscoveredNode> nodes = registry.nodes();
            if (name != null) {
                int code = describe(nodes, out);
                // run and serve leave out a plugin with any problem, and refuse a name two nodes have: said here too
                String origin = nodes.stream().filter(n -> n.name().equals(name)).map(DiscoveredNode::origin)
                        .findFirst().orElse(null);
                List<Problem> related = registry.problems().stream().filter(p -> p.source().equals(origin)
                        || p.message().startsWith("two nodes are named '" + name + "'")).toList();
                if (!related.isEmpty()) {
                    throw new ValidationException(related);
                }
                return code;
            }
            if (output == OutputFormat.JSON) {
                out.println(JsonOutput.write(JsonOutput.nodes(nodes)));
            } else if (nodes.isEmpty()) {
                Path installation = plugins.replacedInstallationPlugins();
                out.println("no nodes found (plugin folders: " + plugins.directories() + ")" + (installation == null
                        ? "" : "; " + plugins.replacedBy() + " replaces the installation's plugins folder ("
                        + installation + ")"));
            } else {
                int width = Math.max(4, nodes.stream().mapToInt(n -> n.name().length()).max().orElse(4));
                String format = "%-" + width + "s  %-8s  %-12s  %s%n";
                out.printf(format, "NAME", "VERSION", "TYPE", "ORIGIN");
                for (DiscoveredNode n : nodes) {
                    out.printf(format, n.name(), n.version(), n.contract().nodeType(), n.origin());
                }
            }
            out.flush();
            // as the help says: a plugin that gives no node (no registration, not a jar) or fails to load is an error,
            // named, after the nodes that did load
            List<Problem> problems = registry.problems();
            if (!problems.isEmpty()) {
                throw new ValidationException(problems);
            }
            return Onex.OK;
        }
    }

    private int describe(List<DiscoveredNode> nodes, PrintWriter out) {
        DiscoveredNode node = nodes.stream().filter(n -> n.name().equals(name)).findFirst().orElse(null);
        if (node == null) {
            List<String> names = nodes.stream().map(DiscoveredNode::name).toList();
            throw new ValidationException(Problem.of(name, "no node of that name" + Suggestions.didYouMean(name, names)
                    + "; discovered: " + (names.isEmpty() ? "(none)" : String.join(", ", names))
                    + plugins.unknownNodeHint().apply(name)));
        }
        if (output == OutputFormat.JSON) {
            out.println(JsonOutput.write(JsonOutput.node(node)));
            out.flush();
            return Onex.OK;
        }
        NodeContract c = node.contract();
        out.printf("%s %s (%s node, %s)%n", node.name(), node.version(), c.nodeType(),
                node.kind().sideEffectFree() ? "free of side effects: a call that timed out may be repeated"
                        : "with side effects: never repeated when its outcome is unknown");
        if (c.description() != null && !c.description().isBlank()) {
            out.println("  " + c.description().strip().replaceAll("\\s+", " "));
        }
        out.println("  class " + node.className() + ", from " + node.origin());
        for (NodeContract.IoOperation op : c.ioOperations()) {
            out.println("  io: " + op.operationType() + (op.description() == null ? "" : ": " + op.description()));
        }
        section(out, "input", c.input().map(s -> s.schemaNode()).orElse(null));
        section(out, "output", c.output().map(s -> s.schemaNode()).orElse(null));
        Set<String> settings = NodeRegistry.settingNamesOf(node);
        String title = settings.contains("*") ? "config (settings: see the node's documentation for their variables)"
                : "config (settings it reads: " + (settings.isEmpty() ? "none" : String.join(", ", settings)) + ")";
        section(out, title, c.config().map(s -> s.schemaNode()).orElse(null));
        out.flush();
        return Onex.OK;
    }

    private static void section(PrintWriter out, String title, tools.jackson.databind.JsonNode schema) {
        out.println();
        if (schema == null) {
            out.println(title + ": no schema");
            return;
        }
        out.println(title + ":");
        SchemaSummary.lines(schema, "  ").forEach(out::println);
    }
}
