package ai.omninode.onex.workflow.testnodes;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@code test_hang_effect}: an effect node that never answers, not even at its deadline. */
public final class HangEffect extends TestNode {
    public HangEffect() {
        super("test_hang_effect");
    }

    @Override
    protected CompletionStage<Map<String, Object>> run(Map<String, Object> input) {
        return new CompletableFuture<>();
    }
}
