package ai.omninode.onex.runtime;

import static ai.omninode.onex.testing.JarBuilder.jar;

import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.testing.JarBuilder;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Builds plugin jars for registry tests from source, at test time, so that no plugin class is on the test classpath:
 * a node ({@code ai.omninode.onex.testplugin.GreetingNode}) that reports which class loaders it ran under, its own
 * copy of a library the host also has ({@code ai.omninode.onex.testlib.Greeting}), and its own copy of a class in a
 * package plugins must share ({@code ai.omninode.onex.node.SharedProbe}).
 */
final class TestPlugins {
    static final String NODE_CLASS = "ai.omninode.onex.testplugin.GreetingNode";
    /** A node class that extends {@code ai.omninode.onex.testplugin.lib.BaseNode}. */
    static final String DERIVED_NODE_CLASS = "ai.omninode.onex.testplugin.DerivedNode";
    static final String PLUGIN_GREETING = "hello from the plugin's copy";

    private static final Map<String, String> SOURCES = Map.of(
            "ai/omninode/onex/testplugin/GreetingNode.java", """
                    package ai.omninode.onex.testplugin;

                    import ai.omninode.onex.node.EffectNode;
                    import ai.omninode.onex.node.SharedProbe;
                    import ai.omninode.onex.testlib.Greeting;
                    import java.util.HashMap;
                    import java.util.Map;
                    import java.util.concurrent.CompletableFuture;
                    import java.util.concurrent.CompletionStage;

                    public class GreetingNode implements EffectNode {
                        private volatile ClassLoader initializedWith;
                        private volatile ClassLoader closedWith;

                        @Override
                        public void initialize(Map<String, String> settings) {
                            initializedWith = Thread.currentThread().getContextClassLoader();
                        }

                        @Override
                        public CompletionStage<Map<String, Object>> execute(Map<String, Object> input) {
                            Map<String, Object> out = new HashMap<>();
                            out.put("greeting", Greeting.text() + ", " + input.get("name"));
                            out.put("library_loader", Greeting.class.getClassLoader());
                            out.put("context_loader", Thread.currentThread().getContextClassLoader());
                            out.put("shared_probe", SharedProbe.copy());
                            return CompletableFuture.completedFuture(out);
                        }

                        @Override
                        public Map<String, Object> metrics() {
                            Map<String, Object> m = new HashMap<>();
                            m.put("initialized_with", initializedWith);
                            m.put("metrics_with", Thread.currentThread().getContextClassLoader());
                            m.put("closed_with", closedWith);
                            return m;
                        }

                        @Override
                        public void close() {
                            closedWith = Thread.currentThread().getContextClassLoader();
                        }
                    }
                    """,
            "ai/omninode/onex/testlib/Greeting.java", """
                    package ai.omninode.onex.testlib;

                    public final class Greeting {
                        public static String text() {
                            return "%s";
                        }
                    }
                    """.formatted(PLUGIN_GREETING),
            "ai/omninode/onex/node/SharedProbe.java", """
                    package ai.omninode.onex.node;

                    public final class SharedProbe {
                        public static String copy() {
                            return "plugin";
                        }
                    }
                    """,
            "ai/omninode/onex/testplugin/lib/BaseNode.java", """
                    package ai.omninode.onex.testplugin.lib;

                    public abstract class BaseNode {
                    }
                    """,
            "ai/omninode/onex/testplugin/DerivedNode.java", """
                    package ai.omninode.onex.testplugin;

                    import ai.omninode.onex.node.EffectNode;
                    import ai.omninode.onex.testplugin.lib.BaseNode;
                    import java.util.Map;
                    import java.util.concurrent.CompletableFuture;
                    import java.util.concurrent.CompletionStage;

                    public class DerivedNode extends BaseNode implements EffectNode {
                        @Override
                        public void initialize(Map<String, String> settings) {
                        }

                        @Override
                        public CompletionStage<Map<String, Object>> execute(Map<String, Object> input) {
                            return CompletableFuture.completedFuture(Map.of());
                        }

                        @Override
                        public void close() {
                        }
                    }
                    """);

    private static final String SCHEMA = """
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "type": "object",
              "required": ["name"],
              "properties": {"name": {"type": "string"}}
            }
            """;

