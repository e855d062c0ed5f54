package ai.omninode.onex.node;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A node that computes its output from its input and nothing else: no connection, no side effect, so a runner
 * may repeat it freely (after a timeout, say). Implement {@link #compute}; the rest has defaults.
 */
public interface ComputeNode extends EffectNode {

    /**
     * The output for {@code input}. Throw {@link NodeExecutionException} to fail with details; any other exception
     * fails the call as not retriable (the same input would fail the same way).
     */
    Map<String, Object> compute(Map<String, Object> input, ExecutionContext context);

    @Override
    default NodeKind kind() {
        return NodeKind.COMPUTE;
    }

    @Override
    default void initialize(Map<String, String> settings) {
        // nothing to prepare
    }

    @Override
    default CompletionStage<Map<String, Object>> execute(Map<String, Object> input, ExecutionContext context) {
        try {
            return CompletableFuture.completedFuture(compute(input, context));
        } catch (NodeExecutionException e) {
            return CompletableFuture.failedFuture(e);
        } catch (Exception e) { // a checked one too, thrown without being declared (Lombok's @SneakyThrows, Kotlin)
            // named as the runner names an effect node's exception: its simple class name and message
            String message = e.getMessage() == null ? e.getClass().getName()
                    : e.getClass().getSimpleName() + ": " + e.getMessage();
            return CompletableFuture.failedFuture(new NodeExecutionException(message, Map.of(), false, e));
        }
    }

    @Override
    default CompletionStage<Map<String, Object>> execute(Map<String, Object> input) {
        return execute(input, ExecutionContext.none());
    }

    @Override
    default void close() {
        // nothing to release
    }
}
