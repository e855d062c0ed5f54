package ai.omninode.onex.bench;

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
        }
        return rate;
    }

    /** One sequential round: up to {@code n} awaited publishes, stopping after {@code maxMillis}. */
    static void sequentialRound(Sink sink, int n, long maxMillis, Series into) throws Exception {
        long[] lat = new long[n];
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

    private static void progress(String what, Map<String, Series> series) {
        StringBuilder sb = new StringBuilder("  ").append(what).append(":");
        for (Series s : series.values()) {
            sb.append(String.format(" %s=%.0f/s", s.name, s.rates.get(s.rates.size() - 1)));
            if (!s.cpuIo.isEmpty()) {
                sb.append(String.format(" (cpu ns/rec sender %.0f, io %.0f, rest %.0f)", s.cpuSender.get(s.cpuSender.size() - 1),
                        s.cpuIo.get(s.cpuIo.size() - 1), s.cpuRest.get(s.cpuRest.size() - 1)));
            }
            if (!s.p50.isEmpty()) {
                sb.append(String.format(" (p50 %.3f ms)", s.p50.get(s.p50.size() - 1)));
            }
        }
        System.err.println(sb);
    }
}
