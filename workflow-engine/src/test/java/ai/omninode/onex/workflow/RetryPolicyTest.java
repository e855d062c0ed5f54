package ai.omninode.onex.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private static RetryPolicy policy(RetryPolicy.Backoff backoff) {
        return new RetryPolicy(5, List.of("a"), backoff, 100, 1000);
    }

    @Test
    void exponentialBackoffDoublesTheWaitAndStopsAtTheMaximum() {
        RetryPolicy p = policy(RetryPolicy.Backoff.EXPONENTIAL);
        assertThat(List.of(1, 2, 3, 4, 5)).extracting(p::delayBefore).containsExactly(Duration.ofMillis(100),
                Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofMillis(800), Duration.ofMillis(1000));
    }

    @Test
    void linearBackoffAddsTheBaseDelayEachTime() {
        RetryPolicy p = policy(RetryPolicy.Backoff.LINEAR);
        assertThat(List.of(1, 2, 3)).extracting(p::delayBefore)
                .containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(300));
    }

    @Test
    void fixedBackoffWaitsTheSameEachTime() {
        RetryPolicy p = policy(RetryPolicy.Backoff.FIXED);
        assertThat(List.of(1, 4)).extracting(p::delayBefore).containsOnly(Duration.ofMillis(100));
    }

    @Test
    void aVeryLateRetryDoesNotOverflowPastTheMaximum() {
        RetryPolicy p = new RetryPolicy(100, List.of(), RetryPolicy.Backoff.EXPONENTIAL, 1000, 30_000);
        assertThat(p.delayBefore(100)).isEqualTo(Duration.ofMillis(30_000));
    }

    @Test
    void itAppliesToTheNamedStepsOrToAllWhenNoneAreNamed() {
        assertThat(policy(RetryPolicy.Backoff.FIXED).appliesTo("a")).isTrue();
        assertThat(policy(RetryPolicy.Backoff.FIXED).appliesTo("b")).isFalse();
        assertThat(new RetryPolicy(1, List.of(), RetryPolicy.Backoff.FIXED, 0, 0).appliesTo("b")).isTrue();
        assertThat(RetryPolicy.NONE.appliesTo("a")).isFalse();
    }

    @Test
    void negativeValuesAreRefusedWithTheirName() {
        assertThatThrownBy(() -> new RetryPolicy(-1, List.of(), RetryPolicy.Backoff.FIXED, 0, 0))
                .hasMessageContaining("max_retries must be >= 0, got -1");
    }
}
