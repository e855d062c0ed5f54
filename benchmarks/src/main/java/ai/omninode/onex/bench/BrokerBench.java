package ai.omninode.onex.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/** The broker-bound rounds: pipelined throughput and awaited one-at-a-time latency, interleaved. */
final class BrokerBench {
    /** Per-variant results over the measured rounds. */
    static final class Series {
        final String name;
        final List<Double> rates = new ArrayList<>();
        final List<Double> p50 = new ArrayList<>();
        final List<Double> p99 = new ArrayList<>();
        /** CPU nanoseconds per record: sending thread, producer I/O thread, the rest (broker). */
        final List<Double> cpuSender = new ArrayList<>();
        final List<Double> cpuIo = new ArrayList<>();
        final List<Double> cpuRest = new ArrayList<>();
        /** Per round: milliseconds and number of collections (all collectors, stop-the-world or not) during it. */
        final List<Double> gcMs = new ArrayList<>();
        final List<Double> gcCount = new ArrayList<>();
        /** Per round: wall-clock start and end (epoch ms), to find a slow round in a JFR recording or a GC log. */
        final List<Long> startedAt = new ArrayList<>();
        final List<Long> endedAt = new ArrayList<>();
        /** Per pipelined round, from the producer's own counters: records per produce request, bytes sent per record. */
        final List<Double> recordsPerRequest = new ArrayList<>();
        final List<Double> bytesPerRecord = new ArrayList<>();
        long failures;
        long events;

        Series(String name) {
            this.name = name;
        }

        double rate() {
            return Stats.median(rates);
        }

        double p50() {
            return Stats.median(p50);
        }

        double p99() {
            return Stats.median(p99);
        }

        /** The slowest round's rate: a dip a median would hide. */
        double worst() {
            return rates.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        }

