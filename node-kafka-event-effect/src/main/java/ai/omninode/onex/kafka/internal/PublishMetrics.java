package ai.omninode.onex.kafka.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** The node's counters: striped adders, so that threads publishing at once do not contend. */
public final class PublishMetrics {
    final LongAdder published = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder sentToDlq = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder dlqFailures = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder breakerOpens = new LongAdder();
    final LongAdder breakerRejections = new LongAdder();
    final LongAdder publishNanos = new LongAdder();
    final LatencyHistogram latency = new LatencyHistogram();
    /** Failed calls the breaker was told of, counted after it was (see {@code EventPublisher}'s {@code succeed}). */
    final AtomicLong breakerFailures = new AtomicLong();
    /** Of {@link #breakerFailures}, how many a success told to the breaker since came after; only grows. */
    final AtomicLong breakerFailuresBeforeSuccess = new AtomicLong();

    /** Failed calls since the last successful one (what the breaker counts towards its threshold). */
    long currentFailures() {
        return Math.max(0, breakerFailures.get() - breakerFailuresBeforeSuccess.get());
    }

    /**
     * The metrics map: the keys of the Python original ({@code events_published, events_failed, events_sent_to_dlq,
     * total_publish_time_ms, circuit_breaker_opens, retries_attempted, avg_publish_time_ms, circuit_breaker_status,
     * current_failures, node_id}), then {@code events_rejected, dlq_failures, p50_publish_time_ms,
     * p99_publish_time_ms, circuit_breaker_rejections}. Counts are {@code Long}, times fractional milliseconds
     * ({@code Double}) over successful publishes, from {@code executeEffect} to the broker's acknowledgement.
     */
    public Map<String, Object> snapshot(String breakerStatus, String nodeId) {
        long ok = published.sum();
        double totalMs = publishNanos.sum() / 1_000_000.0;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("events_published", ok);
        m.put("events_failed", failed.sum());
        m.put("events_sent_to_dlq", sentToDlq.sum());
        m.put("total_publish_time_ms", totalMs);
        m.put("circuit_breaker_opens", breakerOpens.sum());
        m.put("retries_attempted", retries.sum());
        m.put("avg_publish_time_ms", ok == 0 ? 0.0 : totalMs / ok);
        m.put("circuit_breaker_status", breakerStatus);
        m.put("current_failures", currentFailures());
        m.put("node_id", nodeId);
        m.put("events_rejected", rejected.sum());
        m.put("dlq_failures", dlqFailures.sum());
        m.put("p50_publish_time_ms", latency.percentileMillis(0.50));
        m.put("p99_publish_time_ms", latency.percentileMillis(0.99));
        m.put("circuit_breaker_rejections", breakerRejections.sum());
        return m;
    }
}
