package ai.omninode.onex.kafka;

import ai.omninode.onex.kafka.internal.Scheduler;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.RejectedExecutionException;

/**
 * A scheduler on virtual time: nothing runs by itself and nothing waits. Tests run the tasks, earliest due first
 * (in the order scheduled when due together), and read the delays that were asked for.
 */
final class ManualScheduler implements Scheduler {
    private record Due(long at, long seq, Runnable task) {
    }

    private final PriorityQueue<Due> queue = new PriorityQueue<>(Comparator.comparingLong(Due::at).thenComparingLong(Due::seq));
    private final List<Long> delays = new ArrayList<>();
    private long now;
    private long seq;
    private boolean shutdown;

    @Override
    public synchronized void schedule(Runnable task, long delayMs) {
        if (shutdown) {
            throw new RejectedExecutionException("shut down");
        }
        queue.add(new Due(now + Math.max(0, delayMs), seq++, task));
        if (delayMs > 0) {
            delays.add(delayMs);
        }
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
        queue.clear();
    }

    /** Runs due tasks, moving virtual time forward, and those they schedule, until none is left. */
    int runAll() {
        int ran = 0;
        while (true) {
            Due next;
            synchronized (this) {
                next = queue.poll();
                if (next == null) {
                    return ran;
                }
                now = Math.max(now, next.at());
            }
            next.task().run();
            ran++;
        }
    }

    /** Runs the earliest due task only (moving virtual time to it); false if there was none. */
    boolean runNext() {
        Due next;
        synchronized (this) {
            next = queue.poll();
            if (next == null) {
                return false;
            }
            now = Math.max(now, next.at());
        }
        next.task().run();
        return true;
    }

    synchronized int pending() {
        return queue.size();
    }

    /** Virtual milliseconds gone by. */
    synchronized long now() {
        return now;
    }

    /** The positive delays asked for, in order: the backoff sequence. */
    synchronized List<Long> delays() {
        return List.copyOf(delays);
    }
}
