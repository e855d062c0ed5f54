package ai.omninode.onex.workflow.internal;

import ai.omninode.onex.node.OnexException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** How the runner names a failure in a step's error and a node's initialization failure. */
public final class Failures {
    private Failures() {
    }

    public static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    public static String message(Throwable e) {
        Throwable t = unwrap(e);
        String m = t.getMessage();
        if (t instanceof OnexException && m != null) {
            return m;
        }
        return m == null ? t.getClass().getName() : t.getClass().getSimpleName() + ": " + m;
    }
}
