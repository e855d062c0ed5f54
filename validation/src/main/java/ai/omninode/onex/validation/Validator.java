package ai.omninode.onex.validation;

import ai.omninode.onex.contract.ContractLoader;
import ai.omninode.onex.contract.JsonSchema;
import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.contract.YamlDocument;
import ai.omninode.onex.contract.YamlReader;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.validation.ValidationReport.FileResult;
import ai.omninode.onex.validation.ValidationReport.Kind;
import ai.omninode.onex.validation.internal.Glob;
import ai.omninode.onex.validation.internal.Recognizer;
import ai.omninode.onex.validation.internal.Targets;
import ai.omninode.onex.validation.internal.Targets.Target;
import ai.omninode.onex.workflow.WorkflowLoader;
import ai.omninode.onex.workflow.InputSchemaCheck;
import ai.omninode.onex.workflow.WorkflowValidator;
import ai.omninode.onex.workflow.internal.BoundedRead;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Checks ONEX workflows and node contracts, statically, and reports every problem of every file at once, each with
 * its place, a {@link ai.omninode.onex.contract.Rule rule id} and a severity. Shared by {@code onex validate} and
 * {@code onex-maven-plugin}.
 *
 * <p>A run: the paths are resolved ({@link Builder#paths}); each file is read once and recognized by its content
 * (a workflow has {@code steps}, and when found by searching a sign of ONEX besides, see {@link Recognizer}; a contract
 * has {@code node_type}); other YAML found in folders is skipped with a note.
 * Contracts are checked first, and those that load are known nodes for the workflows of the same run, next to the
 * nodes discovered on the class path and in the plugin folders: a node project validates its workflows before its jar
 * exists. Then each workflow is checked against the workflow schema and rules, and against the contracts of the nodes
 * it uses.
 */
public final class Validator {
    private final Builder b;
    private final WorkflowLoader workflows = new WorkflowLoader();
    /**
     * One size limit for every file, the workflow loader's, checked before parsing: a file under the reader's own limit
     * but over the workflow's was parsed for seconds and then refused.
     */
    private final YamlReader reader = YamlReader.defaults().withMaxBytes(workflows.maxBytes());
    private final ContractLoader contractLoader = new ContractLoader();

    private Validator(Builder builder) {
        this.b = builder;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A file as read: its document and the problems the YAML reader went on after, or no document and the problems that
     * kept it from being one; {@code unreadable}: its bytes could not be read at all (permissions, an I/O error), which
     * is an error wherever the file was found.
     */
    private record Read(Target target, String source, YamlDocument doc, String text, List<Problem> problems,
            boolean unreadable) {
    }

    /** Runs the checks; problems are in the report, never thrown. */
    public ValidationReport run() {
        List<Problem> general = new ArrayList<>();
        Targets targets = new Targets(b.base, b.excludes);
        List<Target> files = targets.resolve(b.paths, general);

        Map<String, FileResult> results = new LinkedHashMap<>();
        List<Read> workflowFiles = new ArrayList<>();
        Map<String, NodeContract> treeContracts = new LinkedHashMap<>();
        Map<String, String> treeContractFiles = new LinkedHashMap<>();
        Set<String> brokenContracts = new HashSet<>();
        for (Target t : files) {
            String source = source(t);
            if (t.skipped() != null) {
                results.put(source, skipped(source, t.skipped()));
                continue;
            }
            Read read = read(targets, t);
            if (read.doc() == null) {
                if (t.explicit() || read.unreadable() || Recognizer.looksLikeOnex(read.text())) {
                    results.put(source, new FileResult(source, Kind.UNRECOGNIZED, read.problems()));
                } else {
                    results.put(source, skipped(source, "cannot be read as YAML and does not look like an ONEX file ("
                            + read.problems().get(0).message() + ")"));
                }
                continue;
            }
            JsonNode root = read.doc().root();
            if (t.explicit() ? WorkflowLoader.looksLikeWorkflow(root) : Recognizer.isWorkflow(root)) {
                workflowFiles.add(read);
                results.put(source, null); // keeps the order; filled below
            } else if (root.isObject() && (root.has("node_type") || root.has("io_operations") || root.has("input_model"))) {
                results.put(source, new FileResult(source, Kind.CONTRACT, withYamlProblems(read,
                        contract(read, targets, treeContracts, treeContractFiles, brokenContracts))));
            } else if (root.isObject() && root.has("$schema")) {
                results.put(source, new FileResult(source, Kind.SCHEMA, withYamlProblems(read, schema(read, targets))));
            } else if (t.explicit()) {
                results.put(source, new FileResult(source, Kind.UNRECOGNIZED, List.of(read.doc().problemAt("",
                        "neither an ONEX workflow (it has no 'steps') nor a node contract (it has no 'node_type')")
                        .as(Rules.FILE_UNRECOGNIZED))));
            } else if (WorkflowLoader.looksLikeWorkflow(root)) {
                results.put(source, skipped(source, "has 'steps' but no other sign of an ONEX workflow (a version"
                        + " such as {major: 1, minor: 0, patch: 0}, input_schema, event_bus, error_handling, a step with effect_node,"
                        + " compute_node, handler, intent_type or an ONEX type), as a CI pipeline's file has; skipped (named on its own, it is"
                        + " checked as a workflow)"));
            } else {
                results.put(source, skipped(source, "neither an ONEX workflow (no 'steps') nor a node contract"
                        + " (no 'node_type'); skipped"));
            }
        }

        if (!workflowFiles.isEmpty()) {
            Nodes nodes = discover(general);
            try {
                Map<String, NodeContract> contracts = new LinkedHashMap<>();
                if (nodes.registry() != null) {
                    nodes.registry().nodes().forEach(n -> contracts.put(n.name(), n.contract()));
                }
                b.contracts.forEach(c -> contracts.put(c.name(), c));
                contracts.putAll(treeContracts);
                WorkflowValidator validator = new WorkflowValidator(contracts, brokenContracts,
                        NodeRegistry.replacedPluginsHint(b.installationPlugins, b.pluginDirectories, b.classLoader,
                                b.installationReplacedBy));
                for (Read w : workflowFiles) {
                    WorkflowLoader.Checked checked = workflows.check(w.doc(), w.text());
                    List<Problem> problems = new ArrayList<>(checked.problems());
                    if (checked.workflow() != null) { // ${input...} against the workflow's input_schema: no node needed
                        problems.addAll(InputSchemaCheck.check(checked.workflow()));
                    }
                    if (checked.workflow() != null && nodes.registry() != null) {
                        problems.addAll(validator.check(checked.workflow(), checked.problems()));
                    }
                    String source = w.source();
                    results.put(source, new FileResult(source, Kind.WORKFLOW, withYamlProblems(w, problems)));
                }
            } finally {
                nodes.close();
            }
        }
        if (general.stream().noneMatch(Problem::isError)
                && results.values().stream().allMatch(r -> r != null && r.kind() == Kind.SKIPPED)) {
            int excluded = targets.excludedFiles() + targets.excludedFolders();
            String why = !results.isEmpty()
                    ? results.size() + (results.size() == 1 ? " file" : " files") + " skipped: not ONEX files"
                    : excluded > 0 ? "the excludes left out every file there: "
                            + Targets.excludedText(targets.excludedFiles(), targets.excludedFolders())
                    : "no YAML files";
            general.add(Problem.of(String.join(" ", b.paths), "no ONEX workflow or node contract here, so nothing was"
                    + " validated (" + why + ")").as(Rules.FILE_NOTHING_VALIDATED));
        }
        return new ValidationReport(new ArrayList<>(results.values()), general);
    }

    private static FileResult skipped(String source, String why) {
        return new FileResult(source, Kind.SKIPPED, List.of(Problem.of(source, why).as(Rules.FILE_SKIPPED)));
    }

    private String source(Target t) {
        return t.stdin() ? b.stdinName : t.file().toString();
    }

    /** Where a file is, for what it refers to by relative path (schemas): standard input's is the base folder. */
    private Path location(Targets targets, Target t) {
        return t.stdin() ? targets.onDisk(Path.of(b.stdinName.startsWith("<") ? "stdin.yaml" : b.stdinName))
                : targets.onDisk(t.file());
    }

    private Read read(Targets targets, Target t) {
        String source = source(t);
        byte[] bytes;
        try {
            // refused unread over the limit: a file of gigabytes must not exhaust the heap
            bytes = t.stdin() ? BoundedRead.read(b.stdin, source, reader.maxBytes(), "standard input")
                    : BoundedRead.read(targets.onDisk(t.file()), reader.maxBytes(), "file");
        } catch (ValidationException e) {
            boolean unreadable = e.problems().stream().anyMatch(p -> p.rule().equals(Rules.FILE_UNREADABLE.id()));
            // too large to read: its start says whether it is an ONEX file (an error) or other YAML (a note)
            String head = unreadable || t.stdin() ? "" : head(targets.onDisk(t.file()));
            return new Read(t, source, null, head, t.stdin() ? e.problems()
                    : renamed(e.problems(), targets.onDisk(t.file()).toString(), source), unreadable);
        }
        try {
            // read on after a duplicate key or a value with no JSON form: they must not hide the file's other errors
            YamlReader.Partial partial = reader.readKeepingGoing(source, bytes);
            return new Read(t, source, partial.document(), new String(bytes, StandardCharsets.UTF_8),
                    partial.problems(), false);
        } catch (ValidationException e) {
            return new Read(t, source, null, Recognizer.text(bytes), e.problems(), false);
        }
    }

    /**
     * A parsed file's problems with those the YAML reader went on after ({@link Read#problems()}), in source order. A
     * value with no JSON form is read as its text, so a problem found at the same place (a string where a number
     * belongs) is about that stand-in, not the file: it is left out.
     */
    private static List<Problem> withYamlProblems(Read read, List<Problem> problems) {
        List<Problem> out = new ArrayList<>(read.problems());
        Set<String> replaced = new HashSet<>();
        read.problems().forEach(p -> replaced.add(p.line() + ":" + p.column()));
        for (Problem p : problems) {
            if (!replaced.contains(p.line() + ":" + p.column()) || p.rule().startsWith("yaml.")) {
                out.add(p);
            }
        }
        return sorted(out);
    }

    private static String head(Path file) {
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            return Recognizer.text(in.readNBytes(64 * 1024));
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static List<Problem> renamed(List<Problem> problems, String from, String to) {
        return problems.stream().map(p -> !p.source().equals(from) ? p : new Problem(to, p.line(), p.column(),
                p.pointer(), p.message(), p.rule(), p.severity())).toList();
    }

    private List<Problem> contract(Read read, Targets targets, Map<String, NodeContract> tree,
            Map<String, String> treeFiles, Set<String> broken) {
        String source = read.source();
        JsonNode name = read.doc().root().get("name");
        List<Problem> problems = new ArrayList<>();
        try {
            NodeContract c = contractLoader.load(read.doc(), url(location(targets, read.target())));
            String first = treeFiles.putIfAbsent(c.name(), source);
            if (first != null) {
                problems.add(read.doc().problemAt("/name", "another contract in the validated files is named '"
                        + c.name() + "' (" + first + "); workflows could not tell them apart")
                        .as(Rules.CONTRACT_DUPLICATE_NAME));
            } else {
                tree.put(c.name(), c);
            }
        } catch (ValidationException e) {
            e.problems().forEach(p -> problems.add(p.orAs(Rules.CONTRACT_INVALID_VALUE)));
            if (name != null && name.isString()) {
                broken.add(name.asString());
            }
        }
        return problems;
    }

    private List<Problem> schema(Read read, Targets targets) {
        try {
            JsonSchema.compile(read.doc(), location(targets, read.target()).toUri().toString());
            return List.of();
        } catch (ValidationException e) {
            return e.problems().stream().map(p -> p.orAs(Rules.SCHEMA_INVALID)).toList();
        }
    }

    private static URL url(Path file) {
        try {
            return file.toAbsolutePath().toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(file.toString(), e);
        }
    }

    private static List<Problem> sorted(List<Problem> problems) {
        List<Problem> out = new ArrayList<>(problems);
        out.sort(java.util.Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column)
                .thenComparing(Problem::rule));
        return out;
    }

    // ---- nodes --------------------------------------------------------------------------------------------------

    private record Nodes(NodeRegistry registry) implements AutoCloseable {
        @Override
        public void close() {
            if (registry != null) {
                registry.close();
            }
        }
    }

    private Nodes discover(List<Problem> general) {
        if (!b.discoverNodes) {
            return new Nodes(NodeRegistry.builder().scanClasspath(false).build());
        }
        // a bad plugin is reported, and the workflows are still checked against the nodes that did load: failing
        // discovery as a whole hid every node problem of every workflow behind one plugin.invalid
        NodeRegistry registry = NodeRegistry.builder()
                .classLoader(b.classLoader)
                .scanClasspath(b.scanClasspath)
                .pluginDirectories(b.pluginDirectories)
                .buildKeepingWhatLoads();
        general.addAll(registry.problems());
        return new Nodes(registry);
    }

    /** What to check, and which nodes workflows may use. */
    public static final class Builder {
        private Path base = Path.of("");
        private final List<String> paths = new ArrayList<>();
        private final List<String> excludes = new ArrayList<>();
        private final List<Path> pluginDirectories = new ArrayList<>();
        private final List<NodeContract> contracts = new ArrayList<>();
        private ClassLoader classLoader = Validator.class.getClassLoader();
        private boolean scanClasspath = true;
        private boolean discoverNodes = true;
        private Path installationPlugins;
        private String installationReplacedBy = "--plugins";
        private InputStream stdin = System.in;
        private String stdinName = "<stdin>";

        private Builder() {
        }

        /** What the path {@code -} reads: one workflow or contract (default: {@link System#in}). */
        public Builder stdin(InputStream in) {
            this.stdin = Objects.requireNonNull(in);
            return this;
        }

        /**
         * The name standard input ({@code -}) has in messages (default {@code <stdin>}), and where schemas it names by
         * relative path are looked for: {@code git show HEAD:flows/a.yaml | onex validate - --stdin-name flows/a.yaml}.
         */
        public Builder stdinName(String name) {
            this.stdinName = Objects.requireNonNull(name);
            return this;
        }

        /** The folder relative paths and globs are resolved against (default: the working directory). */
        public Builder baseDirectory(Path dir) {
            this.base = Objects.requireNonNull(dir);
            return this;
        }

        /**
         * Files (which must be ONEX files), folders (searched for them), globs such as {@code flows/**}{@code /*.yaml}
         * ({@code **}{@code /} is zero or more folders), or {@code -}: one file read from {@link Builder#stdin}.
         */
        public Builder paths(Collection<String> specs) {
            paths.addAll(specs);
            return this;
        }

        public Builder path(String spec) {
            paths.add(spec);
            return this;
        }

        /**
         * Globs of files and folders to leave out: with a '/', matched against the whole path; without, against each
         * file or folder name ({@code docker-compose*.yml}, {@code generated}).
         */
        public Builder excludes(Collection<String> globs) {
            excludes.addAll(globs);
            return this;
        }

        /** Folders of node plugin jars whose nodes workflows may use. */
        public Builder pluginDirectories(Collection<Path> dirs) {
            pluginDirectories.addAll(dirs);
            return this;
        }

        /** Contracts of nodes workflows may use besides the discovered ones and those in the checked files. */
        public Builder contracts(Collection<NodeContract> known) {
            contracts.addAll(known);
            return this;
        }

        /** The class loader whose class path is searched for nodes (and the parent of the plugin class loaders). */
        public Builder classLoader(ClassLoader loader) {
            this.classLoader = Objects.requireNonNull(loader);
            return this;
        }

        public Builder scanClasspath(boolean scan) {
            this.scanClasspath = scan;
            return this;
        }

        /** Whether to discover nodes at all (false: only the given contracts and those in the checked files). */
        public Builder discoverNodes(boolean discover) {
            this.discoverNodes = discover;
            return this;
        }

        /**
         * The installation's own plugin folder: when the plugin folders given replace it and a workflow uses a node that
         * is only there, the problem says so.
         */
        public Builder installationPlugins(Path dir) {
            this.installationPlugins = dir;
            return this;
        }

        /** As {@link #installationPlugins(Path)}, replaced by {@code replacedBy}: "--plugins" or "ONEX_PLUGINS". */
        public Builder installationPlugins(Path dir, String replacedBy) {
            this.installationPlugins = dir;
            this.installationReplacedBy = replacedBy;
            return this;
        }

        /**
         * The validator; an {@link InvalidPatternException} for a path or exclude that is a malformed glob (a path that
         * exists as given is that file or folder, whatever characters its name has, and is no glob).
         */
        public Validator build() {
            for (String exclude : excludes) {
                checkGlob(exclude, true);
            }
            for (String path : paths) {
                if (!path.equals(Targets.STDIN) && Glob.isGlob(path) && !Targets.existsAsGiven(base, path)) {
                    checkGlob(path, false);
                }
            }
            return new Validator(this);
        }

        private static void checkGlob(String pattern, boolean exclude) {
            try {
                Glob.of(pattern);
            } catch (IllegalArgumentException e) {
                throw new InvalidPatternException(pattern, exclude, e.getMessage());
            }
        }
    }
}
