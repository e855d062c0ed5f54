package ai.omninode.onex.workflow.internal;

import ai.omninode.onex.node.OnexException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A failure as the runner reports it (a step's error, a node's initialization failure): without the wrappers of a
 * future, with an ONEX exception's message alone (it is written for the user) and any other's with its type.
 */
final class Failures {
    private Failures() {
    }

    /** Causes followed at most: a chain may loop ({@code a.initCause(b)} with {@code b} caused by {@code a}). */
    private static final int MAX_CAUSES = 64;

    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        for (int i = 0; i < MAX_CAUSES && (t instanceof CompletionException || t instanceof ExecutionException)
                && t.getCause() != null; i++) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * Whether {@code e} or one of its causes says a class could not be loaded or linked: a {@link LinkageError}
     * ({@code NoClassDefFoundError}, {@code NoSuchMethodError}, {@code ExceptionInInitializerError}...) or a
     * {@link ClassNotFoundException}. Read from the classes of the chain, never from messages, which may quote data.
     */
    static boolean pluginClasses(Throwable e) {
        Throwable t = e;
        for (int i = 0; i < MAX_CAUSES && t != null; i++) {
            if (t instanceof LinkageError || t instanceof ClassNotFoundException) {
                return true;
            }
            t = t.getCause();
        }
        return false;
    }

    static String message(Throwable e) {
        Throwable t = unwrap(e);
        String m = t.getMessage();
        if (t instanceof OnexException && m != null) {
            return m;
        }
        return m == null ? t.getClass().getName() : t.getClass().getSimpleName() + ": " + m;
    }
}
