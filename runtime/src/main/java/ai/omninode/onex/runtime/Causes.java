package ai.omninode.onex.runtime;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/** An exception's chain of causes, walked safely: Java lets a chain loop ({@code a.initCause(b)}, {@code b} caused by {@code a}). */
public final class Causes {
    /** Causes followed at most. */
    private static final int MAX = 64;

    private Causes() {
    }

    /** {@code e} and its causes, each once, even when the chain loops; empty for null. */
    public static List<Throwable> of(Throwable e) {
        List<Throwable> chain = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = e; t != null && seen.add(t) && chain.size() < MAX; t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }
}
