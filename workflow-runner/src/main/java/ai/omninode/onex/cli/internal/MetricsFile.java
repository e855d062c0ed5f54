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
            throw new UncheckedIOException("cannot write the metrics to " + file + ": " + e.getMessage(), e);
        }
    }
}
