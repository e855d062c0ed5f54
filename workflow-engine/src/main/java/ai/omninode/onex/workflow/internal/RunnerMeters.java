package ai.omninode.onex.workflow.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The runner's meters, in the registry a host gives it ({@code WorkflowRunner.Builder.meterRegistry}); none without
 * one.
 * <ul>
 *   <li>{@code onex.workflow.runs} (timer; {@code workflow}, {@code outcome}: {@code succeeded}, {@code failed}):
 *       runs and their duration, with percentiles 0.5 and 0.99</li>
 *   <li>{@code onex.workflow.runs.active} (gauge): runs under way</li>
 *   <li>{@code onex.workflow.steps} (timer; {@code workflow}, {@code step}, {@code node}, {@code outcome}:
 *       {@code succeeded}, {@code failed}): node steps, from resolving the input to the result, retries included</li>
 *   <li>{@code onex.workflow.step.retries} (counter; {@code workflow}, {@code step}, {@code node}): attempts after the
 *       first</li>
 *   <li>{@code onex.workflow.steps.unanswered} (gauge; {@code node}): calls a step gave up on at its time limit that
 *       the node has still not answered: a node stuck in a call, which holds a thread (one that blocks in
 *       {@code execute}) or memory (a stage never completed) for as long as it stays stuck</li>
 * </ul>
 * Meters are looked up once per tag combination and kept, so a run costs a few map lookups.
 */
public final class RunnerMeters {
    private static final RunnerMeters NONE = new RunnerMeters(null);

    private final MeterRegistry registry;
    private final AtomicInteger active = new AtomicInteger();
    private final Map<Key, Timer> timers = new ConcurrentHashMap<>();
    private final Map<Key, Counter> counters = new ConcurrentHashMap<>();

    /** A meter's name and tags, as a map key (strings keep their hash codes: no text is built per lookup). */
    private record Key(String meter, String workflow, String step, String node, boolean succeeded) {
    }

    private RunnerMeters(MeterRegistry registry) {
        this.registry = registry;
        if (registry != null) {
            Gauge.builder("onex.workflow.runs.active", active, AtomicInteger::get)
                    .description("Workflow runs under way").register(registry);
        }
    }

    public static RunnerMeters of(MeterRegistry registry) {
        return registry == null ? NONE : new RunnerMeters(registry);
    }

    public void runStarted() {
        if (registry != null) {
            active.incrementAndGet();
        }
    }

    public void runFinished(String workflow, boolean succeeded, long nanos) {
        if (registry == null) {
            return;
        }
        active.decrementAndGet();
        String outcome = succeeded ? "succeeded" : "failed";
        timer(new Key("runs", workflow, null, null, succeeded), () -> Timer.builder("onex.workflow.runs")
                .tags("workflow", workflow, "outcome", outcome).publishPercentiles(0.5, 0.99)
                .description("Workflow runs, by how they ended").register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    public void stepFinished(String workflow, String step, String node, boolean succeeded, long nanos) {
        if (registry == null) {
            return;
        }
        String outcome = succeeded ? "succeeded" : "failed";
        timer(new Key("steps", workflow, step, node, succeeded), () -> Timer.builder("onex.workflow.steps")
                .tags("workflow", workflow, "step", step, "node", node, "outcome", outcome)
                .description("Node steps, retries included, by how they ended").register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    public void retried(String workflow, String step, String node) {
        if (registry == null) {
            return;
        }
        Key key = new Key("retries", workflow, step, node, false);
        Counter c = counters.get(key);
        if (c == null) {
            c = counters.computeIfAbsent(key, k -> Counter.builder("onex.workflow.step.retries")
                    .tags("workflow", workflow, "step", step, "node", node).description("Step attempts after the first")
                    .register(registry));
        }
        c.increment();
    }

    /** Registers the gauge of the calls to {@code node} that were given up on and are still unanswered. */
    public void unanswered(String node, AtomicInteger count) {
        if (registry != null) {
            Gauge.builder("onex.workflow.steps.unanswered", count, AtomicInteger::get).tag("node", node)
                    .description("Calls a step gave up on at its time limit that the node has not answered yet")
                    .register(registry);
        }
    }

    /** The timer for {@code key}: a plain read once it exists (computeIfAbsent may lock the bin even then). */
    private Timer timer(Key key, Supplier<Timer> register) {
        Timer t = timers.get(key);
        return t != null ? t : timers.computeIfAbsent(key, k -> register.get());
    }
}
