package ai.omninode.onex.host.internal;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.host.internal.PartitionState.KeyQueue;
import ai.omninode.onex.host.internal.PartitionState.Slot;
import ai.omninode.onex.workflow.RunOptions;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowResult;
import ai.omninode.onex.workflow.WorkflowRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The trigger loop of one workflow: one Kafka consumer in the workflow's group, polled by one thread, and
 * {@code concurrency} worker threads that run the workflow, one trigger each.
 *
 * <ul>
 *   <li><b>Order:</b> triggers with the same record key (in one partition) run one after another in offset order;
 *       different keys, and records without a key, run concurrently.</li>
 *   <li><b>Commits:</b> per partition, up to the first trigger whose run has not finished ({@link PartitionState}),
 *       asynchronously every {@value #COMMIT_INTERVAL_MS} ms, synchronously before a partition is given up.</li>
 *   <li><b>Poison:</b> a trigger that cannot be a run ({@link TriggerDecoder}) goes to {@code <topic>.dlq}; it counts
 *       as finished once the dead letter is confirmed, and an unconfirmed one is retried like an infrastructure
 *       failure.</li>
 *   <li><b>Infrastructure failures</b> ({@link RunClassifier}): the trigger stays unfinished and at the head of its
 *       key, its partition is paused (nothing new is fetched from it), and it runs again after a backoff
 *       (0.5 s doubling to 30 s, with jitter) under the same run key, until it succeeds or the partition goes.
 *       The triggers after the earliest retrying one wait for it, first runs and retries alike
 *       ({@link PartitionState#hold}).</li>
 *   <li><b>Backpressure:</b> past {@code maxBuffered} polled, unfinished triggers every partition is paused until
 *       half of them are done; the loop keeps polling, so the group keeps the member.</li>
 *   <li><b>Rebalance:</b> cooperative-sticky; a revoked partition starts no trigger after the last one started,
 *       and gets up to {@code drainTimeout} to finish the runs under way and the triggers before the last one started
 *       (which waited behind their key), so that its commit point, committed before it goes, passes every trigger that
 *       ran. A lost partition (the member was dropped) is let go without a commit.</li>
 *   <li><b>Stop:</b> fetching stops, and as on revocation every partition starts no trigger after the last one
 *       started and gets {@code drainTimeout} to finish those before it: a restart then runs nothing twice (unless
 *       a trigger was waiting out an infrastructure failure, which is not tried again). Offsets are committed, and the
 *       consumer leaves the group (also with a static instance id); the commit and the leaving get
 *       {@value #STOP_ALLOWANCE_MS} ms more, together, whether the broker answers or not, and closing the consumer
 *       is waited for no longer than that, whatever the client does (one fenced out of its group has hung in its
 *       close for ever).</li>
 *   <li><b>Fenced:</b> another consumer joined the group with the same static instance id, and Kafka gave it this
 *       member's place. The two would take the place from each other for ever, so this loop stops instead: it says
 *       so (error log, health), starts nothing new, lets the runs under way finish within {@code drainTimeout},
 *       commits nothing (the partitions are the other's) and closes without leaving (a leave would remove the other
 *       member, which holds the same instance id now).</li>
 * </ul>
 */
public final class TriggerConsumer implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(TriggerConsumer.class);
    static final long COMMIT_INTERVAL_MS = 100;
    private static final Duration POLL = Duration.ofMillis(100);
    private static final long MAX_BACKOFF_MS = 30_000;
    private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
    static final long DISCONNECTED_MS = 5_000;
    static final long STALE_HEARTBEAT_S = 15;
    /** How long past the drain timeout the final commit and leaving the group may take, together. */
    public static final long STOP_ALLOWANCE_MS = 5_000;
    /** How long past its own timeout closing the consumer is waited for. */
    public static final long CLOSE_GRACE_MS = 1_000;

    /** What the host prints and reports; all fields final or thread-safe. */
    public record Config(Workflow workflow, WorkflowRunner runner, TriggerDecoder decoder, List<String> topics,
            String groupId, String instanceId, int concurrency, Duration drainTimeout, int maxBuffered) {
    }

    private final Config config;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final DeadLetters deadLetters;
    private final HostMetrics metrics;
    private final Consumer<String> events;
    private final Map<TopicPartition, PartitionState> states = new ConcurrentHashMap<>();
    private final ExecutorService workers;
    private final ScheduledExecutorService retries;
    private final Object progress = new Object();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong lastWarn = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);
    private final AtomicInteger suppressedWarnings = new AtomicInteger();
    private volatile boolean stopping;
    private volatile long drainDeadline;
    /** The drain deadline plus the allowance for the final commit and leaving the group. */
    private volatile long stopDeadline;
    private volatile boolean finalCommitFailed;
    /** Why the stop did not end cleanly (the final commit failed), for the exit code; null if it did. */
    private volatile String stopProblem;
    private volatile boolean joined;
    private volatile long lastLoopNanos = System.nanoTime();
    private volatile String pollError;
    private volatile String connectionProblem;
    /** Why Kafka fenced this static member out of its group, once it did; the loop then stops. */
    private volatile String fenced;
    private Metric connections;
    private Metric heartbeatAge;
    private long lastConnectedNanos;
    private boolean overloaded;
    private long lastCommitNanos;
    private int buffered;

    /**
     * @param events one line per thing an operator wants to see (assignments, stop), for the host's output
     */
    public TriggerConsumer(Config config, KafkaSettings settings, DeadLetters deadLetters, HostMetrics metrics,
            String clientId, Consumer<String> events) {
        this.config = config;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.events = events;
        this.consumer = new KafkaConsumer<>(settings.consumer(config.groupId(), config.instanceId(), clientId));
        String name = config.workflow().name();
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(config.concurrency(), r -> {
            Thread t = new Thread(r, "onex-run-" + name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "onex-retry-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    public Config config() {
        return config;
    }

    // ---- the poll thread ----------------------------------------------------------------------------------------

    @Override
    public void run() {
        long errorBackoffMs = 0;
        try {
            consumer.subscribe(config.topics(), new Rebalance());
            while (!stopping && fenced == null) {
                lastLoopNanos = System.nanoTime();
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(POLL);
                    pollError = null;
                    errorBackoffMs = 0;
                } catch (WakeupException e) {
                    continue;
                } catch (FencedInstanceIdException e) {
                    fenced(e);
                    break;
                } catch (KafkaException | IllegalStateException e) {
                    // authorization, a fatal group error, ...: say so in health, keep the host alive, try again
                    pollError = e.toString();
                    errorBackoffMs = Math.min(MAX_BACKOFF_MS, Math.max(500, errorBackoffMs * 2));
                    LOG.warn("Workflow {}: polling triggers failed, trying again in {} ms: {}", config.workflow().name(),
                            errorBackoffMs, e.toString());
                    pause(errorBackoffMs);
                    continue;
                }
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    dispatch(r);
                }
                long now = System.nanoTime();
                if (now - lastCommitNanos >= TimeUnit.MILLISECONDS.toNanos(COMMIT_INTERVAL_MS)) {
                    lastCommitNanos = now;
                    commitAsync();
                    updateLag();
                    updateConnection(now);
                }
                updatePauses();
            }
            if (fenced != null) {
                leaveFenced();
            } else {
                drainAndLeave();
            }
        } catch (RuntimeException | Error e) {
            LOG.error("Workflow {}: the trigger loop stopped: {}", config.workflow().name(), e.toString(), e);
            pollError = "the trigger loop stopped: " + e;
            closeConsumer(CloseOptions.timeout(Duration.ofMillis(STOP_ALLOWANCE_MS)), STOP_ALLOWANCE_MS);
        } finally {
            workers.shutdown();
            retries.shutdownNow();
            stopped.countDown();
        }
    }

    private void dispatch(ConsumerRecord<byte[], byte[]> r) {
        PartitionState ps = states.get(new TopicPartition(r.topic(), r.partition()));
        if (ps == null || stopping) {
            if (ps != null) {
                ps.dropped(); // the consumer's position is past it now: never a commit point
            }
            return; // not ours (any more): not tracked, never committed past
        }
        KeyQueue q = ps.add(new Slot(r));
        buffered++;
        if (q != null) {
            submit(ps, q);
        }
    }

    /** Commits each partition's commit point that moved; the callback runs on this thread, in a later poll. */
    private void commitAsync() {
        Map<TopicPartition, OffsetAndMetadata> offsets = commitPoints(states.values());
        if (offsets.isEmpty()) {
            return;
        }
        consumer.commitAsync(offsets, (done, error) -> {
            if (error instanceof FencedInstanceIdException fencedOut) {
                fenced(fencedOut);
                return;
            }
            if (error != null) {
                LOG.debug("Workflow {}: commit failed (the next one retries it): {}", config.workflow().name(),
                        error.toString());
                return;
            }
            done.forEach((tp, om) -> {
                PartitionState ps = states.get(tp);
                if (ps != null) {
                    ps.committed(om.offset());
                }
            });
        });
    }

    /** The consumer's position for {@code tp} if it has one now (never waits for it), else -1. */
    private long position(TopicPartition tp) {
        try {
            return consumer.position(tp, Duration.ZERO);
        } catch (KafkaException | IllegalStateException notKnownNow) { // a timeout, not assigned any more, ...
            return -1;
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> commitPoints(Collection<PartitionState> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        int unfinished = 0;
        for (PartitionState ps : partitions) {
            if (!stopping) { // a stop drops what the last poll returned: the position may be past it
                ps.position(position(ps.partition));
            }
            long point = ps.advance();
            if (point >= 0) {
                offsets.put(ps.partition, new OffsetAndMetadata(point));
            }
            unfinished += ps.unfinished();
        }
        if (partitions == states.values()) {
            buffered = unfinished;
        }
        return offsets;
    }

    /** What a synchronous commit did: the offsets it committed, or why it could not. */
    private record Committed(Map<TopicPartition, OffsetAndMetadata> offsets, String error) {
        String describe() {
            return offsets.entrySet().stream().sorted(Map.Entry.comparingByKey(java.util.Comparator
                    .comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition)))
                    .map(e -> e.getKey().topic() + "-" + e.getKey().partition() + " at " + e.getValue().offset())
                    .collect(Collectors.joining(", "));
        }
    }

    private Committed commitSync(Collection<PartitionState> partitions, Duration timeout) {
        Map<TopicPartition, OffsetAndMetadata> offsets = commitPoints(partitions);
        if (offsets.isEmpty()) {
            return new Committed(offsets, null);
        }
        try {
            consumer.commitSync(offsets, timeout);
            offsets.forEach((tp, om) -> {
                PartitionState ps = states.get(tp);
                if (ps != null) {
                    ps.committed(om.offset());
                }
            });
            LOG.debug("Workflow {}: committed {}", config.workflow().name(), offsets);
            return new Committed(offsets, null);
        } catch (KafkaException e) {
            // the runs are done; their triggers will be redelivered and run again under the same run keys
            LOG.warn("Workflow {}: committing {} failed: {}", config.workflow().name(), offsets, e.toString());
            return new Committed(offsets, e.toString());
        }
    }

    /**
     * Whether the consumer still reaches Kafka, from its own metrics (read here, on the thread that owns it): no
     * connection to any broker for {@value #DISCONNECTED_MS} ms, or no heartbeat to the group coordinator for
     * {@value #STALE_HEARTBEAT_S} s once joined. A run that needs Kafka fails only after the node's delivery timeout;
     * readiness should not wait that long. Each condition must last that long, so a reconnect does not flap.
     */
    private void updateConnection(long now) {
        if (connections == null) {
            for (Map.Entry<org.apache.kafka.common.MetricName, ? extends Metric> m : consumer.metrics().entrySet()) {
                if (m.getKey().name().equals("connection-count") && m.getKey().group().equals("consumer-metrics")) {
                    connections = m.getValue();
                } else if (m.getKey().name().equals("last-heartbeat-seconds-ago")
                        && m.getKey().group().equals("consumer-coordinator-metrics")) {
                    heartbeatAge = m.getValue();
                }
            }
            lastConnectedNanos = now;
        }
        double open = value(connections);
        if (open > 0 || Double.isNaN(open)) {
            lastConnectedNanos = now;
        }
        double heartbeat = value(heartbeatAge);
        String problem = null;
        long disconnectedMs = TimeUnit.NANOSECONDS.toMillis(now - lastConnectedNanos);
        if (disconnectedMs >= DISCONNECTED_MS) {
            problem = "no connection to any Kafka broker for " + disconnectedMs / 1000 + " s";
        } else if (joined && heartbeat >= STALE_HEARTBEAT_S && heartbeat < 1e6) { // 1e6: none sent yet
            // a member sends none while it waits in a rebalance, which waits for members that stopped without
            // leaving (a SIGKILL) until their sessions expire: said, as the likelier cause when brokers are connected
            problem = "no heartbeat to the group coordinator for " + (long) heartbeat + " s: the coordinator is away,"
                    + " or the group is rebalancing and waits for members that stopped without leaving until their"
                    + " sessions time out (ONEX_CONSUMER_SESSION_TIMEOUT_MS; Kafka's default 45 s)";
        }
        if (problem != null && connectionProblem == null) {
            LOG.warn("Workflow {}: the trigger consumer lost Kafka ({}); not ready until it is back",
                    config.workflow().name(), problem);
        } else if (problem == null && connectionProblem != null) {
            LOG.info("Workflow {}: the trigger consumer reaches Kafka again", config.workflow().name());
        }
        connectionProblem = problem;
    }

    private static double value(Metric m) {
        Object v = m == null ? null : m.metricValue();
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private void updateLag() {
        for (PartitionState ps : states.values()) {
            try {
                OptionalLong lag = consumer.currentLag(ps.partition);
                if (lag.isPresent()) {
                    ps.lag.set(lag.getAsLong());
                }
            } catch (IllegalStateException notAssigned) {
                ps.lag.set(-1);
            }
        }
    }

    /** Pauses a partition that waits for a retry, and every partition while too many triggers are unfinished. */
    private void updatePauses() {
        if (!overloaded && buffered > config.maxBuffered()) {
            overloaded = true;
        } else if (overloaded && buffered <= config.maxBuffered() / 2) {
            overloaded = false;
        }
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        int retrying = 0;
        for (PartitionState ps : states.values()) {
            boolean waits = ps.retrying.get() > 0;
            retrying += waits ? 1 : 0;
            boolean want = overloaded || waits;
            if (want != ps.paused) {
                (want ? pause : resume).add(ps.partition);
                ps.paused = want;
            }
        }
        metrics.retryingPartitions.set(retrying);
        if (!pause.isEmpty()) {
            consumer.pause(pause);
        }
        if (!resume.isEmpty()) {
            consumer.resume(resume);
        }
    }

    /**
     * Stop: the runs under way get the drain timeout, then the final commit and leaving the group share
     * {@link #STOP_ALLOWANCE_MS} more (a broker that does not answer must not hold the stop for Kafka's own timeouts:
     * 10 s per commit, each partition's revocation committing again).
     */
    private void drainAndLeave() {
        long t0 = System.nanoTime();
        drainDeadline = t0 + config.drainTimeout().toNanos();
        stopDeadline = drainDeadline + TimeUnit.MILLISECONDS.toNanos(STOP_ALLOWANCE_MS);
        consumer.pause(consumer.assignment());
        try {
            consumer.poll(Duration.ZERO); // takes the wakeup of stop() here, not in the commit below
        } catch (WakeupException expected) {
            // the loop was elsewhere when stop() woke it
        }
        for (PartitionState ps : states.values()) {
            giveUp(ps, true); // also those assigned after stop() looked
        }
        PartitionState.Unfinished unfinished = awaitRuns(states.values(), drainDeadline);
        long drainedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        // the commit may take the allowance but one second, kept for leaving the group
        Committed last = commitSync(states.values(), Duration.ofNanos(Math.max(
                TimeUnit.MILLISECONDS.toNanos(100), stopDeadline - System.nanoTime() - TimeUnit.SECONDS.toNanos(1))));
        finalCommitFailed = last.error() != null;
        String commit = last.error() != null ? "the final commit of " + last.describe() + " failed (" + last.error()
                + "): the triggers after the last committed offsets will be delivered again and run again under the"
                + " same run keys"
                : last.offsets().isEmpty() ? "nothing new to commit" : "offsets committed (" + last.describe() + ")";
        if (last.error() != null) {
            stopProblem = "the final commit failed: " + last.error();
        }
        events.accept("workflow " + config.workflow().name() + ": stopped fetching; " + (unfinished.total() == 0
                ? "every run under way finished" : unfinished.describe()
                + " (not committed: they will run again)") + " in " + drainedMs + " ms; " + commit
                + "; leaving group " + config.groupId());
        // leave explicitly, also as a static member: the partitions move to the others now, not after a timeout
        long left = Math.max(0, TimeUnit.NANOSECONDS.toMillis(stopDeadline - System.nanoTime()));
        closeConsumer(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofMillis(left)), left);
        LOG.debug("Workflow {}: stopped in {} ms", config.workflow().name(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** Kafka gave this static member's place in the group to another consumer with the same instance id. */
    private void fenced(FencedInstanceIdException e) {
        if (fenced != null) {
            return;
        }
        String why = "fenced out of group " + config.groupId() + ": another consumer joined it with the same"
                + " --instance-id '" + config.instanceId() + "' and holds this one's place; copies must not share an"
                + " --instance-id, so this one stopped consuming (it would otherwise take the place back and be fenced"
                + " again, for ever)";
        LOG.error("Workflow {}: {} ({})", config.workflow().name(), why, e.getMessage());
        pollError = why;
        fenced = why;
    }

    /**
     * After being fenced: nothing new starts, the runs under way get the drain timeout, nothing is committed (Kafka
     * refuses a fenced member's commits, and the partitions are the other member's now: what finished here runs again
     * there, under the same run keys), and the consumer closes without leaving, since a leave names the instance id
     * and would remove the other member.
     */
    private void leaveFenced() {
        for (PartitionState ps : states.values()) {
            giveUp(ps, false);
        }
        long deadline = System.nanoTime() + config.drainTimeout().toNanos();
        PartitionState.Unfinished still = awaitRuns(states.values(), deadline);
        events.accept("workflow " + config.workflow().name() + ": " + fenced + "; " + (still.total() == 0
                ? "the runs under way finished" : still.describe())
                + ", nothing committed");
        closeConsumer(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP)
                .withTimeout(Duration.ofMillis(STOP_ALLOWANCE_MS)), STOP_ALLOWANCE_MS);
    }

    /**
     * Closes the consumer, waiting at most {@code timeoutMs} (and a second of grace) whatever the client does: its
     * close joins its heartbeat thread without a bound, and after the member was fenced that join has never returned
     * (kafka-clients 4.4: the heartbeat threads of the failed rejoins wait on one monitor, and the close wakes only
     * one of them). A consumer left closing holds no offsets of ours: the final commit was made before.
     */
    private void closeConsumer(CloseOptions options, long timeoutMs) {
        Thread closing = new Thread(() -> {
            try {
                consumer.close(options);
            } catch (RuntimeException e) {
                LOG.warn("Workflow {}: closing the consumer: {}", config.workflow().name(), e.toString());
            }
        }, "onex-close-consumer-" + config.workflow().name());
        closing.setDaemon(true);
        closing.start();
        try {
            closing.join(timeoutMs + CLOSE_GRACE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closing.isAlive()) {
            LOG.warn("Workflow {}: the Kafka consumer did not close within {} ms; not waited for longer (the group"
                    + " drops this member after its session timeout)", config.workflow().name(),
                    timeoutMs + CLOSE_GRACE_MS);
        }
    }

    /**
     * Poll thread: waits until the workers have nothing left to do for {@code partitions} (no run under way, none
     * queued: after {@link PartitionState#giveUp} that is every trigger before the last one started), or until
     * {@code deadline}; returns how many triggers up to there did not finish.
     */
    private PartitionState.Unfinished awaitRuns(Collection<PartitionState> partitions, long deadline) {
        synchronized (progress) {
            while (true) {
                int busy = 0;
                for (PartitionState ps : partitions) {
                    busy += ps.tasks.get() + ps.inFlight.get();
                }
                long left = deadline - System.nanoTime();
                if (busy == 0 || left <= 0) {
                    break;
                }
                try {
                    progress.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        boolean timedOut = deadline - System.nanoTime() <= 0;
        PartitionState.Unfinished unfinished = PartitionState.Unfinished.NONE;
        for (PartitionState ps : partitions) {
            unfinished = unfinished.plus(ps.unfinishedBeforeHorizon());
        }
        return unfinished.timedOut(timedOut);
    }

    private void pause(long ms) {
        synchronized (progress) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
            while (!stopping && System.nanoTime() < deadline) {
                try {
                    progress.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                PartitionState ps = new PartitionState(tp);
                states.put(tp, ps);
                metrics.lagGauge(tp, ps.lag::get);
            }
            metrics.assigned.set(states.size());
            joined = true;
            if (!partitions.isEmpty() || states.isEmpty()) {
                events.accept("workflow " + config.workflow().name() + ": group " + config.groupId() + " assigned "
                        + describe(partitions) + "; now holding " + describe(states.keySet()));
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            release(partitions, true);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            release(partitions, false);
        }

        private void release(Collection<TopicPartition> partitions, boolean commit) {
            List<PartitionState> going = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                PartitionState ps = states.get(tp);
                if (ps != null) {
                    giveUp(ps, commit);
                    going.add(ps);
                }
            }
            if (going.isEmpty()) {
                return;
            }
            long deadline = stopping ? drainDeadline : System.nanoTime() + config.drainTimeout().toNanos();
            PartitionState.Unfinished still = awaitRuns(going, deadline);
            if (commit && !stopping) {
                commitSync(going, Duration.ofSeconds(10));
            } else if (commit && !finalCommitFailed && stopDeadline - System.nanoTime() > 0) {
                // leaving after the final commit: only runs that finished since, within what is left of the stop
                commitSync(going, Duration.ofNanos(stopDeadline - System.nanoTime()));
            }
            for (PartitionState ps : going) {
                states.remove(ps.partition);
                metrics.removeLagGauge(ps.partition);
            }
            metrics.assigned.set(states.size());
            if (!stopping) {
                events.accept("workflow " + config.workflow().name() + ": group " + config.groupId() + (commit
                        ? " revoked " : " lost ") + describe(partitions) + (still.total() > 0 ? " (" + still.describe()
                        + "; they run again on the new owner)" : "")
                        + "; now holding " + describe(states.keySet()));
            }
        }
    }

    private static String describe(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return "no partitions";
        }
        return partitions.stream().sorted(java.util.Comparator.comparing(TopicPartition::topic)
                .thenComparingInt(TopicPartition::partition)).map(tp -> tp.topic() + "-" + tp.partition())
                .collect(java.util.stream.Collectors.joining(", ", "[", "]"));
    }

    // ---- worker threads -----------------------------------------------------------------------------------------

    /** {@link PartitionState#giveUp}, and the key queues it held behind a retry go to the workers again. */
    private void giveUp(PartitionState ps, boolean finishStarted) {
        for (KeyQueue q : ps.giveUp(finishStarted)) {
            submit(ps, q);
        }
    }

    private void submit(PartitionState ps, KeyQueue q) {
        ps.tasks.incrementAndGet();
        try {
            workers.execute(() -> work(ps, q));
        } catch (RejectedExecutionException stoppingAlready) {
            ps.tasks.decrementAndGet();
            synchronized (ps) {
                q.scheduled = false;
            }
        }
    }

    private void work(PartitionState ps, KeyQueue q) {
        try {
            runHead(ps, q);
        } finally {
            // after any resubmit of the queue: a drain sees no gap between one trigger of a key and the next
            ps.tasks.decrementAndGet();
            synchronized (progress) {
                progress.notifyAll();
            }
        }
    }

    /** Runs the head of a key queue (if it may start), then hands the queue on: next trigger, or a retry. */
    private void runHead(PartitionState ps, KeyQueue q) {
        Slot slot;
        synchronized (ps) {
            slot = q.pending.peekFirst();
            if (slot != null && ps.hold(q, slot)) {
                return; // behind a trigger of this partition that is retrying; submitted again once it is done
            }
            if (slot == null || !ps.start(slot)) {
                q.scheduled = false;
                ps.queues.remove(q.key);
                return;
            }
            ps.inFlight.incrementAndGet();
        }
        metrics.inFlight.incrementAndGet();
        boolean done;
        try {
            done = process(ps, slot);
        } catch (RuntimeException | Error e) {
            // an Error too (a StackOverflowError from a node's data, say): were this worker to die with it, the trigger
            // would never finish and its partition never commit again
            ps.retryReason = "unexpected error: " + e;
            LOG.error("Workflow {}: trigger {} failed unexpectedly; it runs again after a backoff",
                    config.workflow().name(), where(slot), e);
            done = false;
        } finally {
            metrics.inFlight.decrementAndGet();
            ps.inFlight.decrementAndGet();
        }
        if (done) {
            slot.done = true;
            List<KeyQueue> released = ps.finishedRetrying(slot);
            boolean more;
            synchronized (ps) {
                q.pending.pollFirst();
                more = !q.pending.isEmpty();
                if (!more) {
                    q.scheduled = false;
                    ps.queues.remove(q.key);
                }
            }
            if (more) {
                submit(ps, q); // behind the other keys waiting for a worker
            }
            for (KeyQueue h : released) {
                submit(ps, h); // the triggers that waited for this one, in the order they were held
            }
            return;
        }
        slot.attempts++;
        long delay = backoffMs(slot.attempts);
        // until it finishes: while it runs again (a delivery timeout, say) the partition still waits for it
        ps.failedForInfrastructure(slot);
        metrics.retrying.incrementAndGet();
        try {
            retries.schedule(() -> {
                metrics.retrying.decrementAndGet();
                submit(ps, q);
            }, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stoppingAlready) {
            metrics.retrying.decrementAndGet();
        }
    }

    /** Runs (or dead-letters) one trigger; true when it is finished and may be committed. */
    private boolean process(PartitionState ps, Slot slot) {
        // a run that ended and still owes its dead letter is not run again: only the dead letter is written
        TriggerDecoder.Trigger trigger = slot.owed != null ? slot.owed : config.decoder().decode(slot.record);
        UUID correlation = trigger instanceof TriggerDecoder.Run r ? r.correlationId()
                : ((TriggerDecoder.Poison) trigger).correlationId();
        if (correlation != null) {
            // the run's, from here on: this thread's lines about the trigger (its dead letter too) carry it
            MDC.put(WorkflowRunner.MDC_CORRELATION_ID, correlation.toString());
        }
        try {
            return slot.owed != null ? deadLetter(ps, slot, slot.owed) : runOrDeadLetter(ps, slot, trigger);
        } finally {
            MDC.remove(WorkflowRunner.MDC_CORRELATION_ID);
        }
    }

    private boolean runOrDeadLetter(PartitionState ps, Slot slot, TriggerDecoder.Trigger trigger) {
        ConsumerRecord<byte[], byte[]> record = slot.record;
        String workflow = config.workflow().name();
        if (trigger instanceof TriggerDecoder.Run r) {
            // as onex run refuses an input before any step: a step's input that this input alone makes break the
            // step's node contract would fail that step whatever runs before it (and the effects before it ran)
            List<Problem> refused = config.runner().stepInputProblems(config.workflow(), r.input()).stream()
                    .filter(Problem::isError).toList();
            if (!refused.isEmpty()) {
                trigger = new TriggerDecoder.Poison(TriggerDecoder.Kind.STEP_INPUT, "the input would break a step's"
                        + " node contract, so no step ran: " + refused.stream().map(TriggerConsumer::describe)
                        .collect(Collectors.joining("; ")), r.correlationId());
            }
        }
        if (trigger instanceof TriggerDecoder.Poison poison) {
            return deadLetter(ps, slot, poison);
        }
        TriggerDecoder.Run run = (TriggerDecoder.Run) trigger;
        RunOptions options = RunOptions.withKey(run.runKey()).correlationId(run.correlationId())
                .traceContext(run.trace());
        WorkflowResult result;
        MDC.put(WorkflowRunner.MDC_RUN_KEY, run.runKey());
        try {
            try {
                result = config.runner().run(config.workflow(), run.input(), options);
            } catch (RuntimeException e) {
                ps.retryReason = "the run could not start: " + e.getMessage();
                warn("Workflow {}: trigger {} (run {}): the run could not start, trying again after a backoff: {}",
                        workflow, where(slot), run.runKey(), e.toString());
                return false;
            }
            RunClassifier.Verdict verdict = RunClassifier.classify(result);
            metrics.finished(verdict.outcome(), record.timestamp());
            switch (verdict.outcome()) {
                case SUCCEEDED -> LOG.debug("Workflow {}: trigger {} ran (run {}, correlation_id {}) in {} ms", workflow,
                        where(slot), run.runKey(), result.correlationId(), result.duration().toMillis());
                case FAILED -> {
                    if (verdict.deadLetter() != null) {
                        // DeadLetters says it at INFO with the reason, once it is written
                        LOG.debug("Workflow {}: trigger {} (run {}, correlation_id {}) failed for its content with"
                                + " nothing on record, so it goes to the dead-letter topic before it is committed: {}",
                                workflow, where(slot), run.runKey(), result.correlationId(), verdict.deadLetter());
                        slot.owed = new TriggerDecoder.Poison(TriggerDecoder.Kind.RUN_FAILED, verdict.deadLetter(),
                                result.correlationId());
                        return deadLetter(ps, slot, slot.owed);
                    }
                    LOG.info("Workflow {}: trigger {} (run {}, correlation_id {}) failed for its content;"
                            + " on_step_failure ran and succeeded, committed: {}", workflow, where(slot), run.runKey(),
                            result.correlationId(), verdict.reason());
                }
                case INFRASTRUCTURE -> {
                    ps.retryReason = verdict.reason();
                    warn("Workflow {}: trigger {} (run {}, correlation_id {}) failed for the infrastructure, not"
                            + " committed; it runs again after a backoff: {}", workflow, where(slot), run.runKey(),
                            result.correlationId(), verdict.reason());
                }
            }
            return verdict.outcome().commit();
        } finally {
            MDC.remove(WorkflowRunner.MDC_RUN_KEY);
        }
    }

    /** Writes a trigger's dead letter; true once it is confirmed (the trigger may be committed). */
    private boolean deadLetter(PartitionState ps, Slot slot, TriggerDecoder.Poison poison) {
        ConsumerRecord<byte[], byte[]> record = slot.record;
        DeadLetters.Written w = deadLetters.write(record, poison.reason(), config.workflow().name(), config.groupId(),
                poison.correlationId());
        if (w.confirmed()) {
            metrics.deadLettered(record.topic(), poison.kind());
            return true;
        }
        ps.retryReason = w.error();
        warn("Workflow {}: trigger {} ({}) not committed: {}; trying again after a backoff",
                config.workflow().name(), where(slot), poison.reason(), w.error());
        return false;
    }

    /** A problem as a dead-letter reason: the step's place in the workflow and what is wrong, no file path. */
    private static String describe(Problem p) {
        return (p.pointer() == null || p.pointer().isEmpty() ? "" : p.pointer() + ": ") + p.message();
    }

    /** One WARN line per 10 s at most; the rest at DEBUG, counted in the next WARN. */
    private void warn(String format, Object... args) {
        long now = System.nanoTime();
        long last = lastWarn.get();
        if (now - last >= WARN_EVERY_NANOS && lastWarn.compareAndSet(last, now)) {
            int suppressed = suppressedWarnings.getAndSet(0);
            LOG.warn(format + (suppressed > 0 ? " (and " + suppressed + " such failures in the last 10 s)" : ""), args);
        } else {
            suppressedWarnings.incrementAndGet();
            LOG.debug(format, args);
        }
    }

    private static long backoffMs(int attempts) {
        long base = Math.min(MAX_BACKOFF_MS, 500L << Math.min(16, attempts - 1));
        return base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
    }

    private static String where(Slot slot) {
        return slot.record.topic() + "-" + slot.record.partition() + "@" + slot.record.offset();
    }

    // ---- control and status ---------------------------------------------------------------------------------------

    /** Stops fetching and drains (asynchronously); {@link #awaitStopped} waits for it. */
    public void stop() {
        stopping = true;
        // no trigger after the last one started starts any more; those before it still do (see PartitionState)
        for (PartitionState ps : states.values()) {
            giveUp(ps, true);
        }
        consumer.wakeup();
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    /** For a loop that never ran (the host's start was stopped): releases the consumer and the threads. */
    public void closeUnstarted() {
        stopping = true;
        closeConsumer(CloseOptions.timeout(Duration.ZERO), STOP_ALLOWANCE_MS);
        workers.shutdown();
        retries.shutdownNow();
        stopped.countDown();
    }

    public boolean awaitStopped(long timeout, TimeUnit unit) throws InterruptedException {
        return stopped.await(timeout, unit);
    }

    /** After a stop: why it did not end cleanly (the final commit failed), or null. */
    public String stopProblem() {
        return stopProblem;
    }

    /** What health reports about this loop. */
    public record Status(String workflow, String groupId, List<String> topics, boolean joined, boolean alive,
            List<String> partitions, int inFlight, Map<String, String> retrying, String error, String kafka) {
    }

    public Status status() {
        List<String> partitions = new ArrayList<>();
        Map<String, String> retrying = new java.util.TreeMap<>();
        int inFlight = 0;
        for (PartitionState ps : states.values()) {
            String name = ps.partition.topic() + "-" + ps.partition.partition();
            partitions.add(name);
            inFlight += ps.inFlight.get();
            if (ps.retrying.get() > 0) {
                retrying.put(name, String.valueOf(ps.retryReason));
            }
        }
        partitions.sort(null);
        long stuckAfter = config.drainTimeout().toNanos() + TimeUnit.SECONDS.toNanos(60);
        boolean alive = stopped.getCount() > 0 && System.nanoTime() - lastLoopNanos < stuckAfter;
        return new Status(config.workflow().name(), config.groupId(), config.topics(), joined, alive, partitions,
                inFlight, retrying, pollError, connectionProblem);
    }
}
