package ai.omninode.onex.runtime.testnodes.echo;

import ai.omninode.onex.node.EffectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A classpath node for registry tests: returns its input with {@code echoed: true}. */
public class EchoNode implements EffectNode {
    @Override
    public void initialize(Map<String, String> settings) {
    }

    @Override
    public CompletionStage<Map<String, Object>> execute(Map<String, Object> input) {
        Map<String, Object> output = new LinkedHashMap<>(input);
        output.put("echoed", true);
        return CompletableFuture.completedFuture(output);
    }

    @Override
    public void close() {
    }
}
