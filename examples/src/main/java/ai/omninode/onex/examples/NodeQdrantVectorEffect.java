package ai.omninode.onex.examples;

import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.node.ExecutionContext;
import ai.omninode.onex.node.NodeExecutionException;
import ai.omninode.onex.node.OnexException;
import java.net.URL;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * {@code qdrant_vector_effect}: stores a vector in a collection. An in-memory stand-in for Qdrant with the same
 * contract a real one would have: the collections exist up front ({@code QDRANT_COLLECTIONS}, comma-separated;
 * default {@code documents}), and an upsert into a collection that does not exist fails, as it would against
 * Qdrant. The failing example workflow relies on that. A collection keeps its latest {@value ExampleNodes#MAX_KEPT}
 * points, so a long-running host stays bounded.
 */
public final class NodeQdrantVectorEffect implements EffectNode {
    static final String NAME = "qdrant_vector_effect";
    static final String COLLECTIONS_SETTING = "QDRANT_COLLECTIONS";

    private final Map<String, Map<String, Map<String, Object>>> collections = new ConcurrentSkipListMap<>();

    @Override
    public URL contractLocation() {
        return ExampleNodes.contract(NAME);
    }

    /** Reads {@value #COLLECTIONS_SETTING} alone. */
    @Override
    public Set<String> settingNames() {
        return Set.of(COLLECTIONS_SETTING);
    }

    @Override
    public void initialize(Map<String, String> settings) {
        String names = settings.getOrDefault(COLLECTIONS_SETTING, "documents");
        for (String name : names.split(",")) {
            if (!name.isBlank()) {
                collections.put(name.strip(), ExampleNodes.bounded());
            }
        }
        if (collections.isEmpty()) {
            throw new OnexException(COLLECTIONS_SETTING + " names no collection: '" + names + "'");
        }
    }

    @Override
    public CompletionStage<Map<String, Object>> execute(Map<String, Object> input, ExecutionContext context) {
        return ExampleNodes.complete(() -> {
            ExampleNodes.checkDeadline(context, NAME);
            String collection = ExampleNodes.string(input, "collection", "documents");
            Map<String, Map<String, Object>> points = collections.get(collection);
            if (points == null) {
                // retriable: collections are often provisioned by another service, so a later attempt may find it
                throw new NodeExecutionException("collection '" + collection + "' does not exist (collections: "
                        + String.join(", ", collections.keySet()) + ")", Map.of("collection", collection), true, null);
            }
            String id = ExampleNodes.string(input, "vector_id", UUID.randomUUID().toString());
            List<Object> embedding = ExampleNodes.list(input, "embedding");
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("vector", List.copyOf(embedding));
            point.put("payload", Map.copyOf(ExampleNodes.map(input, "metadata")));
            points.put(id, point);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("success", true);
            out.put("collection", collection);
            out.put("point_id", id);
            out.put("points_in_collection", points.size());
            return out;
        });
    }

    @Override
    public Map<String, Object> metrics() {
        Map<String, Object> m = new LinkedHashMap<>();
        collections.forEach((name, points) -> m.put("points." + name, points.size()));
        return m;
    }

    @Override
    public void close() {
        collections.clear();
    }
}
