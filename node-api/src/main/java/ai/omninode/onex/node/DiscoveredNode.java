package ai.omninode.onex.node;

import ai.omninode.onex.contract.NodeContract;

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

    public String className() {
        return node instanceof ai.omninode.onex.node.internal.PluginNode p ? p.delegate().getClass().getName()
                : node.getClass().getName();
    }
}
