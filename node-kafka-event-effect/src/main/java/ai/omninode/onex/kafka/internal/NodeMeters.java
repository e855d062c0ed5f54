package ai.omninode.onex.kafka.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's meters. Counts live in striped adders ({@link LongAdder}: threads publishing at once do not contend),
 * which a host's registry reads as Micrometer {@link FunctionCounter}s once it {@linkplain #bindTo binds} the node,
 * as Micrometer's own binders do for a library's counts; {@link #snapshot} reads the same adders for
 * {@code getMetrics()}. Publish latency is a Micrometer {@link Timer} with decaying percentiles (a window of two
 * minutes), recorded in every bound registry, and in the node's own registry until one is bound (then
 * {@code getMetrics()} reads the first bound registry's timer). Binding also registers the circuit breaker
 * (resilience4j's Micrometer module) and the Kafka producer's own metrics (Micrometer's {@link KafkaClientMetrics}).
 *
 * <p>Meters (tags {@code node=kafka_event_effect} on all):
 * <ul>
 *   <li>{@code onex.kafka.events} (counter; {@code topic}, {@code outcome}: {@code published}, {@code dead_lettered},
 *       {@code failed}; {@code error.type} for the last two, {@code none} for the first): events that ended so;
 *       exclusive outcomes, so their sum is every event handed to the node that passed its input check</li>
 *   <li>{@code onex.kafka.events.rejected} (counter): inputs refused before any envelope was built</li>
 *   <li>{@code onex.kafka.publish} (timer; percentiles 0.5, 0.95, 0.99): from the call to the broker's acknowledgement</li>
 *   <li>{@code onex.kafka.retries} (counter; {@code topic}): sends the node made again after a refusal</li>
 *   <li>{@code onex.kafka.dead.letter.failures} (counter; {@code topic}): dead letters Kafka did not take</li>
 *   <li>{@code onex.kafka.circuit.breaker.opens}, {@code onex.kafka.circuit.breaker.rejections} (counters)</li>
 *   <li>{@code resilience4j.circuitbreaker.*} ({@code name=kafka_event_effect}) and {@code kafka.producer.*}</li>
 * </ul>
 * Topic tags are kept for the first {@value #MAX_TOPIC_TAGS} topics; events of later ones count under
 * {@code topic=_other}, so that a workflow that names topics from its input cannot grow a registry without bound.
 */
public final class NodeMeters implements MeterBinder {
    private static final Logger LOG = LoggerFactory.getLogger(NodeMeters.class);
    static final String NODE = "kafka_event_effect";
    static final int MAX_TOPIC_TAGS = 1000;
    /** The most latencies held for the scheduler (128 KiB); beyond, the completing thread records them itself. */
    static final int MAX_PENDING = 16_384;
    static final String OTHER_TOPIC = "_other";
    private static final double[] PERCENTILES = {0.5, 0.95, 0.99};

    final LongAdder rejected = new LongAdder();
    final LongAdder breakerOpens = new LongAdder();
    final LongAdder breakerRejections = new LongAdder();
    /** Failed calls the breaker was told of, counted after it was (see {@code EventTask}'s {@code breakerSuccess}). */
    final AtomicLong breakerFailures = new AtomicLong();
    /** Of {@link #breakerFailures}, how many a success told to the breaker since came after; only grows. */
    final AtomicLong breakerFailuresBeforeSuccess = new AtomicLong();

    private final Tags tags = Tags.of("node", NODE);
    private final Map<String, TopicMeters> topics = new ConcurrentHashMap<>();
    private final TopicMeters other = new TopicMeters(OTHER_TOPIC);
    /** The node's own timer: recorded and read by {@code getMetrics()} while no bound registry has one it can read. */
    private final Timer latency;
    private volatile Timer[] boundLatency = new Timer[0];
    /**
     * The timer {@code getMetrics()} reads its percentiles from: {@link #latency}, or the first bound registry's when
     * that one has the same percentiles (no meter filter changed or denied it). Then the node's own timer is no longer
     * recorded: each timer with decaying percentiles costs about 190 ns per event, and under a host that binds one
     * registry the node recorded two (see {@code NodeCpuBenchmark.executeEffectInTheHost}).
     */
    private volatile Timer snapshotLatency;
    private final List<MeterRegistry> bound = new CopyOnWriteArrayList<>();
    private final List<KafkaClientMetrics> clientMetrics = new ArrayList<>();
    private CircuitBreakerRegistry breakers;
    private Producer<?, ?> producer;
    /** Where latencies are recorded into the timers, once the node runs; before that, by the thread that has them. */
    private volatile Scheduler recorder;
    /** Latencies not yet in the timers, and whether a flush is asked for: under {@link #pendingLock}. */
    private final Object pendingLock = new Object();
    private long[] pending = new long[256];
    private int pendingCount;
    private boolean flushAsked;
    /** One flush at a time; {@link #spare} is the array the last flush emptied, for the next batch. */
    private final Object flushLock = new Object();
    private long[] spare = new long[256];

    public NodeMeters() {
        this.latency = timer(new SimpleMeterRegistry());
        this.snapshotLatency = latency;
    }

    private Timer timer(MeterRegistry registry) {
        return Timer.builder("onex.kafka.publish").tags(tags)
                .description("Time from the call to the broker's acknowledgement, of published events")
                .publishPercentiles(PERCENTILES)
                .register(registry);
    }

    /** The counts of one topic. */
    public final class TopicMeters {
        final String topic;
        final LongAdder published = new LongAdder();
        final LongAdder publishNanos = new LongAdder();
        final LongAdder deadLettered = new LongAdder();
        final LongAdder retries = new LongAdder();
        final LongAdder deadLetterFailures = new LongAdder();
        /** By error type, then whether it was dead-lettered: failures are rare, a map is cheap enough. */
        final Map<String, LongAdder> failedByType = new ConcurrentHashMap<>();
        final Map<String, LongAdder> deadLetteredByType = new ConcurrentHashMap<>();

        TopicMeters(String topic) {
            this.topic = topic;
        }

        /**
         * Before the call's future completes: a caller that saw it complete sees the counts. The latency goes to the
         * timers within about a millisecond (see {@link #recordLatency}).
         */
        void published(long nanos) {
            published.increment();
            publishNanos.add(nanos);
            recordLatency(nanos);
        }

        void failed(String errorType, boolean sentToDeadLetterTopic) {
            Map<String, LongAdder> byType = sentToDeadLetterTopic ? deadLetteredByType : failedByType;
            LongAdder n = byType.get(errorType);
            if (n == null) {
                n = newFailureType(this, byType, errorType, sentToDeadLetterTopic);
            }
            n.increment();
            if (sentToDeadLetterTopic) {
                deadLettered.increment();
            }
        }
    }

    /**
     * Queues a published event's latency for the timers. Recording into a Micrometer timer with decaying percentiles
     * (HdrHistogram recorders, one per ring-buffer bucket, each with its own atomics) cost Kafka's I/O thread about
     * 190 ns per event and timer, a fifth of the node's work there; appending to this buffer costs it one uncontended
     * lock. The node's scheduler records the batch on its next tick (within about a millisecond, no wake-up per event);
     * {@link #flush()} does it at once, before {@code getMetrics()} reads the percentiles and before the node's thread
     * acts on an event. A scheduler that cannot batch (a test's), a node not started or one shut down records here.
     */
    void recordLatency(long nanos) {
        Scheduler s = recorder;
        if (s != null) {
            boolean ask;
            synchronized (pendingLock) {
                if (pendingCount == pending.length && pending.length < MAX_PENDING) {
                    pending = Arrays.copyOf(pending, pending.length * 2);
                }
                if (pendingCount < pending.length) {
                    pending[pendingCount++] = nanos;
                    ask = !flushAsked;
                    flushAsked = true;
                    if (!ask) {
                        return;
                    }
                } else {
                    ask = false; // the scheduler has fallen far behind: record here rather than hold more
                }
            }
            try {
                if (ask && s.runSoon(this::flush)) {
                    return;
                }
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // shut down: below
            }
            if (ask) {
                flush();
                return;
            }
        }
        record(nanos);
    }

    private void record(long nanos) {
        if (snapshotLatency == latency) {
            latency.record(nanos, TimeUnit.NANOSECONDS);
        }
        for (Timer t : boundLatency) {
            t.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Records the queued latencies into the timers. Any thread. */
    void flush() {
        synchronized (flushLock) {
            long[] batch;
            int n;
            synchronized (pendingLock) {
                batch = pending;
                n = pendingCount;
                pending = spare;
                pendingCount = 0;
                flushAsked = false;
            }
            for (int i = 0; i < n; i++) {
                record(batch[i]);
            }
            spare = batch;
        }
    }

    /** The meters of {@code fullTopic}; {@code _other}'s beyond {@value #MAX_TOPIC_TAGS} topics. */
    public TopicMeters topic(String fullTopic) {
        TopicMeters t = topics.get(fullTopic);
        if (t != null) {
            return t;
        }
        synchronized (this) {
            t = topics.get(fullTopic);
            if (t == null) {
                if (topics.size() >= MAX_TOPIC_TAGS) {
                    return other;
                }
                t = new TopicMeters(fullTopic);
                for (MeterRegistry r : bound) {
                    register(r, t);
                }
                topics.put(fullTopic, t);
            }
            return t;
        }
    }

    private synchronized LongAdder newFailureType(TopicMeters t, Map<String, LongAdder> byType, String errorType,
            boolean deadLettered) {
        LongAdder n = byType.get(errorType);
        if (n == null) {
            n = new LongAdder();
            byType.put(errorType, n);
            for (MeterRegistry r : bound) {
                registerFailure(r, t, errorType, n, deadLettered);
            }
        }
        return n;
    }

    /**
     * The producer, breaker and scheduler of a node that started: bound registries get their meters now, later ones on
     * binding; latencies go to the timers on the scheduler's thread from now on.
     */
    public synchronized void started(Producer<?, ?> producer, CircuitBreakerRegistry breakers, Scheduler scheduler) {
        this.producer = producer;
        this.breakers = breakers;
        this.recorder = scheduler;
        for (MeterRegistry r : bound) {
            bindClients(r);
        }
    }

    /** Stops reading the producer's metrics (its meters leave the registries); the timers get what is queued. */
    public synchronized void stopped() {
        recorder = null;
        flush();
        for (KafkaClientMetrics m : clientMetrics) {
            try {
                m.close();
            } catch (RuntimeException e) {
                LOG.debug("closing Kafka client metrics", e);
            }
        }
        clientMetrics.clear();
        producer = null;
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        if (bound.contains(registry)) {
            return;
        }
        if (registry.find("onex.kafka.events.rejected").tags(tags).meter() != null) {
            // Micrometer keeps the first meter of a name and tags: this node's counts would not show there
            LOG.warn("Another Kafka event effect node is bound to this meter registry already; its meters stay, and"
                    + " this node's counts show only in its getMetrics(). Bind one node per registry.");
        }
        bound.add(registry);
        Timer[] timers = Arrays.copyOf(boundLatency, boundLatency.length + 1);
        Timer timer = timer(registry);
        timers[timers.length - 1] = timer;
        boundLatency = timers;
        // after boundLatency: an event recorded meanwhile goes to both timers, never to neither
        if (snapshotLatency == latency && hasOurPercentiles(timer)) {
            snapshotLatency = timer;
        }
        FunctionCounter.builder("onex.kafka.events.rejected", rejected, LongAdder::sum).tags(tags)
                .description("Inputs refused before any envelope was built (they broke the input schema)")
                .register(registry);
        FunctionCounter.builder("onex.kafka.circuit.breaker.opens", breakerOpens, LongAdder::sum).tags(tags)
                .description("Times the circuit breaker opened").register(registry);
        FunctionCounter.builder("onex.kafka.circuit.breaker.rejections", breakerRejections, LongAdder::sum).tags(tags)
                .description("Calls refused while the circuit breaker was open").register(registry);
        for (TopicMeters t : topics.values()) {
            register(registry, t);
        }
        register(registry, other);
        bindClients(registry);
    }

    /** Whether a registry's timer reports exactly the percentiles the node's own does (a filter may change them). */
    private static boolean hasOurPercentiles(Timer timer) {
        ValueAtPercentile[] values = timer.takeSnapshot().percentileValues();
        if (values.length != PERCENTILES.length) {
            return false;
        }
        for (int i = 0; i < values.length; i++) {
            if (values[i].percentile() != PERCENTILES[i]) {
                return false;
            }
        }
        return true;
    }

    private void register(MeterRegistry r, TopicMeters t) {
        Tags topic = tags.and("topic", t.topic);
        FunctionCounter.builder("onex.kafka.events", t.published, LongAdder::sum)
                .tags(topic.and("outcome", "published", "error.type", "none"))
                .description("Events handed to the node, by how they ended").register(r);
        FunctionCounter.builder("onex.kafka.retries", t.retries, LongAdder::sum).tags(topic)
                .description("Sends the node made again after Kafka refused one before it left the node").register(r);
        FunctionCounter.builder("onex.kafka.dead.letter.failures", t.deadLetterFailures, LongAdder::sum).tags(topic)
                .description("Dead letters that Kafka did not take either").register(r);
        t.failedByType.forEach((type, n) -> registerFailure(r, t, type, n, false));
        t.deadLetteredByType.forEach((type, n) -> registerFailure(r, t, type, n, true));
    }

    private void registerFailure(MeterRegistry r, TopicMeters t, String errorType, LongAdder n, boolean deadLettered) {
        FunctionCounter.builder("onex.kafka.events", n, LongAdder::sum)
                .tags(tags.and("topic", t.topic, "outcome", deadLettered ? "dead_lettered" : "failed", "error.type", errorType))
                .description("Events handed to the node, by how they ended").register(r);
    }

    private void bindClients(MeterRegistry r) {
        if (breakers != null) {
            TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(r);
        }
        if (producer != null) {
            KafkaClientMetrics m = new KafkaClientMetrics(producer, tags);
            m.bindTo(r);
            clientMetrics.add(m);
        }
    }

    /**
     * Events Kafka acknowledged so far, to the topic or the dead-letter topic: evidence for the cluster check that
     * Kafka answers. Sums every topic's counts; read only when a check gets no answer.
     */
    long answeredByKafka() {
        long n = other.published.sum() + other.deadLettered.sum();
        for (TopicMeters t : topics.values()) {
            n += t.published.sum() + t.deadLettered.sum();
        }
        return n;
    }

    /** Failed calls since the last successful one (what the breaker counts towards its threshold). */
    long currentFailures() {
        return Math.max(0, breakerFailures.get() - breakerFailuresBeforeSuccess.get());
    }

    /**
     * The metrics map, from the same counts the meters read: the keys of the Python original
     * ({@code events_published, events_failed, events_sent_to_dlq, total_publish_time_ms, circuit_breaker_opens,
     * retries_attempted, avg_publish_time_ms, circuit_breaker_status, current_failures, node_id}), then
     * {@code events_rejected, dlq_failures, p50_publish_time_ms, p99_publish_time_ms, circuit_breaker_rejections}.
     * Counts are {@code Long}, times fractional milliseconds ({@code Double}) over successful publishes, from
     * {@code executeEffect} to the broker's acknowledgement: totals since start, percentiles over the last two minutes.
     */
    public Map<String, Object> snapshot(String breakerStatus, String nodeId) {
        flush();
        long ok = 0;
        long nanos = 0;
        long failed = 0;
        long dlq = 0;
        long retries = 0;
        long dlqFailures = 0;
        List<TopicMeters> all = new ArrayList<>(topics.values());
        all.add(other);
        for (TopicMeters t : all) {
            ok += t.published.sum();
            nanos += t.publishNanos.sum();
            dlq += t.deadLettered.sum();
            retries += t.retries.sum();
            dlqFailures += t.deadLetterFailures.sum();
            for (LongAdder n : t.failedByType.values()) {
                failed += n.sum();
            }
        }
        double totalMs = nanos / 1_000_000.0;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("events_published", ok);
        m.put("events_failed", failed + dlq);
        m.put("events_sent_to_dlq", dlq);
        m.put("total_publish_time_ms", totalMs);
        m.put("circuit_breaker_opens", breakerOpens.sum());
        m.put("retries_attempted", retries);
        m.put("avg_publish_time_ms", ok == 0 ? 0.0 : totalMs / ok);
        m.put("circuit_breaker_status", breakerStatus);
        m.put("current_failures", currentFailures());
        m.put("node_id", nodeId);
        m.put("events_rejected", rejected.sum());
        m.put("dlq_failures", dlqFailures);
        double p50 = 0;
        double p99 = 0;
        for (ValueAtPercentile v : snapshotLatency.takeSnapshot().percentileValues()) {
            if (v.percentile() == 0.5) {
                p50 = v.value(TimeUnit.MILLISECONDS);
            } else if (v.percentile() == 0.99) {
                p99 = v.value(TimeUnit.MILLISECONDS);
            }
        }
        m.put("p50_publish_time_ms", p50);
        m.put("p99_publish_time_ms", p99);
        m.put("circuit_breaker_rejections", breakerRejections.sum());
        return m;
    }

    /** Events that ended, for the shutdown log line: published, failed, dead-lettered. */
    long[] totals() {
        Map<String, Object> s = snapshot("", "");
        return new long[] {(Long) s.get("events_published"), (Long) s.get("events_failed"),
            (Long) s.get("events_sent_to_dlq")};
    }
}
