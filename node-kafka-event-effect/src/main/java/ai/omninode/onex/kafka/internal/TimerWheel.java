package ai.omninode.onex.kafka.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Timers that are nearly always called off before they fire: one per event with a deadline, cancelled when Kafka
 * answers. A {@code ScheduledThreadPoolExecutor} timer per event takes its queue's lock twice (schedule on the
 * caller's thread, cancel on Kafka's I/O thread) with a heap insertion and removal under it; here scheduling is one
 * CAS on a stack of new timers, cancelling is one write to the timer itself, and the bookkeeping happens on the
 * executor's thread, a millisecond's worth at a time.
 *
 * <p>A hashed wheel, as Netty's {@code HashedWheelTimer} and Kafka's purgatory have: {@value #SLOTS} slots of one
 * millisecond. Every tick takes the due timers of the slots whose time has come, drops the cancelled ones it meets
 * there and keeps those due in a later round; then it moves the new timers into the slot of their deadline, and
 * fires the due ones in the order of their deadlines. So a
 * cancelled timer is dropped within one round ({@value #SLOTS} ms), while a timer still pending is looked at once
 * a round. A timer fires at the first tick at or after its deadline (never before it; about a millisecond after it at
 * most, and the executor timer it replaces rounded delays up to whole milliseconds too). The wheel ticks only while
 * it holds timers.
 *
 * <p>Why not a library (measured): the executor's timer queue was 13 % of Kafka's I/O thread on the runner's path
 * (phase 1's JFR, issue 15), and Netty's wheel would bring Netty into every plugin for 190 lines.
 *
 * <p>Thread-safety: {@link #schedule} and cancelling from any thread; the wheel itself only on the executor, which
 * must be single-threaded.
 */
final class TimerWheel {
    private static final Logger LOG = LoggerFactory.getLogger(TimerWheel.class);
    static final int SLOTS = 64;
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final Comparator<Timer> BY_DUE_TICK = Comparator.comparingLong(t -> t.dueTick);
    private static final VarHandle TASK;

    static {
        try {
            TASK = MethodHandles.lookup().findVarHandle(Timer.class, "task", Runnable.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One timer; running it cancels it. */
    static final class Timer implements Runnable {
        /** The first tick of the wheel at or after the deadline. */
        final long dueTick;
        /** {@code null} once cancelled or run. */
        @SuppressWarnings("unused") // through TASK
        private volatile Runnable task;
        /** The next timer: in the stack of new ones, then in its slot (there only the executor's thread reads it). */
        Timer next;

        Timer(long dueTick, Runnable task) {
            this.dueTick = dueTick;
            this.task = task;
        }

        /** Cancels: the task does not run unless it runs already. A release store: nothing to wait for. */
        @Override
        public void run() {
            TASK.setRelease(this, null);
        }

        private Runnable take() {
            return (Runnable) TASK.getAndSet(this, null);
        }

        private boolean cancelled() {
            return TASK.getAcquire(this) == null;
        }
    }

    private final ScheduledExecutorService executor;
    private final long origin = System.nanoTime();
    /** Timers scheduled since the last tick, newest first. */
    private final AtomicReference<Timer> incoming = new AtomicReference<>();
    /** Whether a tick is scheduled (or running): one chain of ticks at a time. */
    private final AtomicBoolean ticking = new AtomicBoolean();
    // the wheel: the executor's thread only
    private final Timer[] slots = new Timer[SLOTS];
    private int size;
    /**
     * The timers a tick found due, fired together in the order of their deadlines: after a stall longer than a round,
     * one pass over the slots meets them in slot order, not deadline order (and new timers come newest first).
     */
    private final ArrayList<Timer> due = new ArrayList<>();
    /** The last tick done, in ticks since {@link #origin}. */
    private long tick;

    TimerWheel(ScheduledExecutorService executor) {
        this.executor = executor;
    }

    /**
     * Runs {@code task} on the executor about {@code delayNanos} from now, unless the returned handle is run first.
     * Throws {@link RejectedExecutionException} once the executor is shut down.
     */
    Runnable schedule(Runnable task, long delayNanos) {
        if (executor.isShutdown()) {
            throw new RejectedExecutionException("the timer wheel's executor is shut down");
        }
        long due = System.nanoTime() - origin + Math.max(0, delayNanos);
        Timer t = new Timer((due + TICK_NANOS - 1) / TICK_NANOS, task);
        Timer head;
        do {
            head = incoming.get();
            t.next = head;
        } while (!incoming.compareAndSet(head, t));
        if (!ticking.get() && ticking.compareAndSet(false, true)) {
            executor.schedule(this::tick, TICK_NANOS, TimeUnit.NANOSECONDS);
        }
        return t;
    }

    /** On the executor: fires due timers, drops cancelled ones met, places new ones, and plans the next tick. */
    void tick() {
        long nowTick = (System.nanoTime() - origin) / TICK_NANOS;
        long last = Math.min(nowTick, tick + SLOTS); // after a stall, one pass over every slot is enough
        for (long k = tick + 1; k <= last; k++) {
            runSlot((int) (k & (SLOTS - 1)), nowTick);
        }
        tick = Math.max(tick, nowTick);
        place(incoming.getAndSet(null), nowTick);
        fireDue();
        if (size == 0 && incoming.get() == null) {
            ticking.set(false);
            // a timer scheduled after the check above saw the flag still set, so it asked for no tick: ask here
            if (incoming.get() == null || !ticking.compareAndSet(false, true)) {
                return;
            }
        }
        try {
            executor.schedule(this::tick, TICK_NANOS, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // shut down: the node fails its events itself
        }
    }

    private void runSlot(int slot, long nowTick) {
        Timer kept = null;
        for (Timer t = slots[slot]; t != null;) {
            Timer next = t.next;
            if (t.cancelled()) {
                size--;
            } else if (t.dueTick <= nowTick) {
                size--;
                due.add(t);
            } else {
                t.next = kept;
                kept = t;
            }
            t = next;
        }
        slots[slot] = kept;
    }

    private void place(Timer t, long nowTick) {
        while (t != null) {
            Timer next = t.next;
            if (t.cancelled()) {
                // dropped
            } else if (t.dueTick <= nowTick) {
                due.add(t);
            } else {
                int slot = (int) (t.dueTick & (SLOTS - 1));
                t.next = slots[slot];
                slots[slot] = t;
                size++;
            }
            t = next;
        }
    }

    private void fireDue() {
        if (due.isEmpty()) {
            return;
        }
        if (due.size() > 1) {
            due.sort(BY_DUE_TICK);
        }
        for (Timer t : due) {
            fire(t);
        }
        due.clear();
    }

    private static void fire(Timer t) {
        Runnable task = t.take();
        if (task == null) {
            return;
        }
        try {
            task.run();
        } catch (RuntimeException | Error e) { // the executor would keep it in a future nobody reads
            LOG.error("Unexpected error in a Kafka event effect timer", e);
        }
    }

    /** Timers in the wheel, not counting those scheduled since the last tick; for tests. */
    int size() {
        return size;
    }
}
