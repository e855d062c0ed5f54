package ai.omninode.onex.examples;

import ai.omninode.onex.node.ExecutionContext;
import ai.omninode.onex.node.NodeExecutionException;
import java.net.URL;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** What the example nodes share: where their contracts are, and how a synchronous result becomes a stage. */
final class ExampleNodes {
    private ExampleNodes() {
    }

    /**
     * How many entries an in-memory stand-in keeps (points of a collection, graph nodes, graph edges, intents): the
     * latest ones. Under {@code onex serve} the example nodes run for as long as the host does, and a store that only
     * grows fills the heap: unbounded, 55,000 runs of document_ingestion kept 150 MB and young collections took
     * 80-114 ms.
     */
    static final int MAX_KEPT = 10_000;

    /** A thread-safe map that forgets its oldest entry past {@link #MAX_KEPT}. */
    static <K, V> Map<K, V> bounded() {
        return Collections.synchronizedMap(new LinkedHashMap<K, V>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > MAX_KEPT;
            }
        });
    }

    /** A thread-safe set that forgets its oldest element past {@link #MAX_KEPT}. */
    static <T> Set<T> boundedSet() {
        return Collections.newSetFromMap(bounded());
    }

    /** Each example node's contract is {@code contracts/<name>/contract.yaml} next to the classes. */
    static URL contract(String name) {
        return ExampleNodes.class.getResource("contracts/" + name + "/contract.yaml");
    }

    /**
     * Runs {@code work} now and returns its result as a completed stage, or a failed one: the SPI says a node
     * reports failure through the stage, never by throwing from {@code execute}.
     */
    static CompletionStage<Map<String, Object>> complete(Supplier<Map<String, Object>> work) {
        try {
            return CompletableFuture.completedFuture(work.get());
        } catch (NodeExecutionException e) {
            return CompletableFuture.failedFuture(e);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new NodeExecutionException(e.toString(), Map.of(), false, e));
        }
    }

    /**
     * Fails the call as retriable when its deadline passed before the effect started: nothing was done, so the runner
     * may try again. (An effect that may have started when its deadline passes would answer "not retriable".)
     */
    static void checkDeadline(ExecutionContext context, String node) {
        if (context.isExpired()) {
            throw new NodeExecutionException(node + ": the step's deadline passed before the write started; nothing"
                    + " was written", Map.of("error_type", "deadline_exceeded"), true, null);
        }
    }

    static String string(Map<String, Object> input, String key, String fallback) {
        Object v = input.get(key);
        return v instanceof String s ? s : fallback;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> input, String key) {
        Object v = input.get(key);
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Map<String, Object> input, String key) {
        Object v = input.get(key);
        return v instanceof List<?> l ? (List<Object>) l : List.of();
    }
}
