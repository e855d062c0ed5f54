package ai.omninode.onex.node;

import java.util.List;

/**
 * {@link EffectNode#initialize(java.util.Map)} refused its settings: a value that is wrong, one that is missing, or a
 * service the settings point at that does not answer. A host treats it as a settings error (it refuses the run
 * before anything ran) and can say where each setting {@link #settings() named} came from (the environment, its own
 * overrides, or not set at all), which the node cannot know.
 */
public class NodeSettingsException extends OnexException {
    private static final long serialVersionUID = 1L;

    private final List<String> settings;

    /** @param settings the names of the settings at fault, as the node reads them (e.g. {@code KAFKA_BOOTSTRAP_SERVERS}) */
    public NodeSettingsException(String message, List<String> settings, Throwable cause) {
        super(message, cause);
        this.settings = settings == null ? List.of() : List.copyOf(settings);
    }

    /** The names of the settings at fault; empty when the node cannot say. */
    public List<String> settings() {
        return settings;
    }
}
