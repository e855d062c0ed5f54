package ai.omninode.onex.bench;

import java.util.Arrays;
import java.util.List;

/** Medians and percentiles; nothing here is a single run. */
public final class Stats {
    private Stats() {
    }

    public static double median(List<Double> values) {
        double[] a = values.stream().mapToDouble(Double::doubleValue).toArray();
        return median(a);
    }

    public static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] a = values.clone();
        Arrays.sort(a);
        int m = a.length / 2;
        return a.length % 2 == 1 ? a[m] : (a[m - 1] + a[m]) / 2;
    }

    /** Nearest-rank percentile of nanosecond samples, in milliseconds. */
    public static double percentileMs(long[] nanos, int count, double q) {
        long[] a = Arrays.copyOf(nanos, count);
        Arrays.sort(a);
        int rank = (int) Math.ceil(q * count);
        return a[Math.max(0, Math.min(count - 1, rank - 1))] / 1e6;
    }

    /** min..max of the per-round values, to show the spread next to a median. */
    public static String spread(List<Double> values, String format) {
        double min = values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        return String.format(format, min) + "–" + String.format(format, max);
    }
}
