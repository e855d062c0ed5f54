package ai.omninode.onex.kafka.internal;

import ai.omninode.onex.kafka.ModelKafkaEventConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The node's circuit breaker: when it opens, what it logs as it changes state, and the names of its states. */
final class CircuitBreakers {
    private static final Logger LOG = LoggerFactory.getLogger("ai.omninode.onex.kafka.NodeKafkaEventEffect");

    private CircuitBreakers() {
    }

    static CircuitBreaker circuitBreaker(ModelKafkaEventConfig config, String nodeId, NodeMeters metrics,
            CircuitBreakerRegistry registry) {
        int threshold = config.circuitBreakerThreshold();
        // the last `threshold` calls all failed <=> `threshold` consecutive failures; a success breaks the run
        CircuitBreakerConfig cbConfig = CircuitBreakerConfig.custom()
                .slidingWindow(threshold, threshold, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(100f)
                // resilience4j also opens when every call in the window took over 60 s, successes included: with a
                // long delivery.timeout.ms that would open the breaker on the very success that ends an outage
                .slowCallDurationThreshold(Duration.ofNanos(Long.MAX_VALUE))
                .waitDurationInOpenState(Duration.ofSeconds(config.circuitBreakerTimeoutS()))
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .permittedNumberOfCallsInHalfOpenState(1)
                .writableStackTraceEnabled(false)
                .build();
        CircuitBreaker breaker = registry.circuitBreaker(NodeMeters.NODE, cbConfig);
        breaker.getEventPublisher().onStateTransition(event -> {
            CircuitBreaker.State to = event.getStateTransition().getToState();
            CircuitBreaker.State from = event.getStateTransition().getFromState();
            if (to == CircuitBreaker.State.OPEN) {
                metrics.breakerOpens.increment();
                String why = ClusterCheck.openingReason();
                LOG.warn("Node {}: circuit breaker {} -> open after {}; refusing to publish for {} s", nodeId,
                        status(from), why != null ? why : from == CircuitBreaker.State.HALF_OPEN ? "a failed trial publish"
                                : threshold + " consecutive failed publishes", config.circuitBreakerTimeoutS());
            } else {
                LOG.info("Node {}: circuit breaker {} -> {}", nodeId, status(from), status(to));
            }
        });
        return breaker;
    }

    /** {@code closed}, {@code open} or {@code half_open} (and resilience4j's other states in lower case). */
    public static String status(CircuitBreaker.State state) {
        return switch (state) {
            case CLOSED -> "closed";
            case OPEN -> "open";
            case HALF_OPEN -> "half_open";
            default -> state.name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
