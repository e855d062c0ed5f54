package ai.omninode.onex.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ComputeNodeTest {

    /** Upper-cases {@code text}; a missing one is an error. */
    private static final class Shout implements ComputeNode {
        @Override
        public Map<String, Object> compute(Map<String, Object> input, ExecutionContext context) {
            return Map.of("text", ((String) input.get("text")).toUpperCase(java.util.Locale.ROOT));
        }
    }

    @Test
    void aComputeNodeSaysSoAndIsFreeOfSideEffects() {
        assertThat(new Shout().kind()).isEqualTo(NodeKind.COMPUTE);
        assertThat(NodeKind.COMPUTE.sideEffectFree()).isTrue();
        assertThat(NodeKind.REDUCER.sideEffectFree()).isTrue();
        assertThat(NodeKind.EFFECT.sideEffectFree()).isFalse();
        assertThat(NodeKind.ORCHESTRATOR.sideEffectFree()).isFalse();
    }

    @Test
    void bothExecuteMethodsRunCompute() {
        Shout node = new Shout();
        assertThat(node.execute(Map.of("text", "hi")).toCompletableFuture().join()).containsEntry("text", "HI");
        assertThat(node.execute(Map.of("text", "ho"), ExecutionContext.none()).toCompletableFuture().join())
                .containsEntry("text", "HO");
    }

    @Test
    void anExceptionFromComputeFailsTheStageAsNotRetriable() {
        CompletableFuture<Map<String, Object>> f = new Shout().execute(Map.of()).toCompletableFuture();
        assertThat(f).isCompletedExceptionally();
        Throwable cause = org.assertj.core.api.Assertions.catchThrowableOfType(CompletionException.class, f::join)
                .getCause();
        assertThat(cause).isInstanceOf(NodeExecutionException.class).hasMessageContaining("NullPointerException");
        assertThat(((NodeExecutionException) cause).retriable()).isFalse();
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable e) throws E {
        throw (E) e; // what Lombok's @SneakyThrows and Kotlin compile to: a checked exception nobody declared
    }

    @Test
    void aCheckedExceptionThrownWithoutBeingDeclaredFailsTheStageToo() {
        ComputeNode reads = new ComputeNode() {
            @Override
            public Map<String, Object> compute(Map<String, Object> input, ExecutionContext context) {
                throw sneaky(new java.io.IOException("disk gone"));
            }
        };

        CompletableFuture<Map<String, Object>> f = reads.execute(Map.of(), ExecutionContext.none()).toCompletableFuture();

        assertThat(f).isCompletedExceptionally();
        Throwable cause = org.assertj.core.api.Assertions.catchThrowableOfType(CompletionException.class, f::join)
                .getCause();
        assertThat(cause).isInstanceOf(NodeExecutionException.class).hasMessage("IOException: disk gone")
                .hasCauseInstanceOf(java.io.IOException.class);
    }

    @Test
    void anOldNodeThatImplementsOnlyExecuteWithoutAContextIsCalledThroughTheNewMethod() {
        EffectNode old = new EffectNode() {
            @Override
            public void initialize(Map<String, String> settings) {
            }

            @Override
            public java.util.concurrent.CompletionStage<Map<String, Object>> execute(Map<String, Object> input) {
                return CompletableFuture.completedFuture(Map.of("echo", input.get("x")));
            }

            @Override
            public void close() {
            }
        };
        assertThat(old.execute(Map.of("x", 1), ExecutionContext.builder().idempotencyKey("k").build())
                .toCompletableFuture().join()).containsEntry("echo", 1);
        assertThat(old.kind()).isEqualTo(NodeKind.EFFECT);
    }

    @Test
    void contractNamesMapBothWays() {
        for (NodeKind k : NodeKind.values()) {
            assertThat(NodeKind.ofContractName(k.contractName())).isEqualTo(k);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NodeKind.ofContractName("EFFECT"))
                .hasMessageContaining("unknown node_type 'EFFECT'");
    }
}
