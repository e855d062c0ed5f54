package ai.omninode.onex.node;

import java.util.Locale;

/** The four kinds of ONEX node, as a contract's {@code node_type} names them. */
public enum NodeKind {
    /** Acts on the world (publishes an event, writes a row): repeating it may repeat the effect. */
    EFFECT,
    /** A function of its input: repeating it is harmless. */
    COMPUTE,
    /** Folds events into state and returns intents, without acting on them: repeating it is harmless. */
    REDUCER,
    /** Coordinates other nodes; treated like an effect, as what it starts may act. */
    ORCHESTRATOR;

    /** Whether calling the node again with the same input can do no harm: {@link #COMPUTE} and {@link #REDUCER}. */
    public boolean sideEffectFree() {
        return this == COMPUTE || this == REDUCER;
    }

    /** The name a contract's {@code node_type} uses: {@code effect}, {@code compute}, ... */
    public String contractName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind a contract's {@code node_type} names; {@link IllegalArgumentException} for any other text. */
    public static NodeKind ofContractName(String nodeType) {
        for (NodeKind k : values()) {
            if (k.contractName().equals(nodeType)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown node_type '" + nodeType + "': expected effect, compute, reducer"
                + " or orchestrator");
    }
}
