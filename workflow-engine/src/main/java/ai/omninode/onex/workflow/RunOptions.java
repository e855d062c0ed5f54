package ai.omninode.onex.workflow;

import ai.omninode.onex.node.ExecutionContext;
import ai.omninode.onex.node.TraceContext;
import java.util.UUID;

/**
 * Who a run is: the key every step's idempotency key derives from ({@code <runKey>/<step>}), the run's correlation
 * id, and the trace it continues. Run the same workflow on the same input with the same key again (a redelivered
 * trigger, {@code onex run --run-key}) and its effects carry the same ids as the first time, so that consumers
 * recognise the repeats.
 *
 * @param runKey the run's identity; by default a random UUID, so that two runs are two sets of effects
 * @param correlationId the run's correlation id, or {@code null}: then the input's {@code correlation_id} if it is a
 *     UUID, else a random one
 * @param traceContext the trace the run continues (a trigger event's), or {@code null} to start one
 */
public record RunOptions(String runKey, UUID correlationId, TraceContext traceContext) {
    /** Longest run key: step idempotency keys add the step name and must stay within the SPI's bound. */
    public static final int MAX_RUN_KEY_LENGTH = ExecutionContext.MAX_IDEMPOTENCY_KEY_LENGTH / 2;

    public RunOptions {
        if (runKey == null || runKey.isBlank() || runKey.length() > MAX_RUN_KEY_LENGTH) {
            throw new IllegalArgumentException("a run key must be 1 to " + MAX_RUN_KEY_LENGTH
                    + " characters and not blank, got " + (runKey == null ? "none" : runKey.isBlank() ? "a blank one"
                    : runKey.length() + " characters"));
        }
    }

    /** A new run: a random key, the correlation id from the input, a new trace. */
    public static RunOptions fresh() {
        return new RunOptions(UUID.randomUUID().toString(), null, null);
    }

    /** A run identified by {@code runKey}. */
    public static RunOptions withKey(String runKey) {
        return new RunOptions(runKey, null, null);
    }

    public RunOptions correlationId(UUID id) {
        return new RunOptions(runKey, id, traceContext);
    }

    public RunOptions traceContext(TraceContext trace) {
        return new RunOptions(runKey, correlationId, trace);
    }
}
