package ai.omninode.onex.runtime.testnodes.noexecute;

import ai.omninode.onex.node.EffectNode;
import java.util.Map;

/** Registered, but implements neither execute method: calling either would recurse for ever. */
public class NoExecuteNode implements EffectNode {
    @Override
    public void initialize(Map<String, String> settings) {
    }

    @Override
    public void close() {
    }
}
