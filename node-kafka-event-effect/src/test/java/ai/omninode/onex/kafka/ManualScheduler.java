package ai.omninode.onex.kafka;

import ai.omninode.onex.kafka.internal.Scheduler;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

/** A scheduler that runs nothing by itself: tests run its tasks and read the delays asked for. */
final class ManualScheduler implements Scheduler {
    private final Deque<Runnable> queue = new ArrayDeque<>();
    private final List<Long> delays = new ArrayList<>();
    private boolean shutdown;

    @Override
    public synchronized void schedule(Runnable task, long delayMs) {
        if (shutdown) {
            throw new RejectedExecutionException("shut down");
        }
        queue.add(task);
        if (delayMs > 0) {
            delays.add(delayMs);
        }
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
        queue.clear();
    }

    /** Runs queued tasks, and those they queue, until none is left; returns how many ran. */
    int runAll() {
        int ran = 0;
        while (true) {
            Runnable next;
            synchronized (this) {
                next = queue.poll();
            }
            if (next == null) {
                return ran;
            }
            next.run();
            ran++;
        }
    }

    synchronized int pending() {
        return queue.size();
    }

    /** The positive delays asked for, in order: the backoff sequence. */
    synchronized List<Long> delays() {
        return List.copyOf(delays);
    }
}
