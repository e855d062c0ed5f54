package ai.omninode.onex.workflow.testnodes;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code test_hang_effect}: an effect node that never answers, not even at its deadline; before it returns its
 * future, it runs what the test put in {@link #IN_EXECUTE} (block the calling thread, say).
 */
public final class HangEffect extends TestNode {
    public static final AtomicReference<Runnable> IN_EXECUTE = new AtomicReference<>(() -> { });

    public HangEffect() {
        super("test_hang_effect");
    }

    @Override
    protected CompletionStage<Map<String, Object>> run(Map<String, Object> input) {
        IN_EXECUTE.get().run();
        return new CompletableFuture<>();
    }
}
