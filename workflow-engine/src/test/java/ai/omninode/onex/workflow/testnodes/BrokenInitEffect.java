package ai.omninode.onex.workflow.testnodes;

import ai.omninode.onex.node.OnexException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@code test_broken_init}: initialize fails unless the setting TEST_BROKEN_INIT_OK is "true". */
public final class BrokenInitEffect extends TestNode {
    public BrokenInitEffect() {
        super("test_broken_init");
    }

    @Override
    public void initialize(Map<String, String> settings) {
        super.initialize(settings);
        if ("loop".equals(settings.get("TEST_BROKEN_INIT_OK"))) {
            // an exception whose causes loop: Java allows it, and a loop over causes must still end
            RuntimeException a = new RuntimeException("a");
            RuntimeException b = new IllegalStateException("b", a);
            a.initCause(b);
            throw b;
        }
        if ("error".equals(settings.get("TEST_BROKEN_INIT_OK"))) {
            throw new StackOverflowError("deep inside initialize");
        }
        if (!"true".equals(settings.get("TEST_BROKEN_INIT_OK"))) {
            throw new OnexException("TEST_BROKEN_INIT_OK is not set to true");
        }
    }

    @Override
    protected CompletionStage<Map<String, Object>> run(Map<String, Object> input) {
        return CompletableFuture.completedFuture(Map.of("success", true));
    }
}
