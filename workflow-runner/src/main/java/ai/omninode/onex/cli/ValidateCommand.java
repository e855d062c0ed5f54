package ai.omninode.onex.cli;

import ai.omninode.onex.cli.internal.JsonOutput;
import ai.omninode.onex.cli.internal.OutputFormat;
import ai.omninode.onex.cli.internal.PluginOptions;
import ai.omninode.onex.contract.ContractLoader;
import ai.omninode.onex.contract.JsonSchema;
import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.contract.YamlDocument;
import ai.omninode.onex.contract.YamlReader;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowLoader;
import ai.omninode.onex.workflow.WorkflowValidator;
import ai.omninode.onex.workflow.internal.BoundedRead;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code onex validate}: static checks of workflows and node contracts, for CI. */
@Command(name = "validate",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Checks workflows and node contracts without running anything, and prints each problem as "
                + "file:line:col: error: message. A folder means every *.yaml and *.yml file in it, recursively "
                + "(hidden folders and build output in target/ are skipped).",
            "",
            "Workflows: YAML, the workflow schema, step names, depends_on (unknown steps, later steps, "
                + "cycles), unknown nodes, $${...} syntax and roots (input, env.NAME, error in on_step_failure, "
                + "results of steps that ran before), paths into a step result the node's output schema cannot "
                + "have, and step inputs against the node's input schema where values are static (a missing topic, "
                + "a wrong type). Contracts: the ONEX contract schema and rules, and their input/output/config "
                + "schemas."},
        footerHeading = "%nExit codes:%n",
        footer = {"  0  everything is valid", "  2  at least one problem (or a usage error)"})
public final class ValidateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Workflow or contract files, or folders of them.")
    List<Path> paths = new ArrayList<>();

    @Mixin
    PluginOptions plugins = new PluginOptions();

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (default): problems on stderr; json: a JSON report on stdout.")
    OutputFormat output = OutputFormat.TEXT;

    private NodeRegistry registry;
    private boolean registryFailed;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Problem> problems = new ArrayList<>();
        List<Path> files = files(problems);
        int workflows = 0;
        int contracts = 0;
        try {
            for (Path f : files) {
                Kind kind = check(f, problems);
                if (kind == Kind.WORKFLOW) {
                    workflows++;
                } else if (kind == Kind.CONTRACT) {
                    contracts++;
                }
            }
        } finally {
            if (registry != null) {
                registry.close();
            }
        }
        if (output == OutputFormat.JSON) {
            out.println(JsonOutput.write(JsonOutput.problems(files.size(), problems)));
            out.flush();
        } else if (problems.isEmpty()) {
            out.printf(Locale.ROOT, "ok: %d %s valid (%d %s, %d %s)%n", files.size(), plural(files.size(), "file"),
                    workflows, plural(workflows, "workflow"), contracts, plural(contracts, "contract"));
            out.flush();
        } else {
            problems.forEach(err::println);
            err.printf(Locale.ROOT, "onex validate: %d %s in %d %s%n", problems.size(), plural(problems.size(), "error"),
                    files.size(), plural(files.size(), "file"));
            err.flush();
        }
        return problems.isEmpty() ? Onex.OK : Onex.INVALID;
    }

    private enum Kind { WORKFLOW, CONTRACT, SCHEMA, OTHER }

    private List<Path> files(List<Problem> problems) {
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                List<Path> found = new ArrayList<>();
                try {
                    Files.walkFileTree(p, new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                            String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                            boolean skip = !dir.equals(p) && (name.startsWith(".") || name.equals("target"));
                            return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                            if (attrs.isRegularFile() && isYaml(f)) {
                                found.add(f);
                            }
                            return FileVisitResult.CONTINUE;
                        }
                    });
                } catch (IOException e) {
                    problems.add(Problem.of(p.toString(), "cannot list folder: " + e.getMessage()));
                }
                found.sort(null);
                files.addAll(found);
            } else if (Files.isRegularFile(p)) {
                files.add(p);
            } else {
                problems.add(Problem.of(p.toString(), "file not found"));
            }
        }
        return files;
    }

    private static boolean isYaml(Path f) {
        String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".yaml") || name.endsWith(".yml");
    }

    private Kind check(Path file, List<Problem> problems) {
        YamlDocument doc;
        String text;
        try {
            // refused unread over the limit: a file of gigabytes must not exhaust the heap
            byte[] bytes = BoundedRead.read(file, YamlReader.DEFAULT_MAX_BYTES, "file");
            doc = YamlReader.defaults().read(file.toString(), bytes);
            text = new String(bytes, StandardCharsets.UTF_8);
        } catch (ValidationException e) {
            problems.addAll(e.problems());
            return Kind.OTHER;
        }
        JsonNode root = doc.root();
        if (WorkflowLoader.looksLikeWorkflow(root)) {
            Workflow workflow;
            try {
                workflow = new WorkflowLoader().load(doc, text);
            } catch (ValidationException e) {
                problems.addAll(e.problems());
                return Kind.WORKFLOW;
            }
            NodeRegistry nodes = registry(problems);
            if (nodes != null) {
                Map<String, NodeContract> contracts = new LinkedHashMap<>();
                nodes.nodes().forEach(n -> contracts.put(n.name(), n.contract()));
                problems.addAll(new WorkflowValidator(contracts).validate(workflow));
            }
            return Kind.WORKFLOW;
        }
        if (root.isObject() && (root.has("node_type") || root.has("io_operations") || root.has("input_model"))) {
            try {
                new ContractLoader().load(file);
            } catch (ValidationException e) {
                problems.addAll(e.problems());
            }
            return Kind.CONTRACT;
        }
        if (root.isObject() && root.has("$schema")) {
            try {
                JsonSchema.load(file.toUri().toURL(), file.toString());
            } catch (ValidationException e) {
                problems.addAll(e.problems());
            } catch (IOException e) {
                problems.add(Problem.of(file.toString(), "cannot read file: " + e.getMessage()));
            }
            return Kind.SCHEMA;
        }
        problems.add(doc.problemAt("", "neither an ONEX workflow (it has no 'steps') nor a node contract"
                + " (it has no 'node_type')"));
        return Kind.OTHER;
    }

    /** Discovers the nodes once, when the first workflow needs them; a failure is reported once. */
    private NodeRegistry registry(List<Problem> problems) {
        if (registry == null && !registryFailed) {
            try {
                registry = plugins.discover();
            } catch (ValidationException e) {
                registryFailed = true;
                problems.addAll(e.problems());
            }
        }
        return registry;
    }

    private static String plural(int n, String word) {
        return n == 1 ? word : word + "s";
    }
}
