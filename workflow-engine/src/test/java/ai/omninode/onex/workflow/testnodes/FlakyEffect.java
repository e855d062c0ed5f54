package ai.omninode.onex.workflow.testnodes;

import ai.omninode.onex.node.NodeExecutionException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code test_flaky}: fails the first {@code failures} calls for a {@code key}, then succeeds with
 * {@code {success: true, attempts: n}}. {@code mode: success_false} fails by output instead of by exception
 * ({@code success_false_retriable}: an output that says {@code retriable: true}).
 */
public final class FlakyEffect extends TestNode {
    static final Map<String, AtomicInteger> ATTEMPTS = new ConcurrentHashMap<>();
    /** When each attempt happened, by key, in nanoseconds. */
    public static final Map<String, java.util.List<Long>> TIMES = new ConcurrentHashMap<>();

    public FlakyEffect() {
        super("test_flaky");
    }

    @Override
    protected CompletionStage<Map<String, Object>> run(Map<String, Object> input) {
        String key = (String) input.get("key");
        int failures = ((Number) input.get("failures")).intValue();
        int attempt = ATTEMPTS.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        TIMES.computeIfAbsent(key, k -> java.util.Collections.synchronizedList(new java.util.ArrayList<>()))
                .add(System.nanoTime());
        if (attempt <= failures) {
            if ("success_false".equals(input.get("mode"))) {
                return CompletableFuture.completedFuture(Map.of("success", false, "error",
                        "refused attempt " + attempt + " of " + key, "attempts", attempt));
            }
            if ("success_false_retriable".equals(input.get("mode"))) { // refused, saying that nothing happened
                return CompletableFuture.completedFuture(Map.of("success", false, "error",
                        "refused attempt " + attempt + " of " + key, "attempts", attempt, "retriable", true));
            }
            if ("throw_not_retriable".equals(input.get("mode"))) {
                throw new NodeExecutionException("attempt " + attempt + " of " + key + " failed for good",
                        Map.of("error_type", "non_retriable", "attempt", attempt, "topic", "t", "partition", 0,
                                "offset", 7), false, null);
            }
            if ("circuit_open".equals(input.get("mode"))) { // as the Kafka node fails once Kafka stopped answering
                throw new NodeExecutionException("circuit breaker open for attempt " + attempt + " of " + key,
                        Map.of("error_type", "circuit_open"), false, null);
            }
            if ("throw_runtime".equals(input.get("mode"))) { // says nothing about whether the effect happened
                throw new IllegalStateException("attempt " + attempt + " of " + key + " broke");
            }
            throw new NodeExecutionException("attempt " + attempt + " of " + key + " failed");
        }
        return CompletableFuture.completedFuture(Map.of("success", true, "attempts", attempt));
    }
}
