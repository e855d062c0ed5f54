package ai.omninode.onex.host.testnodes;

import ai.omninode.onex.node.ComputeNode;
import ai.omninode.onex.node.ExecutionContext;
import java.net.URL;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code test_gate}: runs what the test put in {@link #ON_INITIALIZE} when it starts (hold a host's start, say), and
 * what it put in {@link #ON_COMPUTE} in every call (block the calling thread, say).
 */
public final class GateCompute implements ComputeNode {
    public static final AtomicReference<Runnable> ON_INITIALIZE = new AtomicReference<>(() -> { });
    public static final AtomicReference<Runnable> ON_COMPUTE = new AtomicReference<>(() -> { });

    @Override
    public URL contractLocation() {
        return GateCompute.class.getResource("test_gate/contract.yaml");
    }

    @Override
    public void initialize(Map<String, String> settings) {
        ON_INITIALIZE.get().run();
    }

    @Override
    public Map<String, Object> compute(Map<String, Object> input, ExecutionContext context) {
        ON_COMPUTE.get().run();
        return Map.of("success", true, "echo", input);
    }
}
