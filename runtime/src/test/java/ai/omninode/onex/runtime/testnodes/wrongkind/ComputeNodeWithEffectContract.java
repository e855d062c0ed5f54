package ai.omninode.onex.runtime.testnodes.wrongkind;

import ai.omninode.onex.node.ComputeNode;
import ai.omninode.onex.node.ExecutionContext;
import java.util.Map;

/** Registered: a compute node whose contract says it is an effect. */
public class ComputeNodeWithEffectContract implements ComputeNode {
    @Override
    public Map<String, Object> compute(Map<String, Object> input, ExecutionContext context) {
        return input;
    }
}
