package ai.omninode.onex.workflow;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * {@code error_handling.retry_policy}: how often, and after what wait, a failed node step is tried again.
 *
 * @param retryOnSteps the steps it applies to; empty means every node step
 * @param baseDelayMs the wait before the first retry
 * @param maxDelayMs no wait is longer
 */
public record RetryPolicy(int maxRetries, List<String> retryOnSteps, Backoff backoff, long baseDelayMs, long maxDelayMs) {
    public static final long DEFAULT_BASE_DELAY_MS = 1000;
    public static final long DEFAULT_MAX_DELAY_MS = 30_000;

    /** No retries. */
    public static final RetryPolicy NONE = new RetryPolicy(0, List.of(), Backoff.FIXED, 0, 0);

    public RetryPolicy {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("max_retries must be >= 0, got " + maxRetries);
        }
        if (baseDelayMs < 0 || maxDelayMs < 0) {
            throw new IllegalArgumentException("delays must be >= 0, got base_delay_ms " + baseDelayMs
                    + ", max_delay_ms " + maxDelayMs);
        }
        retryOnSteps = List.copyOf(retryOnSteps);
    }

    /** How the wait grows from one retry to the next. */
    public enum Backoff {
        FIXED, LINEAR, EXPONENTIAL;

        public static Backoff fromYaml(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }

    public boolean appliesTo(String step) {
        return maxRetries > 0 && (retryOnSteps.isEmpty() || retryOnSteps.contains(step));
    }

    /** The wait before retry number {@code retry} (1 for the first retry), at most {@code maxDelayMs}. */
    public Duration delayBefore(int retry) {
        long factor = switch (backoff) {
            case FIXED -> 1;
            case LINEAR -> Math.max(1, retry);
            case EXPONENTIAL -> 1L << Math.min(Math.max(0, retry - 1), 62);
        };
        long ms = baseDelayMs != 0 && factor > Long.MAX_VALUE / baseDelayMs ? Long.MAX_VALUE : baseDelayMs * factor;
        return Duration.ofMillis(Math.min(ms, maxDelayMs));
    }
}
