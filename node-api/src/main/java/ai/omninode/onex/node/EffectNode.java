package ai.omninode.onex.node;

import java.net.URL;
import java.util.Map;
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
 *       contract is reported and never initialized.</li>
 *   <li>{@link #initialize(Map)} once, with the settings. A failure throws and the node is not used.</li>
 *   <li>{@link #execute(Map)} any number of times, possibly concurrently.</li>
 *   <li>{@link #close()} once. No call follows it.</li>
 * </ol>
 *
 * <p>Data crosses this interface as plain Java values only (maps, lists, strings, numbers, booleans, null), so a
 * node in a plugin jar may bring its own versions of its libraries.
 */
public interface EffectNode extends AutoCloseable {

    /** File name of a node's contract, next to the node class unless {@link #contractLocation()} says otherwise. */
    String CONTRACT_FILE = "effect_contract.yaml";

    /** Where this node's ONEX contract is; by default {@value #CONTRACT_FILE} in the node class's package. */
    default URL contractLocation() {
        return getClass().getResource(CONTRACT_FILE);
    }

    /**
     * Prepares the node (connections, pools). {@code settings} is the process environment with the host's
     * overrides on top (for example {@code KAFKA_BOOTSTRAP_SERVERS} pointing at an embedded broker): read it
     * instead of {@link System#getenv()}. Throws {@link OnexException} with a message naming the bad setting.
     */
    void initialize(Map<String, String> settings);

    /**
     * Runs the node once on an input that already passed the contract's input schema. Returns at once; the
     * stage completes with the output (plain data, as the contract's output schema describes), or exceptionally
     * with a {@link NodeExecutionException} that says what failed.
     */
    CompletionStage<Map<String, Object>> execute(Map<String, Object> input);

    /** A snapshot of the node's counters; keys and meanings are the node's own. */
    default Map<String, Object> metrics() {
        return Map.of();
    }

    /** Releases everything; must not throw. */
    @Override
    void close();
}
