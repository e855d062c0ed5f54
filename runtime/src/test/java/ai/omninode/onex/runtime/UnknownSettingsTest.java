package ai.omninode.onex.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.runtime.testnodes.echo.SettingsEchoNode;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link NodeRegistry#unknownSettings}: a setting given on purpose that no node reads is named, with a suggestion. */
class UnknownSettingsTest {
    @TempDir
    Path dir;

    /** A registry of the classpath nodes that {@code services} lists, and no other. */
    private NodeRegistry registryOf(Class<?>... services) throws IOException {
        Path file = dir.resolve("services");
        Files.writeString(file, String.join("\n", java.util.Arrays.stream(services).map(Class::getName).toList()));
        URL url = file.toUri().toURL();
        ClassLoader only = new ClassLoader(getClass().getClassLoader()) {
            @Override
            public Enumeration<URL> getResources(String name) throws IOException {
                return name.equals("META-INF/services/" + EffectNode.class.getName())
                        ? Collections.enumeration(List.of(url)) : super.getResources(name);
            }
        };
        return NodeRegistry.builder().classLoader(only).build();
    }

    @Test
    void namesTheNodesReadAndTheHostsOwnAreKnown() throws IOException {
        try (NodeRegistry registry = registryOf(SettingsEchoNode.class)) {
            assertThat(registry.unknownSettings(List.of("ECHO_PREFIX", "ECHO_OPT_X", "HOST_THING"), Set.of("HOST_THING")))
                    .isEmpty();
        }
    }

    @Test
    void aMisspelledNameIsReportedWithTheClosestKnownOne() throws IOException {
        try (NodeRegistry registry = registryOf(SettingsEchoNode.class)) {
            assertThat(registry.unknownSettings(List.of("ECHO_PERFIX"), Set.of()))
                    .containsExactly("ECHO_PERFIX is not a setting of any node here (did you mean 'ECHO_PREFIX'?)");
        }
    }

    @Test
    void aNameNothingIsCloseToIsReportedWithWhatTheNodesRead() throws IOException {
        try (NodeRegistry registry = registryOf(SettingsEchoNode.class)) {
            assertThat(registry.unknownSettings(List.of("SOMETHING_ELSE", "ECHO_OPT_"), Set.of("HOST_*")))
                    .as("a family's prefix alone is not one of its names")
                    .hasSize(2)
                    .allSatisfy(m -> assertThat(m).contains("is not a setting of any node here; the settings read here: ")
                            .contains("ECHO_PREFIX").contains("ECHO_OPT_*").contains("HOST_*"));
        }
    }

    @Test
    void aNodeThatDoesNotListItsSettingsMayReadAnyName() throws IOException {
        try (NodeRegistry registry = registryOf(ai.omninode.onex.runtime.testnodes.echo.EchoNode.class)) {
            assertThat(registry.require("test_echo").node().settingNames()).containsExactly("*");
            assertThat(registry.unknownSettings(List.of("ECHO_PERFIX", "ANYTHING"), Set.of())).isEmpty();
            assertThat(registry.unknownSettings(List.of(""), Set.of()))
                    .containsExactly("a setting needs a name: KEY=VALUE");
        }
    }
}
