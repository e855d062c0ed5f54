package ai.omninode.onex.cli;

import ai.omninode.onex.cli.internal.PluginOptions;
import ai.omninode.onex.cli.internal.SchemaSummary;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.runtime.DiscoveredNode;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.Step;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowLoader;
import ai.omninode.onex.workflow.WorkflowPlan;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/** {@code onex describe}: what a workflow is for, what input it takes, its steps, its nodes and what it publishes. */
@Command(name = "describe",
        mixinStandardHelpOptions = true,
        description = {
            "Describes a workflow: its description, the input it declares (input_schema: each field, its type,"
                + " whether it is required), its steps in order (parallel groups, on_step_failure), the nodes they"
                + " use (version, type, description) and the events its steps publish (topic and event type)."},
        footerHeading = "%nExit codes:%n",
        footer = {"  0  described", "  2  the workflow is invalid (its problems are printed instead)", "",
            "Example:", "  onex describe examples/document_ingestion.yaml"})
public final class DescribeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "WORKFLOW.yaml", description = "The workflow file.")
    Path workflowFile;

    @Mixin
    PluginOptions plugins = new PluginOptions();

    @Override
    public Integer call() {
        // a description or a name may hold control characters: written escaped, never to the terminal as they are
        PrintWriter out = new PrintWriter(new Printable(spec.commandLine().getOut()));
        Workflow w = new WorkflowLoader().load(workflowFile);
        out.printf("%s %s (%s)%n", w.name(), w.version(), w.source());
        if (!w.description().isBlank()) {
            out.println("  " + w.description().strip().replaceAll("\\s+", " "));
        }
        out.println();
        if (w.inputSchema() == null) {
            out.println("input: not declared (the workflow has no input_schema); it reads "
                    + String.join(", ", inputPaths(w)));
        } else {
            out.println("input (input_schema):");
            SchemaSummary.lines(w.inputSchema().schemaNode(), "  ").forEach(out::println);
        }
        out.println();
        out.println("steps:");
        // what each step waits for as `onex run --dry-run` shows it: its depends_on and the steps whose results its
        // input reads
        Map<Step, List<String>> after = new IdentityHashMap<>();
        WorkflowPlan.of(w, JsonNodeFactory.instance.objectNode(), Map.of(), Map.of()).steps()
                .forEach(p -> after.put(p.step(), p.waitsFor()));
        int n = 0;
        for (Step s : w.steps()) {
            n++;
            step(out, String.valueOf(n), s, "", after);
            int m = 0;
            for (Step child : s.steps()) {
                step(out, n + "." + ++m, child, "  ", after);
            }
        }
        if (!w.onStepFailure().isEmpty()) {
            out.println("  on_step_failure (after a main step failed):");
            int f = 0;
            for (Step s : w.onStepFailure()) {
                step(out, "F" + ++f, s, "", after);
            }
        }
        out.println();
        nodes(out, w);
        List<String> published = publishes(w);
        if (!published.isEmpty()) {
            out.println();
            out.println("publishes:");
            published.forEach(p -> out.println("  " + p));
        }
        out.flush();
        return Onex.OK;
    }

    private static void step(PrintWriter out, String position, Step s, String indent, Map<Step, List<String>> waitsFor) {
        String what = s.isParallel() ? "its steps run at the same time" : s.node();
        List<String> before = waitsFor.getOrDefault(s, s.dependsOn());
        String after = before.isEmpty() ? "" : "  (after " + String.join(", ", before) + ")";
        out.println(String.format(Locale.ROOT, "  %-5s %-30s %-10s %s%s", position, indent + s.name(),
                s.type().yamlName(), what, after).stripTrailing());
        if (s.description() != null && !s.description().isBlank()) {
            out.println("        " + indent + s.description().strip());
        }
    }

    private void nodes(PrintWriter out, Workflow w) {
        out.println("nodes:");
        Map<String, DiscoveredNode> found = new LinkedHashMap<>();
        try (NodeRegistry registry = plugins.discover()) {
            registry.nodes().forEach(node -> found.put(node.name(), node));
        } catch (ValidationException e) {
            out.println("  (the plugins could not be read: " + e.getMessage().strip() + ")");
        }
        for (String name : w.nodeNames()) {
            DiscoveredNode node = found.get(name);
            if (node == null) {
                out.println("  " + name + "  not found (plugin folders: " + plugins.directories() + ")");
            } else {
                String description = node.contract().description() == null ? ""
                        : node.contract().description().strip().replaceAll("\\s+", " ");
                out.printf("  %s %s (%s)%s%n", name, node.version(), node.contract().nodeType(),
                        description.isEmpty() ? "" : ": " + firstSentence(description));
            }
        }
    }

    /** Steps whose node input names a topic and an event type: what the workflow publishes, as written. */
    static List<String> publishes(Workflow w) {
        List<Step> all = new ArrayList<>(w.allSteps());
        all.addAll(w.onStepFailure());
        List<String> out = new ArrayList<>();
        for (Step s : all) {
            JsonNode in = s.input();
            if (in != null && in.isObject() && in.path("topic").isString() && in.path("event_type").isString()) {
                out.add(String.format(Locale.ROOT, "%-26s %s to %s%s", s.name(), in.get("event_type").asString(),
                        in.get("topic").asString(), w.onStepFailure().contains(s) ? " (after a failure)" : ""));
            }
        }
        return out;
    }

    /** The {@code ${input...}} paths the steps read, for a workflow that declares no input. */
    private static List<String> inputPaths(Workflow w) {
        List<String> paths = new ArrayList<>();
        List<Step> all = new ArrayList<>(w.allSteps());
        all.addAll(w.onStepFailure());
        java.util.regex.Matcher m;
        for (Step s : all) {
            for (JsonNode template : new JsonNode[] {s.input(), s.payload()}) {
                if (template == null) {
                    continue;
                }
                m = java.util.regex.Pattern.compile("\\$\\{(input(?:[.\\[][^}:]*)?)").matcher(template.toString());
                while (m.find()) {
                    if (!paths.contains(m.group(1))) {
                        paths.add(m.group(1));
                    }
                }
            }
        }
        return paths.isEmpty() ? List.of("nothing of it") : paths;
    }

    private static String firstSentence(String text) {
        int dot = text.indexOf(". ");
        return dot < 0 ? text : text.substring(0, dot + 1);
    }

    /** Passes text on with its control characters but line feed and tab escaped ({@link Problem#printable}). */
    private static final class Printable extends java.io.FilterWriter {
        Printable(java.io.Writer out) {
            super(out);
        }

        @Override
        public void write(int c) throws java.io.IOException {
            out.write(Problem.printable(String.valueOf((char) c)));
        }

        @Override
        public void write(char[] cbuf, int off, int len) throws java.io.IOException {
            out.write(Problem.printable(new String(cbuf, off, len)));
        }

        @Override
        public void write(String str, int off, int len) throws java.io.IOException {
            out.write(Problem.printable(str.substring(off, off + len)));
        }
    }
}
