package ai.omninode.onex.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Percentage.withPercentage;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void percentilesAreWithinThreePercentOfTheTrueValue() {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 1; i <= 10_000; i++) {
            h.record(i * 1_000L); // 1 µs .. 10 ms
        }

        assertThat(h.percentileMillis(0.50)).isCloseTo(5.0, withPercentage(3));
        assertThat(h.percentileMillis(0.99)).isCloseTo(9.9, withPercentage(3));
    }

    @Test
    void anEmptyHistogramReportsZero() {
        assertThat(new LatencyHistogram().percentileMillis(0.5)).isZero();
    }

    @Test
    void bucketsCoverEveryLongWithoutGaps() {
        int previous = -1;
        for (long v = 0; v < 5_000; v++) {
            int i = LatencyHistogram.index(v);
            assertThat(i).isBetween(previous, previous + 1);
            previous = i;
        }
        assertThat(LatencyHistogram.index(Long.MAX_VALUE)).isLessThan(64 + 58 * 32);
        assertThat(LatencyHistogram.middle(LatencyHistogram.index(1_000_000))).isCloseTo(1_000_000, withPercentage(2));
    }
}
