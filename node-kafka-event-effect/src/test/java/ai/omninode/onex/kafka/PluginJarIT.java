package ai.omninode.onex.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.runtime.DiscoveredNode;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.runtime.internal.PluginClassLoader;
import ai.omninode.onex.runtime.internal.PluginNode;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shaded plugin jar, on its own in a folder, is found, initialized from settings, and publishes. */
class PluginJarIT {
    private static EmbeddedKafkaBroker broker;
    private static Path pluginJar;

    @BeforeAll
    static void setUp() throws IOException {
        broker = SharedKafkaBroker.get();
        Path target = Path.of(System.getProperty("onex.pluginJarDir", "target"));
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(target, "onex-node-kafka-event-effect-*-plugin.jar")) {
            pluginJar = jars.iterator().next();
        }
    }

    static Map<String, String> settings(String prefix) {
        return Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "KAFKA_TOPIC_PREFIX", prefix,
                "PATH", "/usr/bin");
    }

    static Map<String, Object> input() {
        return Map.of("topic", "enrichment.completed.v1", "event_type", "DOCUMENT_INGESTED",
                "payload", Map.of("document_id", "doc-123", "entities_count", 42),
                "correlation_id", UUID.randomUUID().toString());
    }

    static void assertConsumed(Map<String, Object> output) {
        List<ConsumerRecord<byte[], byte[]>> records = Consumers.readAll(broker.bootstrapServers(),
                (String) output.get("topic"), 1, Duration.ofSeconds(30));
        assertThat(records).hasSize(1);
        assertThat(records.get(0).offset()).isEqualTo(output.get("offset"));
        assertThat(new String(records.get(0).value())).contains((String) output.get("event_id"));
    }

    @Test
    void theNodeRegistryFindsThePluginJarInAFolderAndItPublishes(@TempDir Path plugins) throws Exception {
        Files.copy(pluginJar, plugins.resolve(pluginJar.getFileName()));
        String prefix = Topics.unique("plugin");

        try (NodeRegistry registry = NodeRegistry.builder().scanClasspath(false).pluginDirectory(plugins).build()) {
            DiscoveredNode found = registry.require("kafka_event_effect");
            assertThat(found.plugin()).isTrue();
            assertThat(found.version()).isEqualTo("1.0.0");
            assertThat(found.className()).isEqualTo(NodeKafkaEventEffect.class.getName());
            EffectNode inner = ((PluginNode) found.node()).delegate();
            assertThat(inner.getClass().getClassLoader()).isInstanceOf(PluginClassLoader.class);
            assertThat(inner.getClass()).isNotSameAs(NodeKafkaEventEffect.class);

            EffectNode node = found.node();
            node.initialize(settings(prefix));
            try {
                Map<String, Object> output = node.execute(input()).toCompletableFuture().get(30, TimeUnit.SECONDS);
                assertThat(output).containsEntry("success", true)
                        .containsEntry("topic", prefix + ".enrichment.completed.v1");
                assertConsumed(output);
                assertThat(node.metrics()).containsEntry("events_published", 1L);
            } finally {
                node.close();
            }
        }
    }

    @Test
    void aPlainServiceLoaderFindsTheNodeInTheJarAlone(@TempDir Path plugins) throws Exception {
        Path jar = Files.copy(pluginJar, plugins.resolve("node.jar"));
        String prefix = Topics.unique("loader");
        ClassLoader host = new WithoutThisNode(PluginJarIT.class.getClassLoader());

        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, host)) {
            List<ServiceLoader.Provider<EffectNode>> providers = ServiceLoader.load(EffectNode.class, loader).stream().toList();
            assertThat(providers).hasSize(1);
            Class<? extends EffectNode> type = providers.get(0).type();
            assertThat(type.getName()).isEqualTo(NodeKafkaEventEffect.class.getName());
            assertThat(type.getClassLoader()).isSameAs(loader);
            assertThat(type.getProtectionDomain().getCodeSource().getLocation()).isEqualTo(jar.toUri().toURL());

            EffectNode node = providers.get(0).get();
            assertThat(node.contractLocation().toString()).startsWith("jar:").endsWith("ai/omninode/onex/kafka/effect_contract.yaml");
            node.initialize(settings(prefix));
            try {
                Map<String, Object> output = node.execute(input()).toCompletableFuture().get(30, TimeUnit.SECONDS);
                assertThat(output).containsEntry("success", true);
                assertConsumed(output);
            } finally {
                node.close();
            }
        }
    }

    /** The test's class path, minus this module's classes and resources: what a host without the node sees. */
    static final class WithoutThisNode extends ClassLoader {
        static {
            registerAsParallelCapable();
        }

        WithoutThisNode(ClassLoader parent) {
            super(parent);
        }

        private static boolean hidden(String name) {
            String n = name.replace('/', '.');
            return (n.startsWith("ai.omninode.onex.kafka.") && !n.startsWith("ai.omninode.onex.kafka.embedded."))
                    || n.equals("META-INF.services.ai.omninode.onex.node.EffectNode");
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (hidden(name)) {
                throw new ClassNotFoundException(name);
            }
            return super.loadClass(name, resolve);
        }

        @Override
        public URL getResource(String name) {
            return hidden(name) ? null : super.getResource(name);
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            return hidden(name) ? Collections.emptyEnumeration() : super.getResources(name);
        }
    }
}
