package ai.omninode.onex.cli.internal;

import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.distribution.HistogramSupport;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code onex run --metrics FILE}: every meter of the run (the runner's and the nodes') once, at the end, as JSON:
 * {@code {"meters": [{"name", "type", "tags": {...}, "base_unit", "measurements": {"count": ..., ...},
 * "percentiles": {"0.5": ..., ...}}]}}, sorted by name and tags. Times are in the meter's base unit (seconds).
 */
public final class MetricsFile {
    private static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private MetricsFile() {
    }

    public static void write(MeterRegistry registry, Path file) {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode meters = root.putArray("meters");
        List<Meter> sorted = registry.getMeters().stream()
                .sorted(Comparator.comparing((Meter m) -> m.getId().getName()).thenComparing(m -> m.getId().getTags().toString()))
                .toList();
        for (Meter m : sorted) {
            ObjectNode o = meters.addObject();
            o.put("name", m.getId().getName());
            o.put("type", m.getId().getType().name().toLowerCase(java.util.Locale.ROOT));
            ObjectNode tags = o.putObject("tags");
            for (Tag t : m.getId().getTagsAsIterable()) {
                tags.put(t.getKey(), t.getValue());
            }
            if (m.getId().getBaseUnit() != null) {
                o.put("base_unit", m.getId().getBaseUnit());
            }
            ObjectNode values = o.putObject("measurements");
            for (Measurement v : m.measure()) {
                double d = v.getValue();
                if (Double.isFinite(d)) {
                    values.put(v.getStatistic().getTagValueRepresentation(), d);
                }
            }
            if (m instanceof HistogramSupport h) {
                ValueAtPercentile[] percentiles = h.takeSnapshot().percentileValues();
                if (percentiles.length > 0) {
                    ObjectNode p = o.putObject("percentiles");
                    for (ValueAtPercentile v : percentiles) {
                        p.put(Double.toString(v.percentile()), v.value(java.util.concurrent.TimeUnit.SECONDS));
                    }
                }
            }
        }
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, MAPPER.writeValueAsString(root) + "\n");
        } catch (IOException e) {
            String why = whyNotWritable(file);
            throw new UncheckedIOException(file + ": " + (why != null ? why : describe(e)), e);
        }
    }

    /**
     * Why {@code file} cannot be written (created, with the folders it needs), or null when it looks writable: checked
     * before a run, so that a typo in a path costs no run. Creates no folder; a file it creates to try is deleted at once.
     */
    public static String whyNotWritable(Path file) {
        Path path = file.toAbsolutePath().normalize();
        if (Files.isDirectory(path)) {
            return "is a folder";
        }
        if (Files.exists(path)) {
            return Files.isWritable(path) ? null : "is not writable (permission denied)";
        }
        // the nearest part of the path that exists must be a folder this process can write into
        for (Path p = path.getParent(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p)) {
                if (!Files.isWritable(p)) {
                    return "cannot be created: " + p + " is not writable (permission denied)";
                }
                return p.equals(path.getParent()) ? tryCreating(path) : null;
            }
            if (Files.exists(p)) {
                return "cannot be created: " + p + " is a file, not a folder";
            }
        }
        return null;
    }

    /**
     * Creates the file and deletes it again: a folder that looks writable may still take no new file (/proc, /sys)
     * or not this name (too long); the run would find out only after its effects happened.
     */
    private static String tryCreating(Path file) {
        try {
            Files.delete(Files.createFile(file));
            return null;
        } catch (java.nio.file.NoSuchFileException e) {
            return "cannot be created: the file system takes no new file there";
        } catch (java.nio.file.FileSystemException e) {
            return "cannot be created: " + (e.getReason() != null ? e.getReason() : describe(e));
        } catch (IOException | RuntimeException e) {
            return "cannot be created: " + e.getMessage();
        }
    }

    /** An I/O error in words: Java's messages for these are only the path. */
    private static String describe(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException f) {
            return f.getFile() + " is a file, not a folder";
        }
        if (e instanceof java.nio.file.NoSuchFileException f) {
            return "no such folder: " + (f.getFile() == null ? "" : f.getFile());
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
