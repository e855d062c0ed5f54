package ai.omninode.onex.runtime;

import ai.omninode.onex.contract.ContractLoader;
import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.contract.Suggestions;
import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.node.ExecutionContext;
import ai.omninode.onex.node.NodeKind;
import ai.omninode.onex.node.OnexException;
import ai.omninode.onex.runtime.internal.PluginClassLoader;
import ai.omninode.onex.runtime.internal.PluginNode;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds {@link EffectNode}s with {@link ServiceLoader}: on the classpath, and in plugin folders where each jar
 * (or each sub-folder of jars) gets a class loader of its own, so two plugins may carry different versions of
 * the same library. Every node's contract is loaded and validated on the way in.
 *
 * <p>Discovery fails as a whole, with every problem listed, when a contract is invalid, a provider cannot be
 * created, or two nodes share a contract name (the message names both origins): running with the wrong node
 * would be worse than not running. A static check that reports everything at once ({@code onex validate}) builds with
 * {@link Builder#buildKeepingWhatLoads()} instead: one bad plugin must not hide what the others' nodes show.
 */
public final class NodeRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeRegistry.class);
    private static final int MAX_REGISTRATION_FAILURES = 1000;

    private final Map<String, DiscoveredNode> nodes;
    private final List<PluginClassLoader> loaders;
    private final List<Problem> emptyPlugins;
    private final List<Problem> problems;

    private NodeRegistry(Map<String, DiscoveredNode> nodes, List<PluginClassLoader> loaders, List<Problem> emptyPlugins,
            List<Problem> problems) {
        this.nodes = Collections.unmodifiableMap(nodes);
        this.loaders = List.copyOf(loaders);
        this.emptyPlugins = List.copyOf(emptyPlugins);
        this.problems = List.copyOf(problems);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Nodes on the classpath of {@code loader} and in the given plugin folders. */
    public static NodeRegistry discover(ClassLoader loader, List<Path> pluginDirectories) {
        return builder().classLoader(loader).pluginDirectories(pluginDirectories).build();
    }

    /** All nodes, sorted by name. */
    public List<DiscoveredNode> nodes() {
        return List.copyOf(nodes.values());
    }

    public Optional<DiscoveredNode> find(String name) {
        return Optional.ofNullable(nodes.get(name));
    }

    /** The node named {@code name}, or an exception that lists the nodes there are. */
    public DiscoveredNode require(String name) {
        DiscoveredNode node = nodes.get(name);
        if (node == null) {
            throw new OnexException("no node named '" + name + "' was discovered; discovered nodes: " + names());
        }
        return node;
    }

    /**
     * The plugins (jars, or sub-folders of jars) in the plugin folders that register no node at all: most often a jar
     * built without its {@code META-INF/services/ai.omninode.onex.node.EffectNode} file, or a library jar put in the
     * plugin folder itself instead of a sub-folder next to the plugin that needs it; files named .jar that are not
     * readable jars, or links to jars that are gone; and plugin folders that hold no plugin at all.
     * {@link #emptyPluginProblems()} says which is which.
     */
    public List<String> emptyPlugins() {
        return emptyPlugins.stream().map(Problem::source).toList();
    }

    /**
     * Why each plugin of {@link #emptyPlugins()} gave no node, as a problem that names it: a jar that is not a readable
     * jar (zip) file or a dangling link ({@link Rules#PLUGIN_INVALID}), one that has no {@code META-INF/services}
     * registration, or a folder with no plugin ({@link Rules#PLUGIN_NO_NODES}). Discovery goes on without them (the nodes of the other plugins can run); a
     * command that lists or checks plugins reports them as errors.
     */
    public List<Problem> emptyPluginProblems() {
        return emptyPlugins;
    }

    /**
     * Every problem discovery found, each naming its plugin or class path entry: those {@link Builder#build()} throws
     * (a broken registration, a missing plugin folder, an invalid contract, two nodes with one name; rule
     * {@link Rules#PLUGIN_INVALID} unless the problem has its own) followed by {@link #emptyPluginProblems()}. Empty
     * but for the latter when built with {@link Builder#build()}, which throws on the others; with
     * {@link Builder#buildSkippingBrokenPlugins()}, those of the plugins it left out, and the latter.
     */
    public List<Problem> problems() {
        List<Problem> all = new ArrayList<>(problems);
        all.addAll(emptyPlugins);
        return all;
    }

    /**
     * What to add to "unknown node" when the plugin folders {@code used} replaced the installation's own
     * ({@code installation}) and the node is there: "; 'x' is in the installation's plugins folder (DIR), which
     * --plugins replaces: pass --plugins DIR as well"; else "". The installation's nodes are discovered on the first
     * unknown name only, and once.
     *
     * @param installation the installation's plugins folder, or null (then there is never a hint)
     */
    public static Function<String, String> replacedPluginsHint(Path installation, List<Path> used, ClassLoader loader) {
        return replacedPluginsHint(installation, used, loader, "--plugins");
    }

    /**
     * As {@link #replacedPluginsHint(Path, List, ClassLoader)}, for folders that {@code replacedBy} chose: "--plugins"
     * (the hint says to pass the installation's folder as well), or the name of an environment variable such as
     * {@code ONEX_PLUGINS} (the hint says to add it there).
     */
    public static Function<String, String> replacedPluginsHint(Path installation, List<Path> used, ClassLoader loader,
            String replacedBy) {
        String remedy = replacedBy.startsWith("-") ? "pass " + replacedBy + " " + installation + " as well"
                : "add it to " + replacedBy;
        if (installation == null || used.stream().anyMatch(d -> d.toAbsolutePath().normalize()
                .equals(installation.toAbsolutePath().normalize()))) {
            return name -> "";
        }
        Set<String> there = new TreeSet<>();
        boolean[] discovered = {false};
        return name -> {
            synchronized (there) {
                if (!discovered[0]) {
                    discovered[0] = true;
                    try (NodeRegistry r = builder().classLoader(loader).scanClasspath(false).pluginDirectory(installation)
                            .build()) {
                        r.nodes().forEach(n -> there.add(n.name()));
                    } catch (RuntimeException e) {
                        LOG.debug("no hint: the installation's plugins in {} cannot be discovered", installation, e);
                    }
                }
                return there.contains(name) ? "; '" + name + "' is in the installation's plugins folder ("
                        + installation + "), which " + replacedBy + " replaces: " + remedy : "";
            }
        };
    }

    /**
     * Of {@code names}, settings given on purpose (as {@code onex run --set} gives them), those no node here reads,
     * each as a message with the closest name one does: a misspelled name would otherwise be ignored and the node run
     * on its default. A name is known when a node lists it ({@link EffectNode#settingNames()}, a family as
     * {@code PREFIX*}) or {@code alsoKnown} does (the host's own settings, and those the workflow reads through
     * {@code ${env.NAME}}, in the same form). A node that does not say reads {@code *}, every name: then only an empty
     * name is reported.
     */
    public List<String> unknownSettings(Collection<String> names, Collection<String> alsoKnown) {
        Set<String> known = knownSettings(alsoKnown);
        List<String> exact = known == null ? List.of() : known.stream().filter(k -> !k.endsWith("*")).toList();
        List<String> unknown = new ArrayList<>();
        for (String name : names) {
            if (name.isBlank()) {
                unknown.add("a setting needs a name: KEY=VALUE");
            } else if (known != null && !isKnown(name, known)) {
                String suggestion = Suggestions.didYouMean(name, exact);
                unknown.add(name + " is not a setting of any node here" + (!suggestion.isEmpty() ? suggestion
                        : known.isEmpty() ? "; no node here reads any setting"
                        : "; the settings read here: " + String.join(", ", known)));
            }
        }
        return unknown;
    }

    /**
     * Of {@code names}, found rather than given on purpose (an environment holds other tools' variables too), those no
     * node here reads that are close to one a node does: each with the name meant ({@code KAFKA_TOPIC_PREFX} to
     * {@code KAFKA_TOPIC_PREFIX}), in the order given. Names far from every setting are no one's mistake here.
     */
    public Map<String, String> misspelledSettings(Collection<String> names, Collection<String> alsoKnown) {
        Set<String> known = knownSettings(alsoKnown);
        Map<String, String> meant = new LinkedHashMap<>();
        if (known == null) {
            return meant;
        }
        List<String> exact = known.stream().filter(k -> !k.endsWith("*")).toList();
        for (String name : names) {
            if (!name.isBlank() && !isKnown(name, known)) {
                Suggestions.closest(name, exact).ifPresent(c -> meant.put(name, c));
            }
        }
        return meant;
    }

    /** The settings the nodes here say they read, and {@code alsoKnown}; null when a node reads any name. */
    private Set<String> knownSettings(Collection<String> alsoKnown) {
        Set<String> known = new TreeSet<>(alsoKnown);
        for (DiscoveredNode n : nodes.values()) {
            Set<String> declared = settingNamesOf(n);
            if (declared.contains("*")) {
                return null;
            }
            known.addAll(declared);
        }
        return known;
    }

    /**
     * What {@code node} says it reads ({@link EffectNode#settingNames()}), sorted; {@code *} (any name) when it does
     * not say, or when asking fails.
     */
    public static Set<String> settingNamesOf(DiscoveredNode node) {
        try {
            Set<String> declared = node.node().settingNames();
            return declared == null ? Set.of("*") : new TreeSet<>(declared);
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("node {}: settingNames() failed", node.name(), e);
            return Set.of("*");
        }
    }

    private static boolean isKnown(String name, Collection<String> known) {
        for (String k : known) {
            if (k.endsWith("*") ? name.startsWith(k.substring(0, k.length() - 1)) && name.length() >= k.length()
                    : k.equals(name)) {
                return true;
            }
        }
        return false;
    }

    public String names() {
        return nodes.isEmpty() ? "(none)" : String.join(", ", nodes.keySet());
    }

    /** Closes the plugin class loaders. Close the nodes first. */
    @Override
    public void close() {
        for (PluginClassLoader loader : loaders) {
            try {
                loader.close();
            } catch (IOException e) {
                LOG.warn("Could not close plugin class loader {}: {}", loader.origin(), e.toString());
            }
        }
    }

    /** Configures discovery. */
    public static final class Builder {
        private ClassLoader classLoader = Thread.currentThread().getContextClassLoader();
        private boolean scanClasspath = true;
        private final List<Path> pluginDirectories = new ArrayList<>();
        private ContractLoader contractLoader = new ContractLoader();

        private Builder() {
        }

        /** The class loader whose classpath is scanned, and the parent of every plugin class loader. */
        public Builder classLoader(ClassLoader loader) {
            this.classLoader = loader == null ? NodeRegistry.class.getClassLoader() : loader;
            return this;
        }

        /** Whether to look for nodes on the classpath too (default true). */
        public Builder scanClasspath(boolean scan) {
            this.scanClasspath = scan;
            return this;
        }

        public Builder pluginDirectory(Path directory) {
            pluginDirectories.add(directory);
            return this;
        }

        public Builder pluginDirectories(List<Path> directories) {
            pluginDirectories.addAll(directories);
            return this;
        }

        public Builder contractLoader(ContractLoader loader) {
            this.contractLoader = loader;
            return this;
        }

        /** Discovers and validates; throws {@link ValidationException} listing every problem found. */
        public NodeRegistry build() {
            return build(false);
        }

        /**
         * Discovers and validates as {@link #build()} does, but keeps going: the nodes that loaded are the registry's,
         * and every problem is in {@link NodeRegistry#problems()} rather than thrown (of two nodes with one name, the
         * one whose class sorts first is kept). For checks that report every problem at once; a host that runs nodes
         * uses {@link #build()}.
         */
        public NodeRegistry buildKeepingWhatLoads() {
            return build(true);
        }

        /**
         * For a command that runs nodes: as {@link #build()}, but a plugin that fails to load (a broken
         * {@code META-INF/services} registration, a node that cannot be created, an invalid contract) is left out
         * with a warning, and its problems are in {@link NodeRegistry#problems()}: one broken jar dropped into a
         * plugin folder must not stop the nodes of the others. Still thrown, as by {@link #build()}: problems on the
         * class path, a missing plugin folder, and two nodes with one name (which one runs would be a guess).
         */
        public NodeRegistry buildSkippingBrokenPlugins() {
            return build(false, true);
        }

        private NodeRegistry build(boolean keepGoing) {
            return build(keepGoing, false);
        }

        private NodeRegistry build(boolean keepGoing, boolean skipBrokenPlugins) {
            List<Problem> problems = new ArrayList<>();
            List<Problem> skipped = new ArrayList<>(); // plugins left out (buildSkippingBrokenPlugins)
            List<DiscoveredNode> found = new ArrayList<>();
            List<PluginClassLoader> loaders = new ArrayList<>();
            List<Problem> empty = new ArrayList<>();
            if (scanClasspath) {
                scan(ServiceLoader.load(EffectNode.class, classLoader), null, found, problems);
            }
            for (Path dir : pluginDirectories) {
                for (PluginSource source : pluginSources(dir, problems, empty)) {
                    PluginClassLoader loader = new PluginClassLoader(source.origin(), source.urls(), classLoader);
                    loaders.add(loader);
                    int nodesBefore = found.size();
                    int problemsBefore = problems.size();
                    List<Problem> own = new ArrayList<>();
                    scan(ServiceLoader.load(EffectNode.class, loader), loader, found, own);
                    if (skipBrokenPlugins && !own.isEmpty()) {
                        // the whole plugin goes: a half-loaded one would run some of its nodes and not others
                        for (DiscoveredNode left : found.subList(nodesBefore, found.size())) {
                            try {
                                left.node().close();
                            } catch (RuntimeException e) {
                                LOG.debug("closing node {} of a plugin left out", left.name(), e);
                            }
                        }
                        found.subList(nodesBefore, found.size()).clear();
                        loaders.remove(loader);
                        closeQuietly(loader); // its jar is not held open for the life of a host
                        for (Problem p : own) {
                            LOG.warn("Plugin {} left out, its nodes are not available (the other plugins' are): {}",
                                    p.source(), p.message());
                        }
                        skipped.addAll(own);
                        continue;
                    }
                    problems.addAll(own);
                    if (found.size() == nodesBefore && problems.size() == problemsBefore) {
                        String services = "META-INF/services/" + EffectNode.class.getName();
                        String misnamed = java.util.stream.Stream.of("ComputeNode", "ReducerNode", "OrchestratorNode")
                                .map(n -> "META-INF/services/" + EffectNode.class.getPackageName() + "." + n)
                                .filter(n -> loader.findResource(n) != null).findFirst().orElse(null);
                        empty.add(Problem.of(source.origin(), loader.findResource(services) != null
                                ? "plugin registers no node: its " + services + " file lists no class (one fully"
                                        + " qualified class name a line; '#' starts a comment)"
                                : misnamed != null ? "plugin registers no node: it has " + misnamed + ", but nodes"
                                        + " are found through " + services + " only (a compute node registers there"
                                        + " too): rename the file"
                                : "plugin registers no node: it has no " + services + " file listing its node classes"
                                        + " (a jar built without it, or shaded without the ServicesResourceTransformer);"
                                        + " a library a plugin needs goes in a sub-folder, next to the plugin's jar")
                                .as(Rules.PLUGIN_NO_NODES));
                    }
                }
            }
            for (Problem p : empty) {
                if (keepGoing) { // the caller reports them
                    LOG.debug("No node from plugin {}: {}", p.source(), p.message());
                } else {
                    LOG.warn("No node from plugin {}: {}", p.source(), p.message());
                }
            }
            Map<String, DiscoveredNode> byName = new LinkedHashMap<>();
            found.sort(Comparator.comparing(DiscoveredNode::name));
            for (DiscoveredNode node : found) {
                DiscoveredNode other = byName.putIfAbsent(node.name(), node);
                if (other != null) {
                    problems.add(Problem.of(node.origin(), "two nodes are named '" + node.name() + "': "
                            + other.className() + " from " + other.origin() + ", and "
                            + node.className() + " from " + node.origin()));
                }
            }
            if (keepGoing) {
                List<Problem> ruled = problems.stream().map(p -> p.orAs(Rules.PLUGIN_INVALID)).toList();
                return new NodeRegistry(byName, loaders, empty, ruled);
            }
            if (!problems.isEmpty()) {
                loaders.forEach(Builder::closeQuietly);
                throw new ValidationException(problems);
            }
            LOG.debug("Discovered nodes: {}", byName.keySet());
            return new NodeRegistry(byName, loaders, empty,
                    skipped.stream().map(p -> p.orAs(Rules.PLUGIN_INVALID)).toList());
        }

        private static void closeQuietly(PluginClassLoader loader) {
            try {
                loader.close();
            } catch (IOException e) {
                LOG.debug("closing {}", loader, e);
            }
        }

        private void scan(ServiceLoader<EffectNode> services, PluginClassLoader plugin, List<DiscoveredNode> found,
                List<Problem> problems) {
            var it = services.stream().iterator();
            // each failure moves the iterator past the entry that failed; the bound only guards against a loader
            // that fails the same way for ever
            for (int failures = 0; failures < MAX_REGISTRATION_FAILURES;) {
                ServiceLoader.Provider<EffectNode> provider;
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    provider = it.next();
                } catch (ServiceConfigurationError | LinkageError e) {
                    // a LinkageError (NoClassDefFoundError) is a class listed there whose superclass or interface is
                    // missing: typically a dependency the plugin jar does not bundle
                    failures++;
                    problems.add(Problem.of(plugin == null ? "classpath" : plugin.origin(),
                            "broken node registration in META-INF/services: " + (e instanceof LinkageError
                                    ? "a listed class cannot be loaded: " + e + " (is a dependency missing from the jar?)"
                                    : rootMessage(e))));
                    continue;
                }
                Class<? extends EffectNode> type = provider.type();
                if (plugin != null && type.getClassLoader() != plugin) {
                    continue; // seen through the parent: a classpath node, not this plugin's
                }
                String origin = plugin != null ? plugin.origin() : codeSource(type);
                EffectNode node;
                try {
                    node = provider.get();
                } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                    problems.add(Problem.of(origin, "cannot create node " + type.getName() + ": " + rootMessage(e)));
                    continue;
                }
                EffectNode wrapped = plugin != null ? new PluginNode(node, plugin) : node;
                URL contractUrl;
                try {
                    contractUrl = wrapped.contractLocation();
                } catch (RuntimeException | LinkageError e) {
                    problems.add(Problem.of(origin, "node " + type.getName() + " failed to name its contract: " + e));
                    continue;
                }
                if (contractUrl == null) {
                    problems.add(Problem.of(origin, "node " + type.getName() + " has no contract: expected "
                            + EffectNode.CONTRACT_FILE + " next to the class, or contractLocation() overridden"));
                    continue;
                }
                if (!implementsExecute(type)) {
                    problems.add(Problem.of(origin, "node " + type.getName() + " implements neither execute(Map) nor"
                            + " execute(Map, ExecutionContext); each one's default calls the other"));
                    continue;
                }
                try {
                    NodeContract contract = contractLoader.load(contractUrl);
                    String contradiction = kindContradiction(wrapped, contract, type);
                    if (contradiction != null) {
                        problems.add(Problem.of(origin, contradiction));
                        continue;
                    }
                    found.add(new DiscoveredNode(contract.name(), contract, wrapped, origin, plugin != null));
                } catch (ValidationException e) {
                    // the problems name the contract file; say whose contract it is, as the other problems here do
                    for (Problem p : e.problems()) {
                        problems.add(p.withMessage(p.message() + " (contract of node " + type.getName() + ")"));
                    }
                }
            }
        }
    }

    /** Whether {@code type} overrides at least one of the two {@code execute} methods (their defaults call each other). */
    static boolean implementsExecute(Class<?> type) {
        try {
            return type.getMethod("execute", Map.class).getDeclaringClass() != EffectNode.class
                    || type.getMethod("execute", Map.class, ExecutionContext.class).getDeclaringClass() != EffectNode.class;
        } catch (NoSuchMethodException e) {
            return false; // cannot happen for an EffectNode
        }
    }

    /**
     * A node that says it is of one kind while its contract declares another, or {@code null}. A node that keeps the
     * default ({@link NodeKind#EFFECT}) says nothing: its contract decides, as before the SPI had kinds.
     */
    private static String kindContradiction(EffectNode node, NodeContract contract, Class<?> type) {
        NodeKind said;
        try {
            said = node.kind();
        } catch (RuntimeException | LinkageError e) {
            return "node " + type.getName() + " failed to say its kind: " + e;
        }
        if (said == null || said == NodeKind.EFFECT || said.contractName().equals(contract.nodeType())) {
            return null;
        }
        return "node " + type.getName() + " says it is a " + said.contractName() + " node, but its contract '"
                + contract.name() + "' declares node_type: " + contract.nodeType();
    }

    private record PluginSource(String origin, URL[] urls) {
    }

    /**
     * Each jar directly in {@code dir} is one plugin; so is each sub-folder, with all the jars inside it. A file named
     * .jar that is no readable jar is left out, and said so in {@code unreadable}: a class loader would skip it without
     * a word, and it would look like a jar without a registration.
     */
    private static List<PluginSource> pluginSources(Path dir, List<Problem> problems, List<Problem> unreadable) {
        if (!Files.isDirectory(dir)) {
            problems.add(Problem.of(dir.toString(), Files.exists(dir) ? "plugin path is not a folder"
                    : "plugin folder does not exist"));
            return List.of();
        }
        List<PluginSource> sources = new ArrayList<>();
        int unreadableBefore = unreadable.size();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path entry : entries.sorted().collect(Collectors.toList())) {
                if (isJar(entry) && !Files.exists(entry) && Files.isSymbolicLink(entry)) {
                    // a link to a jar that is gone: the class loader would skip it without a word
                    unreadable.add(Problem.of(entry.toString(), "a symbolic link to " + linkTarget(entry) + ", which does"
                            + " not exist (a dangling link); the plugin it named is not loaded").as(Rules.PLUGIN_INVALID));
                } else if (Files.isRegularFile(entry) && isJar(entry)) {
                    if (readable(entry, unreadable)) {
                        sources.add(new PluginSource(entry.toString(), new URL[] {url(entry)}));
                    }
                } else if (Files.isDirectory(entry)) {
                    List<URL> jars = new ArrayList<>();
                    try (Stream<Path> inner = Files.walk(entry, 3)) {
                        for (Path jar : inner.filter(p -> Files.isRegularFile(p) && isJar(p)).sorted()
                                .collect(Collectors.toList())) {
                            if (readable(jar, unreadable)) {
                                jars.add(url(jar));
                            }
                        }
                    }
                    if (!jars.isEmpty()) {
                        sources.add(new PluginSource(entry.toString(), jars.toArray(URL[]::new)));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            problems.add(Problem.of(dir.toString(), "cannot list plugin folder: " + e.getMessage()));
            return sources;
        }
        if (sources.isEmpty() && unreadable.size() == unreadableBefore) {
            // a folder named for its plugins that holds none is most often the wrong folder, or a build that did not
            // put its jar there
            unreadable.add(Problem.of(dir.toString(), "plugin folder holds no plugin: no .jar file, and no sub-folder"
                    + " with one; a plugin is a jar built by Maven or Gradle (target/*.jar), or a folder of them")
                    .as(Rules.PLUGIN_NO_NODES));
        }
        return sources;
    }

    private static String linkTarget(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return "a file";
        }
    }

    /** Whether {@code jar} opens as a zip file; if not, a problem that says so in {@code unreadable}. */
    private static boolean readable(Path jar, List<Problem> unreadable) {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return true;
        } catch (IOException | RuntimeException e) {
            unreadable.add(Problem.of(jar.toString(), "not a readable jar (zip) file: " + (e.getMessage() == null
                    ? e.toString() : e.getMessage()) + "; a plugin is a jar built by Maven or Gradle, or a folder of"
                    + " them").as(Rules.PLUGIN_INVALID));
            return false;
        }
    }

    private static boolean isJar(Path p) {
        return p.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".jar");
    }

    private static URL url(Path p) {
        try {
            return p.toAbsolutePath().toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(p.toString(), e);
        }
    }

    private static String codeSource(Class<?> type) {
        CodeSource cs = type.getProtectionDomain().getCodeSource();
        return cs == null || cs.getLocation() == null ? "classpath" : "classpath " + cs.getLocation();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (caused by " + t + ")";
    }
}
