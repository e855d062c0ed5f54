package ai.omninode.onex.cli.internal;

import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What Ctrl-C (or SIGTERM) does while a command runs: the JVM runs its shutdown hooks, and the one registered here
 * tells what happens to the work in flight and gives it a bounded time to end ({@link #awaitDone}) before the process
 * exits. {@link #done()} marks the command's own end (its output printed), and removes the hook.
 */
public final class Interruption {
    private final PrintWriter err;
    private final CountDownLatch done = new CountDownLatch(1);
    private Thread hook;

    public Interruption(PrintWriter err) {
        this.err = err;
    }

    /** Runs {@code onSignal} on Ctrl-C from now until {@link #done()}. */
    public synchronized void watch(Runnable onSignal) {
        unhook();
        hook = new Thread(onSignal, "onex-interrupted");
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            hook = null;
        }
    }

    /** One line on stderr, {@code onex: ...}. */
    public void say(String line) {
        synchronized (err) {
            err.println("onex: " + line);
            err.flush();
        }
    }

    /** Waits up to {@code seconds} for the command to end; whether it did. */
    public boolean awaitDone(long seconds) {
        try {
            return done.await(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The command ended (its output is printed): a signal now has nothing to wait for. */
    public synchronized void done() {
        done.countDown();
        unhook();
    }

    private void unhook() {
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs (or ran) now, and finds the command done
            }
            hook = null;
        }
    }
}
