package ai.omninode.onex.cli.internal;

import ai.omninode.onex.runtime.NodeRegistry;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --plugins DIR}: folders of node plugin jars. Without it: {@code $ONEX_PLUGINS} (a path list), else the
 * {@code onex.plugins} system property (the launcher points it at the installation's plugins/ folder).
 */
public final class PluginOptions {
    @Option(names = "--plugins", paramLabel = "DIR",
            description = "A folder of node plugin jars (repeatable). Default: $ONEX_PLUGINS, else the installation's"
                    + " plugins/ folder, which --plugins replaces. Example: --plugins target/plugins --plugins"
                    + " $ONEX_HOME/plugins")
    List<Path> plugins = new ArrayList<>();

    public List<Path> directories() {
        if (!plugins.isEmpty()) {
            return plugins;
        }
        String list = System.getenv("ONEX_PLUGINS");
        if (list == null || list.isBlank()) {
            list = System.getProperty("onex.plugins");
        }
        List<Path> dirs = new ArrayList<>();
        if (list != null) {
            for (String p : list.split(File.pathSeparator)) {
                if (!p.isBlank()) {
                    dirs.add(Path.of(p));
                }
            }
        }
        return dirs;
    }

    /** Whether {@code --plugins} (or {@code $ONEX_PLUGINS}) replaces the installation's own plugins/ folder. */
    public boolean replacesInstallation() {
        String env = System.getenv("ONEX_PLUGINS");
        return !plugins.isEmpty() || (env != null && !env.isBlank());
    }

    /** Discovers nodes on the classpath and in the plugin folders; a bad plugin is a ValidationException. */
    public NodeRegistry discover() {
        return NodeRegistry.builder()
                .classLoader(PluginOptions.class.getClassLoader())
                .pluginDirectories(directories())
                .build();
    }
}
