package ai.omninode.onex.host.testnodes;

import ai.omninode.onex.node.ComputeNode;
import ai.omninode.onex.node.ExecutionContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.net.URL;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/** {@code test_metered}: echoes its input and counts its calls in a meter of its own, bound by the host. */
public final class MeteredEcho implements ComputeNode, MeterBinder {
    /** The context class loader {@link #bindTo} ran with. */
    public static final AtomicReference<ClassLoader> BOUND_WITH = new AtomicReference<>();
    private volatile Counter calls;

    @Override
    public URL contractLocation() {
        return MeteredEcho.class.getResource("test_metered/contract.yaml");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        BOUND_WITH.set(Thread.currentThread().getContextClassLoader());
        calls = Counter.builder("test.metered.calls").register(registry);
    }

    @Override
    public Map<String, Object> compute(Map<String, Object> input, ExecutionContext context) {
        if (calls != null) {
            calls.increment();
        }
        return Map.of("success", true, "echo", input);
    }
}
