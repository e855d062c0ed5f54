package ai.omninode.onex.workflow.testnodes;

import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.node.ExecutionContext;
import ai.omninode.onex.node.NodeExecutionException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Nodes for runner tests, on the test classpath only. Their contracts are in test resources under
 * {@code testnodes/<name>/contract.yaml}. What they saw is kept in static fields, which tests reset.
 */
public abstract class TestNode implements EffectNode {
    /** Every input each node was called with, in call order, by node name. */
    public static final Map<String, List<Map<String, Object>>> CALLS = new ConcurrentHashMap<>();
    public static final Map<String, AtomicInteger> INITIALIZED = new ConcurrentHashMap<>();
    public static final Map<String, AtomicInteger> CLOSED = new ConcurrentHashMap<>();
    public static final Map<String, Map<String, String>> SETTINGS = new ConcurrentHashMap<>();
    /** The execution context of every call, in call order, by node name. */
    public static final Map<String, List<ExecutionContext>> CONTEXTS = new ConcurrentHashMap<>();

    public static void reset() {
        CALLS.clear();
        INITIALIZED.clear();
        CLOSED.clear();
        SETTINGS.clear();
        CONTEXTS.clear();
        FlakyEffect.ATTEMPTS.clear();
        FlakyEffect.TIMES.clear();
        BarrierCompute.clearLatches();
        HookCompute.HOOK.set(() -> { });
        HookCompute.OUTPUT.set(Map.of("success", true));
        HangEffect.IN_EXECUTE.set(() -> { });
    }

    public static List<Map<String, Object>> calls(String node) {
        return CALLS.getOrDefault(node, List.of());
    }

    public static List<ExecutionContext> contexts(String node) {
        return CONTEXTS.getOrDefault(node, List.of());
    }

    private final String name;

    protected TestNode(String name) {
        this.name = name;
    }

    @Override
    public URL contractLocation() {
        return TestNode.class.getResource(name + "/contract.yaml");
    }

    @Override
    public void initialize(Map<String, String> settings) {
        INITIALIZED.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        SETTINGS.put(name, Map.copyOf(settings));
    }

    @Override
    public final CompletionStage<Map<String, Object>> execute(Map<String, Object> input, ExecutionContext context) {
        CALLS.computeIfAbsent(name, k -> Collections.synchronizedList(new ArrayList<>())).add(input);
        CONTEXTS.computeIfAbsent(name, k -> Collections.synchronizedList(new ArrayList<>())).add(context);
        try {
            return run(input);
        } catch (NodeExecutionException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    protected abstract CompletionStage<Map<String, Object>> run(Map<String, Object> input);

    @Override
    public void close() {
        CLOSED.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
    }
}
