package ai.omninode.onex.kafka.internal;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;

/** How the node reads Kafka's exceptions. */
public final class Errors {
    private Errors() {
    }

    /**
     * Whether another attempt may succeed: Kafka's {@link RetriableException} family (timeouts, a full buffer,
     * leader changes, a broker away), and an interrupted caller (the retry runs on the node's own thread). Everything
     * else (record too large, invalid topic, not authorized, serialization, unsupported version, ...) goes to the
     * dead-letter topic at once.
     */
    public static boolean retriable(Throwable e) {
        return e instanceof RetriableException || e instanceof InterruptException;
    }

    /** The exception inside a future's wrapper. */
    public static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    public static Exception asException(Throwable t) {
        return t instanceof Exception e ? e : new RuntimeException(t);
    }

    /** The class name to report for {@code e} (the original one if its message had to be redacted). */
    public static String className(Throwable e) {
        return e instanceof Secrets.RedactedException r ? r.originalClassName()
                : e instanceof TopicGates.NotReadyException ? TimeoutException.class.getName() : e.getClass().getName();
    }

    /**
     * {@link #describe}, followed by the innermost cause when there is one: Kafka wraps the reason a client cannot be
     * built ("Failed to construct kafka producer") in causes that a host printing the message alone would never show.
     */
    public static String describeWithCause(Throwable e, Secrets secrets) {
        String top = describe(e, secrets);
        Throwable root = e;
        for (int i = 0; i < 20 && root.getCause() != null && root.getCause() != root; i++) {
            root = root.getCause();
        }
        if (root == e) {
            return top;
        }
        String cause = describe(root, secrets);
        return top.contains(cause) ? top : top + " (cause: " + cause + ")";
    }

    /** {@code SimpleName: message}, the form errors take in outputs and logs. */
    public static String describe(Throwable e, Secrets secrets) {
        if (e == null) {
            return "unknown error";
        }
        String name = className(e);
        String simple = name.substring(name.lastIndexOf('.') + 1);
        String msg = e.getMessage();
        return msg == null || msg.isBlank() ? simple : simple + ": " + secrets.redact(msg);
    }
}
