package ai.omninode.onex.workflow.testnodes;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@code test_hang}: never answers (for timeouts). */
public final class HangCompute extends TestNode {
    public HangCompute() {
        super("test_hang");
    }

    @Override
    protected CompletionStage<Map<String, Object>> run(Map<String, Object> input) {
        return new CompletableFuture<>();
    }
}
