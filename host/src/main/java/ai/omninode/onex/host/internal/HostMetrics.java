package ai.omninode.onex.host.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;

/**
 * The host's meters for one workflow (Micrometer; Prometheus names in brackets):
 * <ul>
 *   <li>{@code onex.host.runs} [{@code onex_host_runs_total}]: finished runs by {@code outcome} (succeeded, failed,
 *       infrastructure: the last is retried, not committed);</li>
 *   <li>{@code onex.host.trigger.latency}: from the trigger's record timestamp to the end of its run (what a producer
 *       of triggers waits for); a timestamp in the future or over 7 days old is not recorded;</li>
 *   <li>{@code onex.host.runs.in.flight}, {@code onex.host.partitions.assigned},
 *       {@code onex.host.partitions.retrying} (partitions, at most the assigned ones) and
 *       {@code onex.host.key.queues.retrying} (triggers waiting out a backoff: one per key at most);</li>
 *   <li>{@code onex.host.consumer.lag} by {@code topic} and {@code partition}, for assigned partitions only (removed
 *       when a rebalance takes one away, so no stale lag stays behind);</li>
 *   <li>{@code onex.host.triggers.dead.lettered} by {@code topic} and {@code kind}.</li>
 * </ul>
 * Every meter has the tag {@code workflow}. Run and step durations are the runner's ({@code onex.workflow.runs},
 * {@code onex.workflow.steps}, in the same registry); the host's meters say what the runner cannot know: the
 * trigger's fate (committed, or retried for the infrastructure), lag, dead letters, retries.
 */
public final class HostMetrics {
    /** The kinds of poison triggers, as the dead-letter counter's description lists them. */
    private static final String KINDS = java.util.Arrays.stream(TriggerDecoder.Kind.values()).map(TriggerDecoder.Kind::tag)
            .collect(java.util.stream.Collectors.joining(", "));
    private final MeterRegistry registry;
    private final String workflow;
    private final Tags tags;
    private final Map<String, Counter> runs = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLettered = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Meter> lagGauges = new ConcurrentHashMap<>();
    private final Timer triggerLatency;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger assigned = new AtomicInteger();
    /** Key queues waiting out a backoff. */
    final AtomicInteger retrying = new AtomicInteger();
    /** Distinct partitions with at least one key queue waiting out a backoff. */
    final AtomicInteger retryingPartitions = new AtomicInteger();

    public HostMetrics(MeterRegistry registry, String workflow) {
        this.registry = registry;
        this.workflow = workflow;
        this.tags = Tags.of("workflow", workflow);
        Gauge.builder("onex.host.runs.in.flight", inFlight, AtomicInteger::get).tags(tags)
                .description("Runs under way").register(registry);
        Gauge.builder("onex.host.partitions.assigned", assigned, AtomicInteger::get).tags(tags)
                .description("Trigger partitions this instance holds").register(registry);
        Gauge.builder("onex.host.partitions.retrying", retryingPartitions, AtomicInteger::get).tags(tags)
                .description("Assigned partitions paused after an infrastructure failure, waiting for a trigger to run"
                        + " again").register(registry);
        Gauge.builder("onex.host.key.queues.retrying", retrying, AtomicInteger::get).tags(tags)
                .description("Triggers (one per record key, each holding up the later ones of its key) waiting out a"
                        + " backoff after an infrastructure failure").register(registry);
        this.triggerLatency = Timer.builder("onex.host.trigger.latency").tags(tags)
                .description("From a trigger's record timestamp to the end of its run")
                .publishPercentileHistogram().register(registry);
    }

    /**
     * Longer is not recorded: a timestamp its producer set to something other than the send time (a trigger produced
     * with timestamp 1 recorded 56 years, and the timer's mean and max said nothing more from then on), or old data
     * replayed. Kafka's default retention: what a topic keeps unless told otherwise.
     */
    static final long MAX_TRIGGER_LATENCY_MS = Duration.ofDays(7).toMillis();

    void finished(RunClassifier.Outcome outcome, long triggerTimestampMs) {
        String o = outcome.tag();
        runs.computeIfAbsent(o, k -> Counter.builder("onex.host.runs").tags(tags).tag("outcome", k)
                .description("Runs by outcome").register(registry)).increment();
        if (triggerTimestampMs > 0) {
            long ms = System.currentTimeMillis() - triggerTimestampMs;
            if (ms >= 0 && ms <= MAX_TRIGGER_LATENCY_MS) {
                triggerLatency.record(Duration.ofMillis(ms));
            }
        }
    }

    void deadLettered(String topic, TriggerDecoder.Kind kind) {
        deadLettered.computeIfAbsent(topic + "\u0000" + kind.tag(), k -> Counter.builder("onex.host.triggers.dead.lettered")
                .tags(tags).tag("topic", topic).tag("kind", kind.tag())
                .description("Triggers sent to the dead-letter topic, by kind (" + KINDS + ")")
                .register(registry)).increment();
    }

    void lagGauge(TopicPartition tp, Supplier<Number> lag) {
        lagGauges.computeIfAbsent(tp, p -> Gauge.builder("onex.host.consumer.lag", lag).tags(tags)
                .tag("topic", p.topic()).tag("partition", Integer.toString(p.partition()))
                .description("Records behind the end of the partition, as the consumer last saw it").register(registry));
    }

    void removeLagGauge(TopicPartition tp) {
        Meter m = lagGauges.remove(tp);
        if (m != null) {
            registry.remove(m);
        }
    }

    public String workflow() {
        return workflow;
    }
}
