package ai.omninode.onex.node;

import java.net.URL;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * A node the ONEX runtime can discover and run: the whole SPI. A node declares what it accepts in its ONEX
 * contract, and the <em>runtime</em> validates both the contract and every input against it, so a node only
 * sees data its contract allows.
 *
 * <p>Lifecycle, in order:
 * <ol>
 *   <li>The runtime creates the node through its public no-argument constructor ({@link java.util.ServiceLoader},
 *       from {@code META-INF/services/ai.omninode.onex.node.EffectNode}). The constructor must be cheap and must
 *       not connect anywhere or fail on configuration: discovery also runs for {@code onex nodes}.</li>
 *   <li>The runtime reads the contract at {@link #contractLocation()} and validates it; a node with an invalid
 *       contract, or whose {@link #kind()} contradicts the contract's {@code node_type}, is reported and never
 *       initialized.</li>
 *   <li>{@link #initialize(Map)} once, with the settings. A failure throws and the node is not used.</li>
 *   <li>{@link #execute(Map, ExecutionContext)} any number of times, possibly concurrently.</li>
 *   <li>{@link #close()} once. No call follows it.</li>
 * </ol>
 *
 * <p>A node implements one of the two {@code execute} methods: {@link #execute(Map, ExecutionContext)} to see what
 * the host knows about the call (deadline, idempotency key, correlation id, trace), or {@link #execute(Map)}, as
 * nodes written before the context existed do. Each one's default calls the other; the runtime refuses a node that
 * implements neither.
 *
 * <p>Data crosses this interface as plain Java values only (maps, lists, strings, numbers, booleans, null), and
 * this module has no dependencies, so a node in a plugin jar may bring its own versions of its libraries.
 */
public interface EffectNode extends AutoCloseable {

    /** File name of a node's contract, next to the node class unless {@link #contractLocation()} says otherwise. */
    String CONTRACT_FILE = "effect_contract.yaml";

    /** Where this node's ONEX contract is; by default {@value #CONTRACT_FILE} in the node class's package. */
    default URL contractLocation() {
        return getClass().getResource(CONTRACT_FILE);
    }

    /**
     * What kind of ONEX node this is; {@link NodeKind#EFFECT} unless the node says otherwise. A runner repeats a
     * call that timed out only for a node that is {@linkplain NodeKind#sideEffectFree() free of side effects}.
     */
    default NodeKind kind() {
        return NodeKind.EFFECT;
    }

    /**
     * Prepares the node (connections, pools). {@code settings} is the process environment with the host's
     * overrides on top (for example {@code KAFKA_BOOTSTRAP_SERVERS} pointing at an embedded broker): read it
     * instead of {@link System#getenv()}. Throws {@link OnexException} with a message naming the bad setting
     * ({@link IllegalArgumentException} as its cause when the value itself is wrong, so that a host can refuse the
     * run before it starts).
     */
    void initialize(Map<String, String> settings);

    /**
     * The settings this node reads from {@link #initialize(Map)}'s map, so that a host can refuse a misspelled name
     * it was given on purpose ({@code onex run --set}) instead of letting the node run on a default: exact names
     * ({@code KAFKA_BOOTSTRAP_SERVERS}), and families as a prefix followed by {@code *} ({@code ONEX_KAFKA_*}); an
     * empty set for a node that reads none. The default, {@code *}, is every name: the node does not say, so a host
     * refuses no name on its account.
     */
    default Set<String> settingNames() {
        return Set.of("*");
    }

    /**
     * Runs the node once on an input that already passed the contract's input schema. Returns at once; the stage
     * completes with the output (plain data, as the contract's output schema describes), or exceptionally with a
     * {@link NodeExecutionException} that says what failed and whether a retry is safe.
     *
     * <p>A node with side effects honours {@code context}'s deadline itself: when it passes before the effect
     * started, it fails with a {@linkplain NodeExecutionException#retriable() retriable} exception (nothing
     * happened); when it passes while the effect may be under way, it fails as not retriable (the outcome is
     * unknown). It makes repeated calls with the same {@linkplain ExecutionContext#idempotencyKey() idempotency key}
     * recognisable as one effect.
     */
    default CompletionStage<Map<String, Object>> execute(Map<String, Object> input, ExecutionContext context) {
        return execute(input);
    }

    /** {@link #execute(Map, ExecutionContext)} with {@link ExecutionContext#none() no context}. */
    default CompletionStage<Map<String, Object>> execute(Map<String, Object> input) {
        return execute(input, ExecutionContext.none());
    }

    /** A snapshot of the node's counters; keys and meanings are the node's own. */
    default Map<String, Object> metrics() {
        return Map.of();
    }

    /** Releases everything; must not throw. */
    @Override
    void close();
}
