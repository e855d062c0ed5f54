package ai.omninode.onex.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/** Builds small jars for tests: entries from text, bytes, or whole folders (compiled classes, resources). */
public final class JarBuilder {
    private final Map<String, byte[]> entries = new LinkedHashMap<>();

    public static JarBuilder jar() {
        return new JarBuilder();
    }

    public JarBuilder add(String entry, String text) {
        return add(entry, text.getBytes(StandardCharsets.UTF_8));
    }

    public JarBuilder add(String entry, byte[] bytes) {
        entries.put(entry, bytes);
        return this;
    }

    /** Every file under {@code dir}, at {@code prefix} + its path relative to {@code dir}. */
    public JarBuilder addTree(Path dir, String prefix) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String relative = dir.relativize(f).toString().replace('\\', '/');
                add(prefix + relative, Files.readAllBytes(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Registers service providers, as {@code META-INF/services/<service>} lists them. */
    public JarBuilder services(Class<?> service, List<String> providers) {
        return add("META-INF/services/" + service.getName(), String.join("\n", providers) + "\n");
    }

    public Path writeTo(Path jar) {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try {
            Files.createDirectories(jar.toAbsolutePath().getParent());
            try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
                for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                    out.putNextEntry(new JarEntry(e.getKey()));
                    out.write(e.getValue());
                    out.closeEntry();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return jar;
    }
}
