package ai.omninode.onex.kafka.internal;

/**
 * Where the node's slow path runs: retries after their backoff, dead-letter publishing, topic preparation. Never the
 * caller's thread nor Kafka's I/O thread. Tests substitute one that runs tasks on demand, so no test waits out a
 * backoff.
 */
public interface Scheduler {

    /** Runs {@code task} after {@code delayMs} milliseconds. Throws {@link java.util.concurrent.RejectedExecutionException} once shut down. */
    void schedule(Runnable task, long delayMs);

    /**
     * {@link #schedule} that can be called off: returns what cancels it (a no-op once it ran). Throws
     * {@link java.util.concurrent.RejectedExecutionException} once shut down.
     */
    default Runnable scheduleCancellable(Runnable task, long delayMs) {
        java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
        schedule(() -> {
            if (!cancelled.get()) {
                task.run();
            }
        }, delayMs);
        return () -> cancelled.set(true);
    }

    /**
     * Runs {@code task} within about a millisecond, batched with other such tasks, without waking the scheduler's thread
     * for each: for work that comes by the thousand and may wait that long (meters). Returns {@code false} if this
     * scheduler has no such way, and then the caller does the work itself. Throws
     * {@link java.util.concurrent.RejectedExecutionException} once shut down.
     */
    default boolean runSoon(Runnable task) {
        return false;
    }

    /** Runs {@code task} soon. Throws {@link java.util.concurrent.RejectedExecutionException} once shut down. */
    default void execute(Runnable task) {
        schedule(task, 0);
    }

    /** Stops; tasks not yet run are dropped (the node fails their events itself). */
    void shutdown();
}
