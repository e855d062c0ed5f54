package ai.omninode.onex.contract;

/** A 1-based line and column in a source document. */
public record SourcePosition(int line, int column) {
    public static final SourcePosition START = new SourcePosition(1, 1);
}
