package ai.omninode.onex.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TimerWheelTest {
    private final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);
    private final TimerWheel wheel = new TimerWheel(executor);

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    private static long ms(long n) {
        return TimeUnit.MILLISECONDS.toNanos(n);
    }

    @Test
    void timersFireInTheOrderOfTheirDeadlinesNeverBeforeThemAlsoSeveralRoundsAhead() throws Exception {
        long[] delaysMs = {70, 3, 140, 40, TimerWheel.SLOTS + 1, 1, TimerWheel.SLOTS, 0, 2 * TimerWheel.SLOTS + 5};
        List<Long> fired = new CopyOnWriteArrayList<>();
        Map<Long, Long> lateBy = new ConcurrentHashMap<>();
        // each timer's deadline as the wheel takes it lies between these two: the test thread may be descheduled
        // between two schedule calls, so the deadlines' order need not be the delays'
        Map<Long, long[]> dueBetween = new ConcurrentHashMap<>();
        CountDownLatch all = new CountDownLatch(delaysMs.length);
        for (long d : delaysMs) {
            long due = System.nanoTime() + ms(d);
            wheel.schedule(() -> {
                lateBy.put(d, System.nanoTime() - due);
                fired.add(d);
                all.countDown();
            }, ms(d));
            dueBetween.put(d, new long[] {due, System.nanoTime() + ms(d)});
        }

        assertThat(all.await(30, TimeUnit.SECONDS)).isTrue();

        for (int i = 0; i < fired.size(); i++) {
            for (int j = i + 1; j < fired.size(); j++) {
                long earlier = fired.get(i);
                long later = fired.get(j);
                assertThat(dueBetween.get(earlier)[0]).as("%d ms fired before %d ms: its deadline is not after that"
                        + " one's (fired: %s)", earlier, later, fired).isLessThanOrEqualTo(dueBetween.get(later)[1]);
            }
        }
        assertThat(lateBy.values()).as("never before the deadline").allMatch(late -> late >= 0);
    }

    /**
     * The executor stalls (a collection, a busy machine) for several rounds while timers wait in their slots and new
     * ones arrive: the tick after it meets them in slot order and the new ones newest first, yet fires them in the
     * order of their deadlines.
     */
    @Test
    void afterAStallOfSeveralRoundsDueTimersStillFireInTheOrderOfTheirDeadlines() throws Exception {
        // each timer's deadline as the wheel took it lies within its {from, to}, in the order they fired
        List<long[]> fired = new CopyOnWriteArrayList<>();
        // far enough ahead to be in their slots before the stall; spread over rounds and slots
        long[] inSlots = {270, 4 * TimerWheel.SLOTS + 1, 300, 5 * TimerWheel.SLOTS + 5, 230};
        long[] duringStall = {9, 2, 5};
        CountDownLatch all = new CountDownLatch(inSlots.length + duringStall.length);
        long start = System.nanoTime();
        for (long d : inSlots) {
            scheduleRecordingDeadline(d, fired, all);
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1)).until(
                () -> CompletableFuture.supplyAsync(wheel::size, executor).get() == inSlots.length);
        CountDownLatch stall = new CountDownLatch(1);
        executor.execute(() -> {
            try {
                stall.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        for (long d : duringStall) {
            scheduleRecordingDeadline(d, fired, all);
        }
        // the stall itself: the executor is blocked until every timer is due, and more than a round has passed
        await().atMost(Duration.ofSeconds(30)).until(() -> System.nanoTime() - start > ms(7L * TimerWheel.SLOTS));
        stall.countDown();

        assertThat(all.await(30, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < fired.size(); i++) {
            for (int j = i + 1; j < fired.size(); j++) {
                assertThat(fired.get(i)[0]).as("a timer fired before one whose deadline is earlier")
                        .isLessThanOrEqualTo(fired.get(j)[1]);
            }
        }
    }

    /** Schedules a timer due in {@code d} ms that adds the bounds of its deadline to {@code fired} when it fires. */
    private void scheduleRecordingDeadline(long d, List<long[]> fired, CountDownLatch all) {
        long from = System.nanoTime() + ms(d);
        long[] bounds = {from, 0};
        wheel.schedule(() -> {
            fired.add(bounds);
            all.countDown();
        }, ms(d));
        bounds[1] = System.nanoTime() + ms(d); // by this thread, which reads it after every timer fired
    }

    @Test
    void aCancelledTimerNeverRunsAndLeavesTheWheelWithinARound() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        List<Runnable> handles = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) { // due in 10 s and more: cancelled long before, however slow this thread
            handles.add(wheel.schedule(ran::incrementAndGet, ms(10_000 + i % 300)));
        }
        handles.forEach(Runnable::run);
        CompletableFuture<Void> later = new CompletableFuture<>();
        wheel.schedule(() -> later.complete(null), ms(3 * TimerWheel.SLOTS));

        later.get(30, TimeUnit.SECONDS);

        assertThat(ran).hasValue(0);
        CompletableFuture<Integer> size = CompletableFuture.supplyAsync(wheel::size, executor);
        assertThat(size.get(30, TimeUnit.SECONDS)).as("nothing left in the wheel").isZero();
    }

    @Test
    void theWheelTicksOnlyWhileItHoldsTimers() throws Exception {
        CompletableFuture<Void> fired = new CompletableFuture<>();
        wheel.schedule(() -> fired.complete(null), ms(2));
        wheel.schedule(() -> { }, ms(10)).run();
        fired.get(30, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(30)).until(() -> executor.getQueue().isEmpty() && executor.getActiveCount() == 0);
        CompletableFuture<Void> again = new CompletableFuture<>();
        wheel.schedule(() -> again.complete(null), ms(1));
        again.get(30, TimeUnit.SECONDS);
    }

    @Test
    void timersScheduledFromManyThreadsAtOnceAllFireOnce() throws Exception {
        int threads = 4;
        int each = 5_000;
        AtomicInteger ran = new AtomicInteger();
        CountDownLatch all = new CountDownLatch(threads * each / 2);
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    // the cancelled half is due in 10 s: cancelled long before, however slow this thread runs
                    Runnable cancel = wheel.schedule(() -> {
                        ran.incrementAndGet();
                        all.countDown();
                    }, ms(i % 2 == 0 ? i % 20 : 10_000 + i % 20));
                    if (i % 2 == 1) {
                        cancel.run();
                    }
                }
            });
            thread.start();
            started.add(thread);
        }
        for (Thread t : started) {
            t.join();
        }

        assertThat(all.await(30, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> CompletableFuture.supplyAsync(wheel::size, executor).get() == 0);
        assertThat(ran).as("each timer not cancelled ran exactly once, no cancelled one ran").hasValue(threads * each / 2);
    }

    @Test
    void schedulingIsRefusedOnceTheExecutorIsShutDown() {
        executor.shutdownNow();
        assertThatThrownBy(() -> wheel.schedule(() -> { }, ms(1))).isInstanceOf(RejectedExecutionException.class);
    }
}
