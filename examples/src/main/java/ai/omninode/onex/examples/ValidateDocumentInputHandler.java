package ai.omninode.onex.examples;

import ai.omninode.onex.node.ComputeNode;
import ai.omninode.onex.node.ExecutionContext;
import ai.omninode.onex.node.NodeExecutionException;
import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code validate_document_input}: the checks a schema cannot make. Types and required fields are the contract's
 * business (the runtime has checked them before this runs); this handler refuses blank content and documents over
 * {@code max_content_length} characters, and says which rule failed.
 */
public final class ValidateDocumentInputHandler implements ComputeNode {
    static final String NAME = "validate_document_input";
    static final int DEFAULT_MAX_CONTENT_LENGTH = 1_000_000;

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
    public Map<String, Object> compute(Map<String, Object> input, ExecutionContext context) {
        String id = (String) input.get("document_id");
        String content = (String) input.get("content");
        int max = input.get("max_content_length") instanceof Number n ? n.intValue() : DEFAULT_MAX_CONTENT_LENGTH;
        List<Object> checks = new ArrayList<>();
        if (content.isBlank()) {
            throw new NodeExecutionException("document '" + id + "' has no content");
        }
        checks.add("content_not_blank");
        if (content.length() > max) {
            throw new NodeExecutionException("document '" + id + "' has " + content.length()
                    + " characters, more than max_content_length " + max);
        }
        checks.add("content_length");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("valid", true);
        out.put("document_id", id);
        out.put("content_length", content.length());
        out.put("checks", checks);
        return out;
    }
}
