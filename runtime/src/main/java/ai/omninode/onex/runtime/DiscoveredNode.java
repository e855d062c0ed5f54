package ai.omninode.onex.runtime;

import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.node.NodeKind;
import ai.omninode.onex.runtime.internal.PluginNode;

/**
 * A node that {@link NodeRegistry} found, with its validated contract.
 *
 * @param name the contract's name, which workflows refer to
 * @param node the instance; the host initializes and closes it
 * @param origin where the node class came from: a plugin jar or folder, or a classpath location
 * @param plugin whether it came from a plugin folder (and so has a class loader of its own)
 */
public record DiscoveredNode(String name, NodeContract contract, EffectNode node, String origin, boolean plugin) {

    public String version() {
        return contract.version().toString();
    }

    /**
     * The kind the contract declares ({@code node_type}); discovery made sure the node's own
     * {@link EffectNode#kind()} does not contradict it.
     */
    public NodeKind kind() {
        return NodeKind.ofContractName(contract.nodeType());
    }

    public String className() {
        return node instanceof PluginNode p ? p.delegate().getClass().getName()
                : node.getClass().getName();
    }
}
