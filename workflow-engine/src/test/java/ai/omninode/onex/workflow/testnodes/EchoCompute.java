package ai.omninode.onex.workflow.testnodes;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@code test_echo}: returns {@code {echo: <its input>, success: true}}. */
public final class EchoCompute extends TestNode {
    public EchoCompute() {
        super("test_echo");
    }

    @Override
    protected CompletionStage<Map<String, Object>> run(Map<String, Object> input) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("success", true);
        out.put("echo", input);
        return CompletableFuture.completedFuture(out);
    }
}
