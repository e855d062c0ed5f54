package ai.omninode.onex.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.kafka.ModelKafkaEventConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/** The node's breaker counts failed calls only: how long a call took never opens it. */
class CircuitBreakerConfigTest {

    private static CircuitBreaker breaker(int threshold) {
        return CircuitBreakers.circuitBreaker(ModelKafkaEventConfig.builder().circuitBreakerThreshold(threshold).build(),
                "node", new NodeMeters(), io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry.ofDefaults());
    }

    @Test
    void aSlowSuccessEndsARunOfSlowFailuresWithoutOpeningTheBreaker() {
        CircuitBreaker b = breaker(3);
        // an outage ridden out with a long delivery.timeout.ms: failures and the first success all take minutes
        b.onError(120, TimeUnit.SECONDS, new TimeoutException("Expiring 1 record(s)"));
        b.onError(120, TimeUnit.SECONDS, new TimeoutException("Expiring 1 record(s)"));
        b.onSuccess(90, TimeUnit.SECONDS);

        assertThat(b.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void aSlowSuccessfulHalfOpenTrialClosesTheBreaker() {
        CircuitBreaker b = breaker(1);
        b.onError(1, TimeUnit.SECONDS, new TimeoutException("Expiring 1 record(s)"));
        assertThat(b.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        b.transitionToHalfOpenState();
        assertThat(b.tryAcquirePermission()).isTrue();

        b.onSuccess(90, TimeUnit.SECONDS);

        assertThat(b.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void thresholdConsecutiveFailuresOpenIt() {
        CircuitBreaker b = breaker(3);
        b.onError(1, TimeUnit.MILLISECONDS, new TimeoutException("x"));
        b.onError(1, TimeUnit.MILLISECONDS, new TimeoutException("x"));
        assertThat(b.getState()).isEqualTo(CircuitBreaker.State.CLOSED);

        b.onError(1, TimeUnit.MILLISECONDS, new TimeoutException("x"));

        assertThat(b.getState()).isEqualTo(CircuitBreaker.State.OPEN);
    }
}
