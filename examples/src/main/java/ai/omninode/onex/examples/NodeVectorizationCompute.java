package ai.omninode.onex.examples;

import ai.omninode.onex.node.ComputeNode;
import ai.omninode.onex.node.ExecutionContext;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * {@code vectorization_compute}: turns a document's text into an embedding. A stand-in for a model: the feature
 * hashing trick (each lower-cased word adds ±1 to one of {@code dimensions} buckets), L2-normalized, so equal
 * texts get equal vectors and the example needs no model download.
 *
 * <p>This is the one example written out in full against the SPI; the others follow the same shape.
 */
public final class NodeVectorizationCompute implements ComputeNode {
    static final String NAME = "vectorization_compute";
    static final int DEFAULT_DIMENSIONS = 16;
    /** What separates words; compiled once (String.split would compile it for every document). */
    private static final Pattern NOT_A_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");

    private final AtomicLong vectorized = new AtomicLong();

    /** ServiceLoader needs a public no-argument constructor; it must stay cheap. */
    public NodeVectorizationCompute() {
    }

    /** Reads no setting. */
    @Override
    public Set<String> settingNames() {
        return Set.of();
    }

    @Override
    public URL contractLocation() {
        return ExampleNodes.contract(NAME);
    }

    /** The runtime has checked {@code input} against the contract's input schema already. */
    @Override
    public Map<String, Object> compute(Map<String, Object> input, ExecutionContext context) {
        String content = (String) input.get("content");
        int dimensions = input.get("dimensions") instanceof Number n ? n.intValue() : DEFAULT_DIMENSIONS;
        double[] vector = new double[dimensions];
        int tokens = 0;
        for (String word : NOT_A_WORD.split(content.toLowerCase(Locale.ROOT))) {
            if (word.isEmpty()) {
                continue;
            }
            tokens++;
            int h = word.hashCode();
            vector[Math.floorMod(h, dimensions)] += (h >>> 31) == 0 ? 1.0 : -1.0;
        }
        double norm = 0;
        for (double v : vector) {
            norm += v * v;
        }
        norm = Math.sqrt(norm);
        List<Object> embedding = new ArrayList<>(dimensions);
        for (double v : vector) {
            embedding.add(norm == 0 ? 0.0 : Math.round(v / norm * 1e6) / 1e6);
        }
        vectorized.incrementAndGet();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("success", true);
        out.put("vector_id", UUID.nameUUIDFromBytes(content.getBytes(StandardCharsets.UTF_8)).toString());
        out.put("dimensions", dimensions);
        out.put("embedding", embedding);
        out.put("token_count", tokens);
        out.put("model", "feature-hashing-v1");
        return out;
    }

    @Override
    public Map<String, Object> metrics() {
        return Map.of("documents_vectorized", vectorized.get());
    }
}
