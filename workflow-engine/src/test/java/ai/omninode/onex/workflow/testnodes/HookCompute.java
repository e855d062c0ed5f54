package ai.omninode.onex.workflow.testnodes;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/** {@code test_hook}: runs what the test put in {@link #HOOK} (stop a broker between two steps, say). */
public final class HookCompute extends TestNode {
    public static final AtomicReference<Runnable> HOOK = new AtomicReference<>(() -> { });
    /** What it answers: {@code success: true} unless a test says otherwise. */
    public static final AtomicReference<Map<String, Object>> OUTPUT = new AtomicReference<>(Map.of("success", true));

    public HookCompute() {
        super("test_hook");
    }

    @Override
    protected CompletionStage<Map<String, Object>> run(Map<String, Object> input) {
        HOOK.get().run();
        return CompletableFuture.completedFuture(OUTPUT.get());
    }
}
