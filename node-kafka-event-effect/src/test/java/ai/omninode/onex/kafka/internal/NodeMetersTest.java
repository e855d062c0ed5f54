package ai.omninode.onex.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The publish timer, recorded on the node's scheduler in batches rather than by the thread that completes an event. */
class NodeMetersTest {

    private static Timer timer(SimpleMeterRegistry registry) {
        return registry.get("onex.kafka.publish").tags("node", "kafka_event_effect").timer();
    }

    @Test
    void latenciesFromManyThreadsReachTheTimersOnTheSchedulersTickAndAtOnceWhenTheMetricsAreRead() throws Exception {
        ExecutorScheduler scheduler = new ExecutorScheduler("test-meters");
        try {
            NodeMeters meters = new NodeMeters();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            meters.bindTo(registry);
            meters.started(null, null, scheduler);
            NodeMeters.TopicMeters topic = meters.topic("t");
            List<CompletableFuture<Void>> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                threads.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        topic.published(TimeUnit.MICROSECONDS.toNanos(100 + i % 100));
                    }
                }));
            }
            CompletableFuture.allOf(threads.toArray(new CompletableFuture[0])).get();

            await().atMost(Duration.ofSeconds(30)).until(() -> timer(registry).count() == 40_000);
            assertThat(timer(registry).totalTime(TimeUnit.MICROSECONDS)).isEqualTo(4 * 100 * (100 * 149.5));

            topic.published(TimeUnit.MILLISECONDS.toNanos(5));
            assertThat(meters.snapshot("closed", "n")).containsEntry("events_published", 40_001L);
            assertThat(timer(registry).count()).as("getMetrics brings the timers up to date first").isEqualTo(40_001);
        } finally {
            scheduler.shutdown();
        }
    }

    @Test
    void aSchedulerThatFallsBehindNeverHoldsMoreThanTheBoundTheRestIsRecordedAtOnce() {
        List<Runnable> stalled = new ArrayList<>();
        Scheduler never = new Scheduler() {
            @Override
            public void schedule(Runnable task, long delayMs) {
                stalled.add(task);
            }

            @Override
            public boolean runSoon(Runnable task) {
                stalled.add(task);
                return true;
            }

            @Override
            public void shutdown() {
            }
        };
        NodeMeters meters = new NodeMeters();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        meters.bindTo(registry);
        meters.started(null, null, never);
        NodeMeters.TopicMeters topic = meters.topic("t");
        int n = NodeMeters.MAX_PENDING + 1_000;
        for (int i = 0; i < n; i++) {
            topic.published(1_000);
        }

        assertThat(stalled).as("one flush asked for, not one per event").hasSize(1);
        assertThat(timer(registry).count()).as("recorded at once beyond the bound").isEqualTo(1_000);
        stalled.get(0).run();
        assertThat(timer(registry).count()).isEqualTo(n);
        meters.stopped();
        topic.published(1_000);
        assertThat(timer(registry).count()).as("a stopped node records at once").isEqualTo(n + 1);
    }

    @Test
    void getMetricsReadsTheBoundTimerOnceThereIsOneAndItsOwnBeforeAndWhenAFilterChangedTheBoundOne() {
        NodeMeters unbound = new NodeMeters();
        unbound.topic("t").published(TimeUnit.MILLISECONDS.toNanos(4));
        assertThat((Double) unbound.snapshot("closed", "n").get("p50_publish_time_ms")).isBetween(3.9, 4.1);

        NodeMeters meters = new NodeMeters();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        meters.bindTo(registry);
        meters.topic("t").published(TimeUnit.MILLISECONDS.toNanos(4));
        assertThat((Double) meters.snapshot("closed", "n").get("p99_publish_time_ms")).isBetween(3.9, 4.1);
        assertThat(timer(registry).count()).isEqualTo(1);

        // a registry whose filter denies the timer (a no-op timer, no percentiles): the node keeps its own
        NodeMeters filtered = new NodeMeters();
        SimpleMeterRegistry denying = new SimpleMeterRegistry();
        denying.config().meterFilter(MeterFilter.denyNameStartsWith("onex.kafka.publish"));
        filtered.bindTo(denying);
        filtered.topic("t").published(TimeUnit.MILLISECONDS.toNanos(4));
        assertThat((Double) filtered.snapshot("closed", "n").get("p50_publish_time_ms")).isBetween(3.9, 4.1);
        assertThat(denying.find("onex.kafka.publish").timer()).isNull();
    }
}
