package ai.omninode.onex.examples;

import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.node.ExecutionContext;
import java.net.URL;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * {@code memgraph_graph_effect}: merges a document's entities (nodes) and relationships (edges) into a graph. An
 * in-memory stand-in for Memgraph with MERGE semantics: storing the same entity twice creates it once. It keeps the
 * latest {@value ExampleNodes#MAX_KEPT} nodes and edges, so a long-running host stays bounded.
 */
public final class NodeMemgraphGraphEffect implements EffectNode {
    static final String NAME = "memgraph_graph_effect";

    private final Set<String> nodes = ExampleNodes.boundedSet();
    private final Set<String> edges = ExampleNodes.boundedSet();

    @Override
    public URL contractLocation() {
        return ExampleNodes.contract(NAME);
    }

    /** Reads no setting. */
    @Override
    public Set<String> settingNames() {
        return Set.of();
    }

    @Override
    public void initialize(Map<String, String> settings) {
    }

    @Override
    public CompletionStage<Map<String, Object>> execute(Map<String, Object> input, ExecutionContext context) {
        return ExampleNodes.complete(() -> {
            ExampleNodes.checkDeadline(context, NAME);
            String document = (String) input.get("document_id");
            int nodesCreated = nodes.add("Document:" + document) ? 1 : 0;
            int edgesCreated = 0;
            for (Object o : ExampleNodes.list(input, "entities")) {
                Map<?, ?> e = (Map<?, ?>) o;
                String key = e.get("type") + ":" + e.get("text");
                nodesCreated += nodes.add(key) ? 1 : 0;
                edgesCreated += edges.add(document + "-MENTIONS->" + key) ? 1 : 0;
            }
            List<Object> relationships = ExampleNodes.list(input, "relationships");
            for (Object o : relationships) {
                Map<?, ?> r = (Map<?, ?>) o;
                edgesCreated += edges.add(r.get("source") + "-" + r.get("type") + "->" + r.get("target")) ? 1 : 0;
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("success", true);
            out.put("nodes_created", nodesCreated);
            out.put("edges_created", edgesCreated);
            out.put("graph_nodes", nodes.size());
            out.put("graph_edges", edges.size());
            return out;
        });
    }

    @Override
    public Map<String, Object> metrics() {
        return Map.of("graph_nodes", nodes.size(), "graph_edges", edges.size());
    }

    @Override
    public void close() {
        nodes.clear();
        edges.clear();
    }
}
