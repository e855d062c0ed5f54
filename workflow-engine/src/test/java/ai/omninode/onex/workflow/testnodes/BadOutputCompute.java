package ai.omninode.onex.workflow.testnodes;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@code test_bad_output}: returns a count as a string, which its own output schema forbids. */
public final class BadOutputCompute extends TestNode {
    public BadOutputCompute() {
        super("test_bad_output");
    }

    @Override
    protected CompletionStage<Map<String, Object>> run(Map<String, Object> input) {
        return CompletableFuture.completedFuture(Map.of("count", "three"));
    }
}
