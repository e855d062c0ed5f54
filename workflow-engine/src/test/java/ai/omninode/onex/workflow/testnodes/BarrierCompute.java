package ai.omninode.onex.workflow.testnodes;

import ai.omninode.onex.node.NodeExecutionException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code test_barrier}: arrives at the latch named {@code barrier} (which waits for {@code parties} arrivals) and
 * completes when all have arrived, or fails after 10 s. Only steps that really run at the same time get through.
 */
public final class BarrierCompute extends TestNode {
    private static final Map<String, CountDownLatch> LATCHES = new ConcurrentHashMap<>();

    public BarrierCompute() {
        super("test_barrier");
    }

    static void clearLatches() {
        LATCHES.clear();
    }

    @Override
    protected CompletionStage<Map<String, Object>> run(Map<String, Object> input) {
        String barrier = (String) input.get("barrier");
        int parties = ((Number) input.get("parties")).intValue();
        CountDownLatch latch = LATCHES.computeIfAbsent(barrier, k -> new CountDownLatch(parties));
        latch.countDown();
        return CompletableFuture.supplyAsync(() -> {
            try {
                if (!latch.await(10, TimeUnit.SECONDS)) {
                    throw new NodeExecutionException("only " + (parties - latch.getCount()) + " of " + parties
                            + " parties reached barrier " + barrier);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NodeExecutionException("interrupted");
            }
            return Map.of("party", input.get("party"));
        });
    }
}
