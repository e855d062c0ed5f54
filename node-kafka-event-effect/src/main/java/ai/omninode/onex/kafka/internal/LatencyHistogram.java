package ai.omninode.onex.kafka.internal;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A lock-free histogram of durations in nanoseconds for percentiles: log-linear buckets (32 per power of two, so a
 * percentile is off by at most about 3 %), one atomic increment per value, fixed memory (about 15 KB).
 */
public final class LatencyHistogram {
    private static final int SUB_BITS = 5;
    private static final int SUB = 1 << SUB_BITS;          // 32 sub-buckets per power of two
    private static final int LINEAR = SUB * 2;            // values below 64 ns get a bucket each
    private static final int BUCKETS = LINEAR + (63 - SUB_BITS) * SUB;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    public void record(long nanos) {
        counts.incrementAndGet(index(Math.max(0, nanos)));
    }

    static int index(long v) {
        if (v < LINEAR) {
            return (int) v;
        }
        int msb = 63 - Long.numberOfLeadingZeros(v);       // >= SUB_BITS + 1
        int shift = msb - SUB_BITS;                         // v >>> shift is in [SUB, 2 * SUB)
        return LINEAR + (shift - 1) * SUB + (int) ((v >>> shift) - SUB);
    }

    /** The middle of bucket {@code i}, in nanoseconds. */
    static double middle(int i) {
        if (i < LINEAR) {
            return i;
        }
        int shift = (i - LINEAR) / SUB + 1;
        long lower = ((long) ((i - LINEAR) % SUB + SUB)) << shift;
        return lower + (1L << shift) / 2.0;
    }

    /** The value at quantile {@code q} (0..1) in milliseconds, or 0 when nothing was recorded. */
    public double percentileMillis(double q) {
        long[] snapshot = new long[BUCKETS];
        long total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            snapshot[i] = counts.get(i);
            total += snapshot[i];
        }
        if (total == 0) {
            return 0.0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += snapshot[i];
            if (seen >= rank) {
                return middle(i) / 1_000_000.0;
            }
        }
        return middle(BUCKETS - 1) / 1_000_000.0;
    }
}
