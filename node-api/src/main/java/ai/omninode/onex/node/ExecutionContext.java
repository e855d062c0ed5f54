package ai.omninode.onex.node;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * What the host knows about one call of {@link EffectNode#execute(java.util.Map, ExecutionContext)}: by when it must answer,
 * which logical execution it belongs to, and the run's correlation id and trace. Immutable.
 *
 * <ul>
 *   <li><b>Deadline</b>: the step's {@code timeout_ms}, or the workflow's remaining time if that is shorter. A node
 *       with side effects answers by then on its own: "nothing was done" (retriable) if the effect had not started,
 *       "outcome unknown" (not retriable) if it may have happened.</li>
 *   <li><b>Idempotency key</b>: the same for every attempt of one step of one run, and, under a host that consumes
 *       trigger events, for every redelivery of the same trigger. A node makes the effects of calls with the same key
 *       recognisable as one (the Kafka node derives its {@code event_id} from it).</li>
 *   <li><b>Correlation id</b> and <b>trace context</b> of the run, to carry on what the node sends.</li>
 * </ul>
 */
public final class ExecutionContext {
    private static final long NO_DEADLINE = Long.MAX_VALUE;
    /** About 146 years: a longer timeout is no deadline, as {@link System#nanoTime()} differences would overflow. */
    private static final long MAX_DEADLINE_NANOS = Long.MAX_VALUE / 2;
    private static final ExecutionContext NONE = new Builder().build();
    /** Longest idempotency key accepted: keys are for deriving ids, not for carrying data. */
    public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 1024;

    private final String idempotencyKey;
    private final UUID correlationId;
    private final TraceContext traceContext;
    private final long deadlineNanos;
    private final boolean hasDeadline;
    private final int attempt;

    private ExecutionContext(Builder b) {
        this.idempotencyKey = b.idempotencyKey;
        this.correlationId = b.correlationId;
        this.traceContext = b.traceContext;
        this.deadlineNanos = b.deadlineNanos;
        this.hasDeadline = b.hasDeadline;
        this.attempt = b.attempt;
    }

    /** No deadline, no key, no correlation id, no trace: what a caller that knows nothing passes. */
    public static ExecutionContext none() {
        return NONE;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this context. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.idempotencyKey = idempotencyKey;
        b.correlationId = correlationId;
        b.traceContext = traceContext;
        b.deadlineNanos = deadlineNanos;
        b.hasDeadline = hasDeadline;
        b.attempt = attempt;
        return b;
    }

    /** Stable across retries of one step (and redeliveries of one trigger); empty when the caller gave none. */
    public Optional<String> idempotencyKey() {
        return Optional.ofNullable(idempotencyKey);
    }

    public Optional<UUID> correlationId() {
        return Optional.ofNullable(correlationId);
    }

    /** The trace this call continues: a node that sends something on carries a child of it. */
    public Optional<TraceContext> traceContext() {
        return Optional.ofNullable(traceContext);
    }

    public boolean hasDeadline() {
        return hasDeadline;
    }

    /**
     * The time left until the deadline in {@code unit} (zero or less once it passed), or {@link Long#MAX_VALUE}
     * without a deadline.
     */
    public long timeRemaining(TimeUnit unit) {
        if (!hasDeadline) {
            return Long.MAX_VALUE;
        }
        return unit.convert(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    /** Whether the deadline has passed; never for a context without one. */
    public boolean isExpired() {
        return hasDeadline && deadlineNanos - System.nanoTime() <= 0;
    }

    /** The deadline in {@link System#nanoTime()} terms; meaningful only if {@link #hasDeadline()}. */
    public long deadlineNanoTime() {
        return deadlineNanos;
    }

    /** Which attempt of the step this call is: 1 for the first, 2 for the first retry, ... */
    public int attempt() {
        return attempt;
    }

    @Override
    public String toString() {
        return "ExecutionContext[idempotencyKey=" + idempotencyKey + ", correlationId=" + correlationId
                + ", trace=" + (traceContext == null ? null : traceContext.traceparent())
                + ", deadline=" + (hasDeadline ? "in " + timeRemaining(TimeUnit.MILLISECONDS) + " ms" : "none")
                + ", attempt=" + attempt + "]";
    }

    /** Builds a context; every setter accepts {@code null} for "none". */
    public static final class Builder {
        private String idempotencyKey;
        private UUID correlationId;
        private TraceContext traceContext;
        private long deadlineNanos = NO_DEADLINE;
        private boolean hasDeadline;
        private int attempt = 1;

        private Builder() {
        }

        /** Throws {@link IllegalArgumentException} for a blank key or one over {@value #MAX_IDEMPOTENCY_KEY_LENGTH} chars. */
        public Builder idempotencyKey(String key) {
            if (key != null && (key.isBlank() || key.length() > MAX_IDEMPOTENCY_KEY_LENGTH)) {
                throw new IllegalArgumentException("idempotency key must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH
                        + " characters and not blank, got " + (key.isBlank() ? "a blank one" : key.length() + " characters"));
            }
            this.idempotencyKey = key;
            return this;
        }

        public Builder correlationId(UUID correlationId) {
            this.correlationId = correlationId;
            return this;
        }

        public Builder traceContext(TraceContext traceContext) {
            this.traceContext = traceContext;
            return this;
        }

        /** A deadline {@code timeout} from now; {@code null} for none. A zero or negative one has passed already. */
        public Builder deadlineAfter(Duration timeout) {
            if (timeout == null) {
                return noDeadline();
            }
            long nanos;
            try {
                nanos = timeout.isNegative() ? 0 : timeout.toNanos();
            } catch (ArithmeticException tooLong) {
                return noDeadline(); // over 292 years
            }
            if (nanos > MAX_DEADLINE_NANOS) {
                return noDeadline(); // nanoTime differences past this would overflow
            }
            return deadlineNanoTime(System.nanoTime() + nanos);
        }

        /** A deadline at {@code nanoTime} in {@link System#nanoTime()} terms. */
        public Builder deadlineNanoTime(long nanoTime) {
            this.deadlineNanos = nanoTime;
            this.hasDeadline = true;
            return this;
        }

        public Builder noDeadline() {
            this.deadlineNanos = NO_DEADLINE;
            this.hasDeadline = false;
            return this;
        }

        /** Throws {@link IllegalArgumentException} below 1. */
        public Builder attempt(int attempt) {
            if (attempt < 1) {
                throw new IllegalArgumentException("attempt must be 1 or more, got " + attempt);
            }
            this.attempt = attempt;
            return this;
        }

        public ExecutionContext build() {
            return new ExecutionContext(this);
        }
    }
}
