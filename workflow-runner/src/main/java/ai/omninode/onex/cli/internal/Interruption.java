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

    /** Whether a signal (INT, TERM, HUP) came: a shutdown without one is a {@code System.exit} in the process. */
    private static final java.util.concurrent.atomic.AtomicBoolean SIGNALLED =
            new java.util.concurrent.atomic.AtomicBoolean();
    private static boolean noting;

    /**
     * From now on INT, TERM and HUP first note that they came, then do what they did (the JVM's shutdown, exit status
     * 128 + the signal): so that a shutdown hook can tell Ctrl-C from a {@code System.exit} that a node or a library
     * called while a step ran (that one's exit status, 0 even, would otherwise be the run's).
     */
    private static synchronized void noteSignals() {
        if (noting) {
            return;
        }
        noting = true;
        for (String name : new String[] {"INT", "TERM", "HUP"}) {
            noteThenChain(name, () -> SIGNALLED.set(true));
        }
    }

    /**
     * From now on the signal {@code name} runs {@code note}, then what it did before (the JVM's shutdown, exit status
     * 128 + the signal). A signal that was ignored (a background job) or left to the OS stays as it was. Whether the
     * signal can be noted: false when the JVM keeps it to itself ({@code -Xrs}) or the OS has none of that name.
     */
    public static boolean noteThenChain(String name, Runnable note) {
        try {
            sun.misc.Signal signal = new sun.misc.Signal(name);
            sun.misc.SignalHandler[] before = new sun.misc.SignalHandler[1];
            before[0] = sun.misc.Signal.handle(signal, s -> {
                note.run();
                sun.misc.SignalHandler then = before[0];
                if (then == null) { // came while being installed
                    Runtime.getRuntime().exit(128 + s.getNumber());
                } else {
                    then.handle(s);
                }
            });
            if (before[0] == sun.misc.SignalHandler.SIG_DFL || before[0] == sun.misc.SignalHandler.SIG_IGN) {
                sun.misc.Signal.handle(signal, before[0]); // ignored (a background job), or the OS's: as it was
            }
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Whether this shutdown came from a signal; false: from a {@code System.exit} called in the process. */
    public boolean bySignal() {
        return SIGNALLED.get();
    }

    /**
     * Runs {@code onSignal} on Ctrl-C from now until {@link #done()}; also when code in the process calls
     * {@code System.exit} meanwhile ({@link #bySignal()} tells which).
     */
    public synchronized void watch(Runnable onSignal) {
        noteSignals();
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
