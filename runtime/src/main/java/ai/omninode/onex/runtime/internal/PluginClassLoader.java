package ai.omninode.onex.runtime.internal;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The class loader of one plugin: child-first, so a plugin brings its own version of any library (Jackson, Kafka,
 * a JSON Schema validator, ...), except for the packages it must share with the host, listed in {@link #SHARED}: the
 * JDK, the ONEX SPI ({@code ai.omninode.onex.node}, whose types cross between host and node), the logging API
 * (SLF4J, so that a plugin logs where the host does) and the metrics API (Micrometer, so that a node's meters land in
 * the host's registry: a node that is a {@code MeterBinder} is bound to it). For those, the host's classes win over a
 * copy the plugin carries (the Kafka node bundles Micrometer for its Java callers; in a host that copy goes unused, but
 * for {@link #PLUGIN_OWN}); a shared class the host lacks is still found in the plugin. This list is the only one:
 * node builds keep the SPI and SLF4J out of their plugin jars by declaring them {@code provided}.
 */
public final class PluginClassLoader extends URLClassLoader {
    static {
        ClassLoader.registerAsParallelCapable();
    }

    /** Package prefixes a plugin shares with the host: the one list (see the class comment). */
    public static final List<String> SHARED = List.of(
            "java.", "javax.", "jdk.", "sun.", "com.sun.", "org.w3c.", "org.xml.", "org.ietf.jgss.",
            "org.slf4j.",
            "io.micrometer.",
            "ai.omninode.onex.node.");

    /**
     * Inside shared packages, what a plugin still loads itself: Micrometer's binder for Kafka clients takes the
     * plugin's own kafka-clients types (a producer or consumer), so it must link against the plugin's copy of them.
     */
    public static final List<String> PLUGIN_OWN = List.of("io.micrometer.core.instrument.binder.kafka.");

    private final String origin;

    public PluginClassLoader(String origin, URL[] urls, ClassLoader parent) {
        super("onex-plugin:" + origin, urls, parent);
        this.origin = origin;
    }

    public String origin() {
        return origin;
    }

    static boolean shared(String name) {
        for (int i = 0; i < PLUGIN_OWN.size(); i++) {
            if (name.startsWith(PLUGIN_OWN.get(i))) {
                return false;
            }
        }
        for (int i = 0; i < SHARED.size(); i++) {
            String prefix = SHARED.get(i);
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (shared(name)) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                try {
                    c = findClass(name);
                } catch (ClassNotFoundException e) {
                    c = getParent().loadClass(name);
                }
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    @Override
    public URL getResource(String name) {
        String asClass = name.replace('/', '.');
        if (shared(asClass)) {
            return super.getResource(name);
        }
        URL url = findResource(name);
        return url != null ? url : getParent().getResource(name);
    }

    /**
     * The plugin's own resources, then the host's; for shared packages the host's first, in the order
     * {@link #getResource} picks them. A jar on both the host class path and the plugin's is listed once.
     */
    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        List<URL> own = Collections.list(findResources(name));
        List<URL> host = Collections.list(getParent().getResources(name));
        Map<String, URL> urls = new LinkedHashMap<>();
        for (URL url : shared(name.replace('/', '.')) ? concat(host, own) : concat(own, host)) {
            urls.putIfAbsent(url.toExternalForm(), url); // URL.equals may resolve host names
        }
        return Collections.enumeration(urls.values());
    }

    private static List<URL> concat(List<URL> first, List<URL> then) {
        List<URL> all = new ArrayList<>(first);
        all.addAll(then);
        return all;
    }

    @Override
    public String toString() {
        return "PluginClassLoader[" + origin + "]";
    }
}
