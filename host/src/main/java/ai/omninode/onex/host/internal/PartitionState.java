package ai.omninode.onex.host.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What the host holds of one assigned partition: every polled trigger that has not been committed yet, in offset
 * order, and the queues that keep triggers of one key in order.
 *
 * <p>The commit point is the offset of the first trigger whose run has not finished (or one past the last polled when
 * all have): a commit never passes an unfinished run, whatever order runs finish in. Offsets need not be contiguous
 * (transaction markers, compaction): only polled records count. Since triggers of other keys may finish past a
 * trigger that has not started yet (it waits behind its key), a partition given up finishes every trigger before the
 * last one started ({@link #giveUp}), so that its last commit passes every finished one and nothing runs twice.
 *
 * <p>While a trigger of the partition waits out an infrastructure failure (or runs again after one), the triggers
 * after it do not run: neither a first run of one polled before the partition was paused, nor a retry of another that
 * failed too. Their key queues are held ({@link #hold}) until the earliest retrying trigger has finished, and released
 * then, or when the partition is given up. They would meet the same broker or database that failed it, fail, and each
 * run again on its own backoff, repeating every effect before the failing step; and the commit point cannot pass the
 * earliest retrying trigger, so running them first gains nothing. That trigger probes for the rest. Triggers before
 * it run as they would.
 *
 * <p>Threads: the poll thread adds triggers and takes the commit point; worker threads mark triggers done and take
 * the next trigger of their key. The key queues are guarded by this object's monitor.
 */
public final class PartitionState {
    final TopicPartition partition;
    /** Polled, not yet passed by the commit point; only the poll thread touches it. */
    private final ArrayDeque<Slot> slots = new ArrayDeque<>();
    private long lastPolled = -1;
    /** The consumer's position (next offset it returns), -1 until known: past transaction markers and aborted data. */
    private long position = -1;
    private long committed = -1;
    /** Key queues with triggers waiting or running; guarded by {@code this}. */
    final Map<Object, KeyQueue> queues = new HashMap<>();
    /** Runs of this partition under way (taken by a worker and not finished). */
    final AtomicInteger inFlight = new AtomicInteger();
    /**
     * Key queues whose head failed for the infrastructure and has not finished since: waiting out its backoff, or
     * running again. The partition stays paused, and not ready, until each has (not only while the backoff lasts).
     */
    final AtomicInteger retrying = new AtomicInteger();
    /** Offsets of the triggers counted in {@link #retrying}; guarded by {@code this}. */
    private final java.util.TreeSet<Long> retryingOffsets = new java.util.TreeSet<>();
    /** Key queues whose head waits for the earliest retrying trigger to finish; guarded by {@code this}. */
    private final List<KeyQueue> held = new ArrayList<>();
    /** Work handed to the worker pool (queued or running) and not finished; a drain waits for it. */
    final AtomicInteger tasks = new AtomicInteger();
    volatile String retryReason;
    /** The highest offset a worker has started; guarded by {@code this}. */
    private long maxStarted = -1;
    /**
     * The highest offset that may still start; guarded by {@code this}. Unlimited while the partition is served; when
     * it is given up (stop, revocation), the highest started so far, so that everything before a trigger that ran
     * runs too and the commit point can pass every finished trigger; -1 when it was lost (nothing more starts).
     */
    private long horizon = Long.MAX_VALUE;
    final AtomicLong lag = new AtomicLong(-1);
    boolean paused;

    PartitionState(TopicPartition partition) {
        this.partition = partition;
    }

    /** One polled trigger. */
    static final class Slot {
        final ConsumerRecord<byte[], byte[]> record;
        volatile boolean done;
        int attempts;
        /** Counted in {@link #retrying}: it failed for the infrastructure and has not finished since. */
        boolean retrying;
        /** A run that ended needing a dead letter not yet confirmed: a retry writes only that, it does not run again. */
        volatile TriggerDecoder.Poison owed;

        Slot(ConsumerRecord<byte[], byte[]> record) {
            this.record = record;
        }
    }

    /** The triggers of one key, run one after another in offset order. */
    static final class KeyQueue {
        final Object key;
        final ArrayDeque<Slot> pending = new ArrayDeque<>();
        /** Whether a worker holds (or will take) the head. */
        boolean scheduled;

        KeyQueue(Object key) {
            this.key = key;
        }
    }

    /** Poll thread: a trigger was polled. Returns its slot and whether its key queue must be scheduled. */
    KeyQueue add(Slot slot) {
        slots.addLast(slot);
        lastPolled = slot.record.offset();
        // no key: no order to keep with other triggers, so each is a queue of its own
        Object key = slot.record.key() == null ? slot : ByteBuffer.wrap(slot.record.key());
        synchronized (this) {
            KeyQueue q = queues.computeIfAbsent(key, KeyQueue::new);
            q.pending.addLast(slot);
            if (q.scheduled) {
                return null;
            }
            q.scheduled = true;
            return q;
        }
    }

    /** Whether a worker may start {@code slot} now; if so, it counts as started. Caller holds {@code this}. */
    boolean start(Slot slot) {
        long offset = slot.record.offset();
        // while a partition is given up, a trigger waiting out an infrastructure failure is not tried again: only
        // first runs of triggers before the last one started
        if (offset > horizon || (horizon != Long.MAX_VALUE && slot.attempts > 0)) {
            return false;
        }
        maxStarted = Math.max(maxStarted, offset);
        return true;
    }

    /**
     * Whether {@code slot}, the head of {@code q}, must wait because an earlier trigger of this partition is retrying
     * after an infrastructure failure (a first run, or a retry of its own); if so {@code q} is held (it stays
     * scheduled) until {@link #finishedRetrying} or {@link #giveUp} hands it back. Caller holds {@code this}.
     */
    boolean hold(KeyQueue q, Slot slot) {
        if (retryingOffsets.isEmpty() || horizon != Long.MAX_VALUE || slot.record.offset() <= retryingOffsets.first()) {
            return false;
        }
        held.add(q);
        return true;
    }

    /** A worker: {@code slot} failed for the infrastructure and will run again; counted until it finishes. */
    synchronized void failedForInfrastructure(Slot slot) {
        if (!slot.retrying) {
            slot.retrying = true;
            retryingOffsets.add(slot.record.offset());
            retrying.incrementAndGet();
        }
    }

    /**
     * A worker: {@code slot}, which had failed for the infrastructure, finished. When it was the earliest retrying
     * trigger, returns the key queues held behind it, to submit again (those after a trigger still retrying are held
     * again when they come up); else an empty list.
     */
    synchronized List<KeyQueue> finishedRetrying(Slot slot) {
        if (!slot.retrying) {
            return List.of();
        }
        slot.retrying = false;
        retrying.decrementAndGet();
        boolean wasFirst = retryingOffsets.first() == slot.record.offset();
        retryingOffsets.remove(slot.record.offset());
        return wasFirst ? takeHeld() : List.of();
    }

    private List<KeyQueue> takeHeld() {
        List<KeyQueue> out = new ArrayList<>(held);
        held.clear();
        return out;
    }

    /**
     * The partition is being given up: from now on only triggers before the last one started may start
     * ({@code finishStarted}), or none. A stop and a revocation may both call it; the narrower wins. Returns the key
     * queues held behind a retry, to submit again: those before the horizon run now (a drain waits for them).
     */
    synchronized List<KeyQueue> giveUp(boolean finishStarted) {
        horizon = Math.min(horizon, finishStarted ? maxStarted : -1);
        return takeHeld();
    }

    /**
     * Poll thread: polled triggers up to the horizon that have not finished (those a drain should have finished), and
     * how many of them were waiting to run again after an infrastructure failure (a partition given up retries none).
     */
    Unfinished unfinishedBeforeHorizon() {
        long last;
        synchronized (this) {
            last = horizon;
        }
        int n = 0;
        int retries = 0;
        for (Slot s : slots) {
            if (!s.done && s.record.offset() <= last) {
                n++;
                if (s.attempts > 0) {
                    retries++;
                }
            }
        }
        return new Unfinished(n, retries);
    }

    /**
     * Triggers a drain left unfinished: {@code total}, of which {@code retries} were waiting to run again;
     * {@code timedOut}: the drain timeout ended the wait, so the others may be runs still under way, else they are
     * triggers behind a retrying one of the same key.
     */
    record Unfinished(int total, int retries, boolean timedOut) {
        static final Unfinished NONE = new Unfinished(0, 0, false);

        Unfinished(int total, int retries) {
            this(total, retries, false);
        }

        Unfinished plus(Unfinished other) {
            return new Unfinished(total + other.total, retries + other.retries, timedOut || other.timedOut);
        }

        Unfinished timedOut(boolean t) {
            return new Unfinished(total, retries, t);
        }

        /** What became of them, for a message. */
        String describe() {
            List<String> parts = new ArrayList<>(2);
            if (retries > 0) {
                parts.add(retries + (retries == 1 ? " trigger" : " triggers") + " waiting to run again after an"
                        + " infrastructure failure " + (retries == 1 ? "was" : "were") + " not tried again");
            }
            int others = total - retries;
            if (others > 0) {
                parts.add(others + (timedOut ? (others == 1 ? " run" : " runs") + " did not finish within the drain timeout"
                        : (others == 1 ? " trigger" : " triggers") + " behind them in key order did not start"));
            }
            return String.join(" and ", parts);
        }
    }

    /**
     * Poll thread: the offset to commit if it moved since the last commit, else -1. It is the next offset to read:
     * the first unfinished trigger's, or, with none unfinished, the consumer's position (past a transaction's
     * commit or abort marker and aborted records, which a read_committed consumer never returns: a partition
     * that ends with a marker would otherwise show a lag of one or more for ever), else one past the last polled.
     */
    long advance() {
        while (!slots.isEmpty() && slots.peekFirst().done) {
            slots.pollFirst();
        }
        long end = Math.max(lastPolled + 1, position);
        if (end <= 0) {
            return -1;
        }
        long point = slots.isEmpty() ? end : slots.peekFirst().record.offset();
        return point > committed ? point : -1;
    }

    /**
     * Poll thread: the consumer's position for this partition, read after the records it returned were added (so
     * every offset before it was polled, or was no trigger).
     */
    void position(long offset) {
        if (!dropped) {
            position = Math.max(position, offset);
        }
    }

    /**
     * Poll thread: a record the consumer returned for this partition was not added (the host is stopping): the
     * consumer's position is past it, so from now on it never stands for the commit point.
     */
    void dropped() {
        dropped = true;
        position = -1;
    }

    private boolean dropped;

    void committed(long offset) {
        committed = Math.max(committed, offset);
    }

    /** Triggers polled and not finished (running, queued or waiting for a retry). */
    int unfinished() {
        int n = 0;
        for (Slot s : slots) {
            if (!s.done) {
                n++;
            }
        }
        return n;
    }
}
