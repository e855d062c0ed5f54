package ai.omninode.onex.runtime.internal;

import ai.omninode.onex.node.EffectNode;
import ai.omninode.onex.node.ExecutionContext;
import ai.omninode.onex.node.NodeKind;
import java.net.URL;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Runs every call into a plugin node with the plugin's class loader as the thread's context class loader, as
 * libraries such as kafka-clients load classes by name through it.
 */
public final class PluginNode implements EffectNode {
    private final EffectNode delegate;
    private final ClassLoader loader;

    public PluginNode(EffectNode delegate, ClassLoader loader) {
        this.delegate = delegate;
        this.loader = loader;
    }

    public EffectNode delegate() {
        return delegate;
    }

    @Override
    public URL contractLocation() {
        return in(delegate::contractLocation);
    }

    @Override
    public NodeKind kind() {
        return in(delegate::kind);
    }

    @Override
    public void initialize(Map<String, String> settings) {
        in(() -> {
            delegate.initialize(settings);
            return null;
        });
    }

    @Override
    public Set<String> settingNames() {
        return in(delegate::settingNames);
    }

    @Override
    public CompletionStage<Map<String, Object>> execute(Map<String, Object> input, ExecutionContext context) {
        return in(() -> delegate.execute(input, context));
    }

    @Override
    public CompletionStage<Map<String, Object>> execute(Map<String, Object> input) {
        return in(() -> delegate.execute(input));
    }

    @Override
    public Map<String, Object> metrics() {
        return in(delegate::metrics);
    }

    @Override
    public void close() {
        in(() -> {
            delegate.close();
            return null;
        });
    }

    private <T> T in(Supplier<T> call) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return call.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
