package ai.omninode.onex.examples;

import ai.omninode.onex.node.ComputeNode;
import ai.omninode.onex.node.ExecutionContext;
import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code relationship_detection_compute}: relates entities that occur in the same sentence ({@code CO_OCCURS_WITH},
 * weighted by how close they stand). Without the text, consecutive entities are related.
 */
public final class NodeRelationshipDetectionCompute implements ComputeNode {
    static final String NAME = "relationship_detection_compute";
    /**
     * A sentence ends between two entities: a full stop, question or exclamation mark followed by white space or the
     * end of the text between them. Compiled once: it is asked for every pair of entities.
     */
    private static final Pattern SENTENCE_END = Pattern.compile("[.!?](\\s|$)");

    /** Reads no setting. */
    @Override
    public Set<String> settingNames() {
        return Set.of();
    }

    @Override
    public URL contractLocation() {
        return ExampleNodes.contract(NAME);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, Object> compute(Map<String, Object> input, ExecutionContext context) {
        List<Object> entities = ExampleNodes.list(input, "entities");
        String content = ExampleNodes.string(input, "content", null);
        List<Object> relationships = new ArrayList<>();
        for (int i = 0; i < entities.size(); i++) {
            for (int j = i + 1; j < entities.size(); j++) {
                Map<String, Object> a = (Map<String, Object>) entities.get(i);
                Map<String, Object> b = (Map<String, Object>) entities.get(j);
                boolean related = content == null ? j == i + 1 : sameSentence(content, a, b);
                if (related) {
                    int distance = Math.abs(position(b) - position(a));
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("source", a.get("text"));
                    r.put("target", b.get("text"));
                    r.put("type", "CO_OCCURS_WITH");
                    r.put("weight", Math.round(1000.0 / (1 + distance / 10.0)) / 1000.0);
                    relationships.add(r);
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("relationships", relationships);
        out.put("relationship_count", relationships.size());
        return out;
    }

    private static int position(Map<String, Object> entity) {
        return entity.get("start") instanceof Number n ? n.intValue() : 0;
    }

    private static boolean sameSentence(String content, Map<String, Object> a, Map<String, Object> b) {
        int from = Math.min(position(a), position(b));
        int to = Math.max(position(a), position(b));
        if (from < 0 || to > content.length()) {
            return false;
        }
        return !SENTENCE_END.matcher(content).region(from, to).find();
    }
}
