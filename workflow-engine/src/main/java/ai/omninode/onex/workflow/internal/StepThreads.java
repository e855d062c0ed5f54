package ai.omninode.onex.workflow.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** The runner's threads: named {@code prefix}1, 2, ..., and daemons, so that a runner never keeps a JVM alive. */
public final class StepThreads implements ThreadFactory {
    private final AtomicInteger count = new AtomicInteger();
    private final String prefix;

    public StepThreads(String prefix) {
        this.prefix = prefix;
    }

    /** The factory that made the current thread, for threads made here. */
    private static final ThreadLocal<StepThreads> MADE_BY = new ThreadLocal<>();

    @Override
    public Thread newThread(Runnable r) {
        Thread t = new Thread(() -> {
            MADE_BY.set(this);
            r.run();
        }, prefix + count.incrementAndGet());
        t.setDaemon(true);
        return t;
    }

    /** Whether the current thread is one of this factory's (a caller's own thread is not). */
    public boolean madeCurrentThread() {
        return MADE_BY.get() == this;
    }
}