    private final Path classes;

    private TestPlugins(Path classes) {
        this.classes = classes;
    }

    /** Compiles the plugin sources (once per test class: javac takes a second) into {@code workDir}. */
    static TestPlugins compile(Path workDir) {
        try {
            Path src = workDir.resolve("src");
            Path out = Files.createDirectories(workDir.resolve("classes"));
            List<Path> files = new ArrayList<>();
            for (Map.Entry<String, String> e : SOURCES.entrySet()) {
                Path file = src.resolve(e.getKey());
                Files.createDirectories(file.getParent());
                Files.writeString(file, e.getValue());
                files.add(file);
            }
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            if (javac == null) {
                throw new IllegalStateException("tests need a JDK: no system Java compiler");
            }
            // only node-api itself: the plugin must not see the host's test classes (its own Greeting wins)
            String nodeApi = Path.of(EffectNode.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
            StringWriter diagnostics = new StringWriter();
            try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, null)) {
                Iterable<? extends JavaFileObject> units = fm.getJavaFileObjectsFromPaths(files);
                boolean ok = javac.getTask(diagnostics, fm, null,
                        List.of("-proc:none", "--release", "17", "-classpath", nodeApi, "-d", out.toString()), null, units).call();
                if (!ok) {
                    throw new IllegalStateException("plugin sources do not compile:\n" + diagnostics);
                }
            }
            return new TestPlugins(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A self-contained plugin jar: the node, its contract and schema, its library, and the shared-package copy. */
    Path nodeJar(Path jar, String contractName) {
        return nodeJarWithContract(jar, contract(contractName));
    }

    /** {@link #nodeJar} with a contract of the caller's. */
    Path nodeJarWithContract(Path jar, String contractYaml) {
        return nodeEntries(contractYaml)
                .add("ai/omninode/onex/testlib/Greeting.class", classFile("ai/omninode/onex/testlib/Greeting.class"))
                .add("ai/omninode/onex/node/SharedProbe.class", classFile("ai/omninode/onex/node/SharedProbe.class"))
                .writeTo(jar);
    }

    /** The node without its library, for a plugin sub-folder whose library comes in a jar of its own. */
    Path nodeOnlyJar(Path jar, String contractName) {
        return nodeEntries(contract(contractName)).writeTo(jar);
    }

    /**
     * A plugin whose first registered node extends a class the jar leaves out (a dependency that was not bundled),
     * followed by a node that loads.
     */
    Path nodeWithoutItsSuperclassJar(Path jar, String contractName) {
        return nodeEntries(contract(contractName))
                .services(EffectNode.class, List.of(DERIVED_NODE_CLASS, NODE_CLASS))
                .add("ai/omninode/onex/testplugin/DerivedNode.class", classFile("ai/omninode/onex/testplugin/DerivedNode.class"))
                .add("ai/omninode/onex/testlib/Greeting.class", classFile("ai/omninode/onex/testlib/Greeting.class"))
                .writeTo(jar);
    }

    Path libraryJar(Path jar) {
        return jar().add("ai/omninode/onex/testlib/Greeting.class", classFile("ai/omninode/onex/testlib/Greeting.class"))
                .writeTo(jar);
    }

    private JarBuilder nodeEntries(String contractYaml) {
        return jar()
                .services(EffectNode.class, List.of(NODE_CLASS))
                .add("ai/omninode/onex/testplugin/GreetingNode.class", classFile("ai/omninode/onex/testplugin/GreetingNode.class"))
                .add("ai/omninode/onex/testplugin/effect_contract.yaml", contractYaml)
                .add("ai/omninode/onex/testplugin/greeting_input.schema.json", SCHEMA);
    }

    static String contract(String name) {
        return """
                name: %s
                version: {major: 0, minor: 1, patch: 0}
                description: Greets, with the plugin's own copy of a library
                node_type: effect
                input_model: ModelGreetingInput
                output_model: ModelGreetingOutput
                schemas:
                  input: greeting_input.schema.json
                io_operations:
                  - operation_type: greet
                """.formatted(name);
    }

    private byte[] classFile(String path) {
        try {
            return Files.readAllBytes(classes.resolve(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