        /** Records the round's wall-clock window and the collections that ran in it. */
        void window(long startMs, long[] gc0) {
            long[] gc1 = gc();
            startedAt.add(startMs);
            endedAt.add(System.currentTimeMillis());
            gcCount.add((double) (gc1[0] - gc0[0]));
            gcMs.add((double) (gc1[1] - gc0[1]));
        }
    }

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    /** [collections, milliseconds] so far, over all collectors of this JVM. */
    static long[] gc() {
        long count = 0;
        long ms = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, b.getCollectionCount());
            ms += Math.max(0, b.getCollectionTime());
        }
        return new long[] {count, ms};
    }

    private BrokerBench() {
    }

    /**
     * One pipelined round: {@code n} events, at most {@code window} in flight; records per second. When the window is
     * full the sender sleeps 50 us at a time instead of being woken by each acknowledgement: a semaphore would make
     * Kafka's I/O thread wake the sender once per record (a futex call each), which slows whichever sender is
     * slower still more and measures the harness rather than the sender.
     */
    static double pipelinedRound(Sink sink, int n, int window, Series into) {
        AtomicLong ended = new AtomicLong();
        LongAdder failures = new LongAdder();
        long[] cpu0 = into == null ? null : CpuClock.now(Thread.currentThread());
        long[] gc0 = gc();
        Map<String, double[]> producers0 = into == null ? null : ProducerStats.snapshot();
        long startMs = System.currentTimeMillis();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            while (i - ended.get() >= window) {
                LockSupport.parkNanos(50_000);
            }
            sink.sendAsync(i & (Events.COUNT - 1), ended, failures);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (ended.get() < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(sink.name() + ": events still in flight after 120 s");
            }
            LockSupport.parkNanos(50_000);
        }
        double rate = n / ((System.nanoTime() - t0) / 1e9);
        if (into != null) {
            long[] cpu1 = CpuClock.now(Thread.currentThread());
            into.rates.add(rate);
            into.cpuSender.add((cpu1[0] - cpu0[0]) / (double) n);
            into.cpuIo.add((cpu1[1] - cpu0[1]) / (double) n);
            into.cpuRest.add((cpu1[2] - cpu0[2]) / (double) n);
            into.failures += failures.sum();
            into.events += n;
            into.window(startMs, gc0);
            double[] batching = ProducerStats.round(producers0, ProducerStats.snapshot());
            if (batching != null) {
                into.recordsPerRequest.add(batching[0]);
                into.bytesPerRecord.add(batching[1]);
            }
        }
        return rate;
    }

    /** One sequential round: up to {@code n} awaited publishes, stopping after {@code maxMillis}. */
    static void sequentialRound(Sink sink, int n, long maxMillis, Series into) throws Exception {
        long[] lat = new long[n];
        long[] gc0 = gc();
        long startMs = System.currentTimeMillis();
        long deadline = System.nanoTime() + maxMillis * 1_000_000;
        long t0 = System.nanoTime();
        int done = 0;
        while (done < n && (done < 20 || System.nanoTime() < deadline)) {
            long s = System.nanoTime();
            try {
                sink.sendAwait(done & (Events.COUNT - 1));
            } catch (Exception e) {
                if (into != null) {
                    into.failures++;
                }
            }
            lat[done++] = System.nanoTime() - s;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (into != null) {
            into.rates.add(done / seconds);
            into.p50.add(Stats.percentileMs(lat, done, 0.50));
            into.p99.add(Stats.percentileMs(lat, done, 0.99));
            into.events += done;
            into.window(startMs, gc0);
        }
    }

    /**
     * Interleaved pipelined rounds: warm-up rounds of each, then {@code rounds} rounds in which every sink runs once,
     * in an order that rotates from round to round.
     */
    static Map<String, Series> pipelined(List<Sink> sinks, int rounds, int warmups, int n, int window) throws Exception {
        Map<String, Series> out = new LinkedHashMap<>();
        for (Sink s : sinks) {
            out.put(s.name(), new Series(s.name()));
        }
        for (int w = 0; w < warmups; w++) {
            for (Sink s : sinks) {
                pipelinedRound(s, n, window, null);
            }
        }
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < sinks.size(); k++) {
                Sink s = sinks.get((r + k) % sinks.size());
                pipelinedRound(s, n, window, out.get(s.name()));
            }
            progress("pipelined round " + (r + 1) + "/" + rounds, out);
        }
        return out;
    }

    static Map<String, Series> sequential(List<Sink> sinks, int rounds, int warmups, int n, long maxMillis) throws Exception {
        Map<String, Series> out = new LinkedHashMap<>();
        for (Sink s : sinks) {
            out.put(s.name(), new Series(s.name()));
        }
        for (int w = 0; w < warmups; w++) {
            for (Sink s : sinks) {
                sequentialRound(s, n, maxMillis, null);
            }
        }
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < sinks.size(); k++) {
                Sink s = sinks.get((r + k) % sinks.size());
                sequentialRound(s, n, maxMillis, out.get(s.name()));
            }
            progress("sequential round " + (r + 1) + "/" + rounds, out);
        }
        return out;
    }

    /** Progress lines with each round's UTC window and collections ({@code --peers}, for matching a dip to JFR). */
    static volatile boolean verbose;

    static void progress(String what, Map<String, Series> series) {
        StringBuilder sb = new StringBuilder("  ").append(what).append(":");
        for (Series s : series.values()) {
            int last = s.rates.size() - 1;
            sb.append(verbose ? "\n    " : " ").append(String.format(verbose ? "%s=%,.0f/s" : "%s=%.0f/s", s.name, s.rates.get(last)));
            if (!s.cpuIo.isEmpty()) {
                sb.append(String.format(" (cpu ns/rec sender %.0f, io %.0f, rest %.0f)", s.cpuSender.get(last),
                        s.cpuIo.get(last), s.cpuRest.get(last)));
            }
            if (verbose && !s.recordsPerRequest.isEmpty()) {
                sb.append(String.format(" (%.0f records/request, %.0f B/record sent)",
                        s.recordsPerRequest.get(s.recordsPerRequest.size() - 1), s.bytesPerRecord.get(s.bytesPerRecord.size() - 1)));
            }
            if (!s.p50.isEmpty()) {
                sb.append(String.format(" (p50 %.3f ms)", s.p50.get(last)));
            }
            if (verbose) {
                sb.append(String.format(" [%s–%s UTC, gc %.0f ms in %.0f]", CLOCK.format(Instant.ofEpochMilli(s.startedAt.get(last))),
                        CLOCK.format(Instant.ofEpochMilli(s.endedAt.get(last))), s.gcMs.get(last), s.gcCount.get(last)));
            }
        }
        System.err.println(sb);
    }
}
