package ai.omninode.onex.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ExecutionContextTest {

    @Test
    void noneKnowsNothingAndNeverExpires() {
        ExecutionContext none = ExecutionContext.none();
        assertThat(none.idempotencyKey()).isEmpty();
        assertThat(none.correlationId()).isEmpty();
        assertThat(none.traceContext()).isEmpty();
        assertThat(none.hasDeadline()).isFalse();
        assertThat(none.isExpired()).isFalse();
        assertThat(none.timeRemaining(TimeUnit.MILLISECONDS)).isEqualTo(Long.MAX_VALUE);
        assertThat(none.attempt()).isEqualTo(1);
    }

    @Test
    void aDeadlineInThePastHasExpiredAndOneAheadHasNot() {
        assertThat(ExecutionContext.builder().deadlineAfter(Duration.ZERO).build().isExpired()).isTrue();
        assertThat(ExecutionContext.builder().deadlineAfter(Duration.ofMillis(-5)).build().isExpired()).isTrue();
        ExecutionContext ahead = ExecutionContext.builder().deadlineAfter(Duration.ofHours(1)).build();
        assertThat(ahead.isExpired()).isFalse();
        assertThat(ahead.timeRemaining(TimeUnit.MINUTES)).isBetween(58L, 60L);
    }

    @Test
    void anAbsurdlyLongTimeoutIsNoDeadlineRatherThanAnOverflow() {
        ExecutionContext c = ExecutionContext.builder().deadlineAfter(Duration.ofDays(365L * 500)).build();
        assertThat(c.hasDeadline()).isFalse();
        assertThat(c.isExpired()).isFalse();
        assertThat(ExecutionContext.builder().deadlineAfter(Duration.ofSeconds(Long.MAX_VALUE)).build().hasDeadline())
                .isFalse();
    }

    @Test
    void toBuilderKeepsEveryFieldAndChangesOnlyWhatIsSet() {
        UUID correlation = UUID.randomUUID();
        TraceContext trace = TraceContext.newRoot();
        ExecutionContext first = ExecutionContext.builder().idempotencyKey("run-1/publish").correlationId(correlation)
                .traceContext(trace).deadlineAfter(Duration.ofSeconds(30)).build();
        ExecutionContext retry = first.toBuilder().attempt(2).build();
        assertThat(retry.idempotencyKey()).contains("run-1/publish");
        assertThat(retry.correlationId()).contains(correlation);
        assertThat(retry.traceContext()).contains(trace);
        assertThat(retry.deadlineNanoTime()).isEqualTo(first.deadlineNanoTime());
        assertThat(retry.attempt()).isEqualTo(2);
        assertThat(retry.toString()).contains("run-1/publish", "attempt=2", trace.traceparent());
    }

    @Test
    void refusesABlankOrHugeKeyAndAnAttemptBelowOne() {
        assertThatThrownBy(() -> ExecutionContext.builder().idempotencyKey(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blank");
        assertThatThrownBy(() -> ExecutionContext.builder().idempotencyKey("k".repeat(1025)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1025 characters");
        assertThatThrownBy(() -> ExecutionContext.builder().attempt(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0");
    }
}
