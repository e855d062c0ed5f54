package ai.omninode.onex.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.node.OnexException;
import ai.omninode.onex.node.SharedProbe;
import ai.omninode.onex.runtime.internal.PluginClassLoader;
import ai.omninode.onex.runtime.internal.PluginNode;
import ai.omninode.onex.runtime.testnodes.echo.EchoNode;
import ai.omninode.onex.testlib.Greeting;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeRegistryTest {
    private static final String BROKEN_NODES = "registry/broken/";

    @TempDir
    static Path work;

    private static TestPlugins plugins;

    @TempDir
    Path pluginDir;

    @BeforeAll
    static void compilePlugin() {
        plugins = TestPlugins.compile(work);
    }

    private NodeRegistry pluginsOnly() {
        return NodeRegistry.builder().scanClasspath(false).pluginDirectory(pluginDir).build();
    }

    private static Map<String, Object> run(DiscoveredNode node, Map<String, Object> input) {
        return node.node().execute(input).toCompletableFuture().join();
    }

    // --- classpath

    @Test
    void nodeDeclaredInMetaInfServicesIsDiscoveredWithItsContract() {
        try (NodeRegistry registry = NodeRegistry.builder().build()) {
            DiscoveredNode echo = registry.require("test_echo");

            assertThat(echo.name()).isEqualTo("test_echo");
            assertThat(echo.version()).isEqualTo("1.2.3");
            assertThat(echo.contract().nodeType()).isEqualTo("compute");
            assertThat(echo.contract().source()).endsWith("ai/omninode/onex/runtime/testnodes/echo/effect_contract.yaml");
            assertThat(echo.plugin()).isFalse();
            assertThat(echo.node()).isInstanceOf(EchoNode.class);
            assertThat(echo.className()).isEqualTo(EchoNode.class.getName());
            assertThat(echo.origin()).startsWith("classpath ").endsWith("test-classes/");
            assertThat(run(echo, Map.of("x", 1))).containsEntry("x", 1).containsEntry("echoed", true);
        }
    }

    @Test
    void theKindOfADiscoveredNodeIsWhatItsContractDeclares() {
        try (NodeRegistry registry = NodeRegistry.builder().build()) {
            assertThat(registry.require("test_echo").kind()).isEqualTo(ai.omninode.onex.node.NodeKind.COMPUTE);
        }
    }

    @Test
    void unknownNodeNamesTheNodesThatExist() {
        try (NodeRegistry registry = NodeRegistry.builder().build()) {
            assertThat(registry.find("nope")).isEmpty();
            assertThat(registry.names()).isEqualTo("test_echo");
            assertThatThrownBy(() -> registry.require("nope"))
                    .isInstanceOf(OnexException.class)
                    .hasMessage("no node named 'nope' was discovered; discovered nodes: test_echo");
        }
    }

    @Test
    void noClasspathScanAndNoPluginsFindsNothing() {
        try (NodeRegistry registry = NodeRegistry.builder().scanClasspath(false).build()) {
            assertThat(registry.nodes()).isEmpty();
            assertThat(registry.names()).isEqualTo("(none)");
        }
    }

    @Test
    void everyBrokenRegistrationIsReportedWithItsClassAndOrigin() {
        ValidationException e = catchThrowableOfType(ValidationException.class,
                () -> NodeRegistry.builder().classLoader(brokenNodesLoader()).build());

        String testClasses = "classpath " + EchoNode.class.getProtectionDomain().getCodeSource().getLocation();
        assertThat(e.problems()).hasSize(6);
        assertThat(e.problems()).anySatisfy(p -> {
            assertThat(p.source()).isEqualTo(testClasses);
            assertThat(p.message()).isEqualTo("node ai.omninode.onex.runtime.testnodes.noexecute.NoExecuteNode implements"
                    + " neither execute(Map) nor execute(Map, ExecutionContext); each one's default calls the other");
        });
        assertThat(e.problems()).anySatisfy(p -> {
            assertThat(p.source()).isEqualTo(testClasses);
            assertThat(p.message()).isEqualTo("node ai.omninode.onex.runtime.testnodes.wrongkind.ComputeNodeWithEffectContract"
                    + " says it is a compute node, but its contract 'test_wrong_kind' declares node_type: effect");
        });
        assertThat(e.problems()).anySatisfy(p -> {
            assertThat(p.source()).isEqualTo(testClasses);
            assertThat(p.message()).isEqualTo("node ai.omninode.onex.runtime.testnodes.nocontract.NoContractNode has no contract: "
                    + "expected effect_contract.yaml next to the class, or contractLocation() overridden");
        });
        assertThat(e.problems()).anySatisfy(p -> {
            assertThat(p.source()).isEqualTo("classpath");
            assertThat(p.message()).startsWith("broken node registration in META-INF/services: ")
                    .contains("ai.omninode.onex.runtime.testnodes.DoesNotExist not found");
        });
        assertThat(e.problems()).anySatisfy(p -> {
            assertThat(p.source()).isEqualTo(testClasses);
            assertThat(p.message()).startsWith("cannot create node ai.omninode.onex.runtime.testnodes.exploding.ExplodingNode: ")
                    .contains("java.lang.IllegalStateException: KAFKA_BOOTSTRAP_SERVERS is not set");
        });
        assertThat(e.problems()).anySatisfy(p -> {
            assertThat(p.source()).endsWith("ai/omninode/onex/runtime/testnodes/invalid/effect_contract.yaml");
            assertThat(p.line()).isEqualTo(7);
            assertThat(p.column()).isEqualTo(1);
            assertThat(p.message()).startsWith("unknown field 'tgas' (did you mean 'tags'?)")
                    .endsWith(" (contract of node ai.omninode.onex.runtime.testnodes.invalid.InvalidContractNode)");
        });
    }

    /** The test classpath, plus a services file that registers the broken test nodes. */
    private static ClassLoader brokenNodesLoader() {
        URL broken = NodeRegistryTest.class.getClassLoader().getResource(BROKEN_NODES);
        return new URLClassLoader(new URL[] {broken}, NodeRegistryTest.class.getClassLoader());
    }

    // --- plugin folders

    @Test
    void pluginJarIsDiscoveredInAClassLoaderOfItsOwn() throws Exception {
        Path jar = plugins.nodeJar(pluginDir.resolve("greeting.jar"), "test_greeting");
        String contractUrl = "jar:" + jar.toUri().toURL() + "!/ai/omninode/onex/testplugin/effect_contract.yaml";

        try (NodeRegistry registry = pluginsOnly()) {
            DiscoveredNode node = registry.require("test_greeting");

            assertThat(node.plugin()).isTrue();
            assertThat(node.origin()).isEqualTo(jar.toString());
            assertThat(node.className()).isEqualTo(TestPlugins.NODE_CLASS);
            assertThat(node.node()).isInstanceOf(PluginNode.class);
            EffectNode delegate = ((PluginNode) node.node()).delegate();
            assertThat(delegate.getClass().getName()).isEqualTo(TestPlugins.NODE_CLASS);
            assertThat(delegate.getClass().getClassLoader())
                    .isInstanceOfSatisfying(PluginClassLoader.class, l -> assertThat(l.origin()).isEqualTo(jar.toString()));
            assertThat(node.contract().source()).isEqualTo(contractUrl);
            assertThat(node.contract().ioOperations()).extracting(NodeContract.IoOperation::operationType).containsExactly("greet");
        }
    }

    @Test
    void pluginContractResolvesItsSchemaInsideTheJar() {
        plugins.nodeJar(pluginDir.resolve("greeting.jar"), "test_greeting");

        try (NodeRegistry registry = pluginsOnly()) {
            NodeContract contract = registry.require("test_greeting").contract();

            assertThat(contract.inputSchema().source()).endsWith(".jar!/ai/omninode/onex/testplugin/greeting_input.schema.json");
            assertThat(contract.inputSchema().validateValue(Map.of("name", 5))).singleElement()
                    .satisfies(v -> assertThat(v.message()).isEqualTo("'/name' must be a string, found integer 5"));
        }
    }

    @Test
    void pluginRunsWithItsClassLoaderAsTheThreadContextClassLoader() {
        plugins.nodeJar(pluginDir.resolve("greeting.jar"), "test_greeting");
        ClassLoader before = Thread.currentThread().getContextClassLoader();

        try (NodeRegistry registry = pluginsOnly()) {
            EffectNode node = registry.require("test_greeting").node();
            ClassLoader pluginLoader = ((PluginNode) node).delegate().getClass().getClassLoader();

            node.initialize(Map.of());
            Map<String, Object> output = run(registry.require("test_greeting"), Map.of("name", "Ada"));
            node.close();

            assertThat(output.get("context_loader")).isSameAs(pluginLoader);
            assertThat(node.metrics())
                    .containsEntry("initialized_with", pluginLoader)
                    .containsEntry("metrics_with", pluginLoader)
                    .containsEntry("closed_with", pluginLoader);
            assertThat(Thread.currentThread().getContextClassLoader()).isSameAs(before);
        }
    }

    @Test
    void libraryInBothThePluginAndTheHostIsLoadedFromThePluginFirst() {
        plugins.nodeJar(pluginDir.resolve("greeting.jar"), "test_greeting");

        try (NodeRegistry registry = pluginsOnly()) {
            DiscoveredNode node = registry.require("test_greeting");
            ClassLoader pluginLoader = ((PluginNode) node.node()).delegate().getClass().getClassLoader();

            Map<String, Object> output = run(node, Map.of("name", "Ada"));

            assertThat(output.get("greeting")).isEqualTo(TestPlugins.PLUGIN_GREETING + ", Ada");
            assertThat(output.get("library_loader")).isSameAs(pluginLoader);
            assertThat(Greeting.text()).isEqualTo("hello from the host's copy");
        }
    }

    @Test
    void nodeApiPackagesStaySharedEvenWhenThePluginCarriesItsOwnCopy() throws Exception {
        plugins.nodeJar(pluginDir.resolve("greeting.jar"), "test_greeting");

        try (NodeRegistry registry = pluginsOnly()) {
            DiscoveredNode node = registry.require("test_greeting");
            ClassLoader pluginLoader = ((PluginNode) node.node()).delegate().getClass().getClassLoader();

            assertThat(run(node, Map.of("name", "Ada")).get("shared_probe")).isEqualTo("host");
            assertThat(pluginLoader.loadClass(SharedProbe.class.getName())).isSameAs(SharedProbe.class);
            assertThat(pluginLoader.loadClass(EffectNode.class.getName())).isSameAs(EffectNode.class);
            assertThat(pluginLoader.loadClass(NodeContract.class.getName())).isSameAs(NodeContract.class);
            assertThat(pluginLoader.loadClass(Greeting.class.getName())).isNotSameAs(Greeting.class);
            assertThat(pluginLoader.getResource("ai/omninode/onex/node/SharedProbe.class"))
                    .isEqualTo(getClass().getClassLoader().getResource("ai/omninode/onex/node/SharedProbe.class"));
            assertThat(pluginLoader.getResource("ai/omninode/onex/testlib/Greeting.class")).hasProtocol("jar");
        }
    }

    @Test
    void aPluginJarThatIsAlsoOnTheHostClasspathListsEachResourceOnce() throws Exception {
        Path jar = plugins.nodeJar(pluginDir.resolve("greeting.jar"), "test_greeting");
        String services = "META-INF/services/" + EffectNode.class.getName();

        try (URLClassLoader host = new URLClassLoader(new URL[] {jar.toUri().toURL()}, getClass().getClassLoader());
                PluginClassLoader plugin = new PluginClassLoader(jar.toString(), new URL[] {jar.toUri().toURL()}, host)) {
            List<String> urls = java.util.Collections.list(plugin.getResources(services)).stream()
                    .map(URL::toExternalForm).toList();

            assertThat(urls).filteredOn(u -> u.contains("greeting.jar")).hasSize(1);
            assertThat(urls).doesNotHaveDuplicates();
        }
    }

    @Test
    void sharedResourcesAreListedHostFirstAsTheyAreFound() throws Exception {
        Path jar = plugins.nodeJar(pluginDir.resolve("greeting.jar"), "test_greeting");
        String probe = "ai/omninode/onex/node/SharedProbe.class";

        try (PluginClassLoader plugin = new PluginClassLoader(jar.toString(), new URL[] {jar.toUri().toURL()},
                getClass().getClassLoader())) {
            List<URL> all = java.util.Collections.list(plugin.getResources(probe));

            assertThat(all).hasSize(2);
            assertThat(all.get(0)).as("getResource gives the host's copy; getResources must list it first")
                    .isEqualTo(plugin.getResource(probe))
                    .isEqualTo(getClass().getClassLoader().getResource(probe));
        }
    }

    @Test
    void pluginSubFolderIsOnePluginWithAllItsJars() {
        Path folder = pluginDir.resolve("greeting");
        plugins.nodeOnlyJar(folder.resolve("greeting-node.jar"), "test_greeting");
        plugins.libraryJar(folder.resolve("lib/greeting-lib.jar"));

        try (NodeRegistry registry = pluginsOnly()) {
            DiscoveredNode node = registry.require("test_greeting");

            assertThat(node.origin()).isEqualTo(folder.toString());
            assertThat(run(node, Map.of("name", "Ada")).get("greeting")).isEqualTo(TestPlugins.PLUGIN_GREETING + ", Ada");
        }
    }

    @Test
    void classpathAndPluginNodesAreListedTogetherByName() {
        plugins.nodeJar(pluginDir.resolve("greeting.jar"), "test_greeting");
        plugins.nodeJar(pluginDir.resolve("another.jar"), "a_greeting");

        try (NodeRegistry registry = NodeRegistry.discover(getClass().getClassLoader(), List.of(pluginDir))) {
            assertThat(registry.nodes()).extracting(DiscoveredNode::name)
                    .containsExactly("a_greeting", "test_echo", "test_greeting");
            assertThat(registry.names()).isEqualTo("a_greeting, test_echo, test_greeting");
        }
    }

    @Test
    void jarsWithoutNodesAndOtherFilesInThePluginFolderAreIgnored() throws IOException {
        plugins.libraryJar(pluginDir.resolve("just-a-library.jar"));
        Files.writeString(pluginDir.resolve("README.txt"), "not a jar");
        Files.createDirectories(pluginDir.resolve("empty-folder"));

        try (NodeRegistry registry = pluginsOnly()) {
            assertThat(registry.nodes()).isEmpty();
        }
    }

    @Test
    void aJarWithoutRegistrationAndAFileThatIsNoJarAreEachNamedWithWhy() throws IOException {
        Path library = plugins.libraryJar(pluginDir.resolve("just-a-library.jar"));
        Path corrupt = Files.writeString(pluginDir.resolve("corrupt.jar"), "not a zip");
        Path empty = Files.write(pluginDir.resolve("empty.jar"), new byte[0]);
        Path folder = Files.createDirectories(pluginDir.resolve("greeting"));
        plugins.nodeJar(folder.resolve("greeting.jar"), "test_greeting");
        Path corruptInFolder = Files.writeString(folder.resolve("broken-lib.jar"), "truncated");

        try (NodeRegistry registry = pluginsOnly()) {
            assertThat(registry.nodes()).extracting(DiscoveredNode::name).containsExactly("test_greeting");
            assertThat(registry.emptyPlugins()).containsExactlyInAnyOrder(library.toString(), corrupt.toString(),
                    empty.toString(), corruptInFolder.toString());
            assertThat(registry.emptyPluginProblems()).allSatisfy(p -> assertThat(p.rule())
                    .isEqualTo(p.source().equals(library.toString()) ? "plugin.no-nodes" : "plugin.invalid"));
            assertThat(registry.emptyPluginProblems()).filteredOn(p -> p.source().equals(corrupt.toString()))
                    .singleElement().extracting(ai.omninode.onex.contract.Problem::message).asString()
                    .startsWith("not a readable jar (zip) file: ");
            assertThat(registry.emptyPluginProblems()).filteredOn(p -> p.source().equals(library.toString()))
                    .singleElement().extracting(ai.omninode.onex.contract.Problem::message).asString()
                    .startsWith("plugin registers no node: it has no META-INF/services/ai.omninode.onex.node.EffectNode");
        }
    }

    @Test
    void aServicesFileThatListsNoClassIsNamedAsSuchNotAsMissing() {
        Path commented = ai.omninode.onex.testing.JarBuilder.jar()
                .services(EffectNode.class, List.of("# com.acme.GreetingNode, one day")).writeTo(pluginDir.resolve("c.jar"));

        Path misnamed = ai.omninode.onex.testing.JarBuilder.jar()
                .services(ai.omninode.onex.node.ComputeNode.class, List.of("com.acme.Greeting"))
                .writeTo(pluginDir.resolve("m.jar"));

        try (NodeRegistry registry = pluginsOnly()) {
            assertThat(registry.emptyPluginProblems()).filteredOn(p -> p.source().equals(misnamed.toString()))
                    .singleElement().extracting(Problem::message).isEqualTo("plugin registers no node: it has"
                            + " META-INF/services/ai.omninode.onex.node.ComputeNode, but nodes are found through"
                            + " META-INF/services/ai.omninode.onex.node.EffectNode only (a compute node registers there"
                            + " too): rename the file");
            assertThat(registry.emptyPluginProblems()).filteredOn(p -> p.source().equals(commented.toString()))
                    .singleElement().satisfies(p -> {
                assertThat(p.source()).isEqualTo(commented.toString());
                assertThat(p.message()).isEqualTo("plugin registers no node: its META-INF/services/"
                        + "ai.omninode.onex.node.EffectNode file lists no class (one fully qualified class name a line;"
                        + " '#' starts a comment)");
            });
        }
    }

    @Test
    void theReplacedPluginsHintNamesTheFolderThatHasTheNodeAndOnlyThen(@TempDir Path other) {
        plugins.nodeJar(pluginDir.resolve("greeting.jar"), "test_greeting");
        ClassLoader loader = getClass().getClassLoader();

        var hint = NodeRegistry.replacedPluginsHint(pluginDir, List.of(other), loader);

        assertThat(hint.apply("test_greeting")).isEqualTo("; 'test_greeting' is in the installation's plugins folder ("
                + pluginDir + "), which --plugins replaces: pass --plugins " + pluginDir + " as well");
        assertThat(hint.apply("nowhere")).isEmpty();
        assertThat(NodeRegistry.replacedPluginsHint(pluginDir, List.of(pluginDir), loader).apply("test_greeting")).isEmpty();
        assertThat(NodeRegistry.replacedPluginsHint(null, List.of(other), loader).apply("test_greeting")).isEmpty();
    }

    @Test
    void sameNameOnTheClasspathAndInAPluginIsAnErrorNamingBothOrigins() {
        Path jar = plugins.nodeJar(pluginDir.resolve("impostor.jar"), "test_echo");

        assertThatThrownBy(() -> NodeRegistry.discover(getClass().getClassLoader(), List.of(pluginDir)))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems()).singleElement()
                        .satisfies(p -> assertThat(p.message())
                                .startsWith("two nodes are named 'test_echo': ")
                                .contains(EchoNode.class.getName() + " from classpath ")
                                .contains(TestPlugins.NODE_CLASS + " from " + jar)));
    }

    @Test
    void sameNameInTwoPluginsIsAnErrorNamingBothJars() {
        Path first = plugins.nodeJar(pluginDir.resolve("first.jar"), "test_greeting");
        Path second = plugins.nodeJar(pluginDir.resolve("second.jar"), "test_greeting");

        assertThatThrownBy(this::pluginsOnly)
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems()).singleElement()
                        .satisfies(p -> assertThat(p.message()).isEqualTo("two nodes are named 'test_greeting': "
                                + TestPlugins.NODE_CLASS + " from " + first + ", and " + TestPlugins.NODE_CLASS + " from " + second)));
    }

    @Test
    void pluginWithAnInvalidContractIsReportedAtTheLineInsideTheJar() throws Exception {
        Path jar = plugins.nodeJarWithContract(pluginDir.resolve("greeting.jar"),
                TestPlugins.contract("test_greeting").replace("io_operations:\n  - operation_type: greet\n", "io_operations: []\n"));
        String contractUrl = "jar:" + jar.toUri().toURL() + "!/ai/omninode/onex/testplugin/effect_contract.yaml";

        assertThatThrownBy(this::pluginsOnly)
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems()).singleElement()
                        .satisfies(p -> {
                            assertThat(p.source()).isEqualTo(contractUrl);
                            assertThat(p.line()).isEqualTo(9);
                            assertThat(p.message()).startsWith("Effect node must define at least one I/O operation")
                                    .endsWith(" (contract of node " + TestPlugins.NODE_CLASS + ")");
                        }));
    }

    @Test
    void aPluginNodeClassThatCannotBeLinkedIsABrokenRegistrationNotACrash() {
        Path jar = plugins.nodeWithoutItsSuperclassJar(pluginDir.resolve("unbundled.jar"), "test_greeting");

        assertThatThrownBy(this::pluginsOnly)
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems()).singleElement()
                        .satisfies(p -> {
                            assertThat(p.source()).isEqualTo(jar.toString());
                            assertThat(p.message()).startsWith("broken node registration in META-INF/services: ")
                                    .contains("NoClassDefFoundError")
                                    .contains("ai/omninode/onex/testplugin/lib/BaseNode");
                        }));
    }

    /** What run and serve build: one broken jar in a plugin folder does not stop the other plugins' nodes. */
    @Test
    void aPluginThatFailsToLoadIsLeftOutWhileTheOthersLoadAndANameClashStillStopsDiscovery() throws Exception {
        Path good = plugins.nodeJar(pluginDir.resolve("greeting.jar"), "test_greeting");
        Path broken = plugins.nodeWithoutItsSuperclassJar(pluginDir.resolve("unbundled.jar"), "test_unbundled");

        try (NodeRegistry registry = NodeRegistry.builder().classLoader(getClass().getClassLoader())
                .scanClasspath(false).pluginDirectory(pluginDir).buildSkippingBrokenPlugins()) {
            // the broken jar's second registration loads (test_unbundled): left out with the jar all the same
            assertThat(registry.nodes()).extracting(DiscoveredNode::name).containsExactly("test_greeting");
            assertThat(registry.nodes().get(0).origin()).isEqualTo(good.toString());
            assertThat(registry.problems()).singleElement().satisfies(p -> {
                assertThat(p.source()).isEqualTo(broken.toString());
                assertThat(p.message()).startsWith("broken node registration in META-INF/services: ");
                assertThat(p.rule()).isEqualTo(Rules.PLUGIN_INVALID.id());
            });
        }

        plugins.nodeJar(pluginDir.resolve("second.jar"), "test_greeting");
        assertThatThrownBy(() -> NodeRegistry.builder().classLoader(getClass().getClassLoader()).scanClasspath(false)
                .pluginDirectory(pluginDir).buildSkippingBrokenPlugins())
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems()).singleElement()
                        .satisfies(p -> assertThat(p.message()).startsWith("two nodes are named 'test_greeting': ")));
    }

    @Test
    void servicesEntryInAPluginForAClassOnlyTheHostHasIsNotAPluginNode() {
        ai.omninode.onex.testing.JarBuilder.jar()
                .services(EffectNode.class, List.of(EchoNode.class.getName()))
                .writeTo(pluginDir.resolve("no-node-class.jar"));

        try (NodeRegistry registry = pluginsOnly()) {
            assertThat(registry.nodes()).isEmpty();
        }
    }

    @Test
    void missingPluginFolderIsAClearProblem() {
        Path missing = pluginDir.resolve("no-such-folder");

        assertThatThrownBy(() -> NodeRegistry.builder().scanClasspath(false).pluginDirectory(missing).build())
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems()).singleElement()
                        .isEqualTo(Problem.of(missing.toString(), "plugin folder does not exist")));
    }

    @Test
    void pluginPathThatIsAFileIsAClearProblem() throws IOException {
        Path file = Files.writeString(pluginDir.resolve("plugins.txt"), "");

        assertThatThrownBy(() -> NodeRegistry.builder().scanClasspath(false).pluginDirectory(file).build())
                .hasMessage(file + ": error: plugin path is not a folder");
    }

    @Test
    void closingTheRegistryReleasesThePluginJars() throws IOException {
        assumeThat(Path.of("/proc/self/fd")).isDirectory();
        Path jar = plugins.nodeJar(pluginDir.resolve("greeting.jar"), "test_greeting");

        try (NodeRegistry registry = pluginsOnly()) {
            run(registry.require("test_greeting"), Map.of("name", "Ada"));
            assertThat(openDescriptorsOf(jar)).as("open while the registry is").isPositive();
        }

        assertThat(openDescriptorsOf(jar)).as("open after the registry was closed").isZero();
    }

    @Test
    void failedDiscoveryReleasesThePluginJarsItOpened() throws IOException {
        assumeThat(Path.of("/proc/self/fd")).isDirectory();
        Path first = plugins.nodeJar(pluginDir.resolve("first.jar"), "test_greeting");
        plugins.nodeJar(pluginDir.resolve("second.jar"), "test_greeting");

        assertThatThrownBy(this::pluginsOnly).isInstanceOf(ValidationException.class);

        assertThat(openDescriptorsOf(first)).isZero();
    }

    private static long openDescriptorsOf(Path file) throws IOException {
        Path target = file.toRealPath();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(target);
                } catch (IOException | UnsupportedOperationException e) {
                    return false; // closed meanwhile, or not a link
                }
            }).count();
        }
    }
}
