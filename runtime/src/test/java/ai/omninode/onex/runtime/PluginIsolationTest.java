package ai.omninode.onex.runtime;

import static ai.omninode.onex.testing.JarBuilder.jar;
import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.runtime.internal.PluginClassLoader;
import ai.omninode.onex.runtime.internal.PluginNode;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plugin brings its own libraries, even another major version of one the host uses: here Jackson 2 (whose
 * annotations package, {@code com.fasterxml.jackson.annotation}, the host's Jackson 3 also has, in a newer version)
 * in a host that runs Jackson 3. The node is compiled at test time against the SPI and Jackson 2 only; the Jackson 2
 * jars sit in the plugin's folder and never on the test class path.
 */
class PluginIsolationTest {
    private static final String NODE = "ai.omninode.onex.testjackson2.Jackson2Node";
    private static final String SOURCE = """
            package ai.omninode.onex.testjackson2;

            import ai.omninode.onex.node.EffectNode;
            import ai.omninode.onex.node.ExecutionContext;
            import com.fasterxml.jackson.annotation.JsonProperty;
            import com.fasterxml.jackson.databind.ObjectMapper;
            import com.fasterxml.jackson.databind.cfg.PackageVersion;
            import java.util.HashMap;
            import java.util.Map;
            import java.util.concurrent.CompletableFuture;
            import java.util.concurrent.CompletionStage;

            public class Jackson2Node implements EffectNode {
                public static final class Doc {
                    @JsonProperty("doc_name")
                    public final String name;

                    Doc(String name) {
                        this.name = name;
                    }
                }

                private final ObjectMapper mapper = new ObjectMapper();

                @Override
                public void initialize(Map<String, String> settings) {
                }

                @Override
                public CompletionStage<Map<String, Object>> execute(Map<String, Object> input, ExecutionContext context) {
                    try {
                        Map<String, Object> out = new HashMap<>();
                        out.put("json", mapper.writeValueAsString(new Doc((String) input.get("name"))));
                        out.put("databind_version", PackageVersion.VERSION.toString());
                        out.put("databind_loader", ObjectMapper.class.getClassLoader());
                        out.put("annotations_loader", JsonProperty.class.getClassLoader());
                        out.put("key", context.idempotencyKey().orElse(null));
                        return CompletableFuture.completedFuture(out);
                    } catch (Exception e) {
                        return CompletableFuture.failedFuture(e);
                    }
                }

                @Override
                public void close() {
                }
            }
            """;
    private static final String CONTRACT = """
            name: test_jackson2
            version: {major: 1, minor: 0, patch: 0}
            description: Serializes with Jackson 2 inside a Jackson 3 host
            node_type: compute
            input_model: ModelDocInput
            output_model: ModelDocOutput
            """;

    @TempDir
    Path work;

    @Test
    void aPluginRunsWithItsOwnJackson2InsideAJackson3Host() throws Exception {
        List<Path> jackson2 = jackson2Jars();
        assertThat(jackson2).hasSize(3);
        Path pluginDir = Files.createDirectories(work.resolve("plugins/jackson2-node"));
        Path classes = compile(jackson2);
        jar().services(EffectNode.class, List.of(NODE))
                .addTree(classes, "")
                .add("ai/omninode/onex/testjackson2/effect_contract.yaml", CONTRACT)
                .writeTo(pluginDir.resolve("node.jar"));
        for (Path lib : jackson2) {
            Files.copy(lib, pluginDir.resolve(lib.getFileName()));
        }
        // the host's own Jackson: 3 for data binding, with a newer jackson-annotations
        Class<?> hostAnnotation = Class.forName("com.fasterxml.jackson.annotation.JsonProperty");
        assertThat(tools.jackson.databind.cfg.PackageVersion.VERSION.getMajorVersion()).isEqualTo(3);

        try (NodeRegistry registry = NodeRegistry.builder().scanClasspath(false)
                .pluginDirectory(work.resolve("plugins")).build()) {
            DiscoveredNode node = registry.require("test_jackson2");
            ClassLoader pluginLoader = ((PluginNode) node.node()).delegate().getClass().getClassLoader();
            assertThat(pluginLoader).isInstanceOf(PluginClassLoader.class);
            node.node().initialize(Map.of());

            Map<String, Object> out = node.node().execute(Map.of("name", "report.pdf"),
                    ai.omninode.onex.node.ExecutionContext.builder().idempotencyKey("run-1/step").build())
                    .toCompletableFuture().join();

            assertThat(out.get("json")).isEqualTo("{\"doc_name\":\"report.pdf\"}");
            assertThat((String) out.get("databind_version")).startsWith("2.17.");
            assertThat(out.get("databind_loader")).isSameAs(pluginLoader);
            assertThat(out.get("annotations_loader")).as("the plugin's jackson-annotations, not the host's")
                    .isSameAs(pluginLoader).isNotSameAs(hostAnnotation.getClassLoader());
            assertThat(out.get("key")).isEqualTo("run-1/step");
            node.node().close();
        }
    }

    private static List<Path> jackson2Jars() throws IOException {
        Path dir = Path.of(System.getProperty("onex.test.isolationLibs", "target/isolation-test-libs"));
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList();
        }
    }

    private Path compile(List<Path> jackson2) throws IOException, URISyntaxException {
        Path src = work.resolve("src/ai/omninode/onex/testjackson2/Jackson2Node.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, SOURCE);
        Path out = Files.createDirectories(work.resolve("classes"));
        List<String> classpath = new ArrayList<>();
        classpath.add(Path.of(EffectNode.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        jackson2.forEach(j -> classpath.add(j.toString()));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, null)) {
            boolean ok = javac.getTask(diagnostics, fm, null, List.of("-proc:none", "--release", "17", "-classpath",
                    String.join(java.io.File.pathSeparator, classpath), "-d", out.toString()), null,
                    fm.getJavaFileObjectsFromPaths(List.of(src))).call();
            assertThat(ok).as("compiles against the SPI and Jackson 2 alone:\n%s", diagnostics).isTrue();
        }
        return out;
    }
}
