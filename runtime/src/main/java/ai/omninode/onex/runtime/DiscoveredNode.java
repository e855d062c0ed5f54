package ai.omninode.onex.runtime;

import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.node.NodeKind;
import ai.omninode.onex.runtime.internal.PluginNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.LoggerFactory;

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

    /**
     * Binds the node's meters into {@code registry} if the node keeps any (it is a Micrometer {@link MeterBinder}),
     * with a plugin's class loader as the thread's context class loader; returns whether it did. A binder that fails
     * is logged and skipped: meters are never worth failing a node for.
     */
    public boolean bindMeters(MeterRegistry registry) {
        EffectNode target = node instanceof PluginNode p ? p.delegate() : node;
        if (!(target instanceof MeterBinder binder)) {
            return false;
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(target.getClass().getClassLoader());
        try {
            binder.bindTo(registry);
            return true;
        } catch (RuntimeException | LinkageError e) {
            LoggerFactory.getLogger(DiscoveredNode.class).warn("Node {}: its meters could not be bound: {}", name, e.toString());
            return false;
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    public String className() {
        return node instanceof PluginNode p ? p.delegate().getClass().getName()
                : node.getClass().getName();
    }
}
