package ai.omninode.onex.kafka.internal;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link Scheduler} of a running node: one daemon thread. */
public final class ExecutorScheduler implements Scheduler {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorScheduler.class);

    private final ScheduledThreadPoolExecutor executor;
    private final TimerWheel timers;

    public ExecutorScheduler(String threadName) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            t.setContextClassLoader(loader); // a plugin's class loader, for kafka-clients' lookups by name
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.timers = new TimerWheel(executor);
    }

    @Override
    public void schedule(Runnable task, long delayMs) {
        if (delayMs <= 0) {
            executor.execute(logged(task));
        } else {
            executor.schedule(logged(task), delayMs, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * On a {@link TimerWheel} rather than the executor's own queue: these are the events' deadlines, one per event and
     * nearly always cancelled, by Kafka's I/O thread, which must not wait for a lock the callers' threads take too.
     */
    @Override
    public Runnable scheduleCancellable(Runnable task, long delayMs) {
        return timers.schedule(task, TimeUnit.MILLISECONDS.toNanos(Math.max(0, delayMs)));
    }

    /** On the timer wheel: its next tick, within a millisecond, with no call into the executor's queue. */
    @Override
    public boolean runSoon(Runnable task) {
        timers.schedule(task, 0);
        return true;
    }

    private static Runnable logged(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) { // the executor would keep it in a future nobody reads
                LOG.error("Unexpected error in a Kafka event effect task", e);
            }
        };
    }

    @Override
    public void shutdown() {
        executor.shutdownNow();
    }
}
