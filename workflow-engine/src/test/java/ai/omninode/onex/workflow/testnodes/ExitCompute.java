package ai.omninode.onex.workflow.testnodes;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * {@code test_exit}: calls {@code System.exit(status)} ({@code status} from the input, 0 if none), as a node author's
 * mistake would: for the CLI's process tests only (in-process, it would end the test JVM).
 */
public final class ExitCompute extends TestNode {
    public ExitCompute() {
        super("test_exit");
    }

    @Override
    protected CompletionStage<Map<String, Object>> run(Map<String, Object> input) {
        Object status = input.get("status");
        System.exit(status instanceof Number n ? n.intValue() : 0);
        throw new AssertionError("System.exit returned");
    }
}
