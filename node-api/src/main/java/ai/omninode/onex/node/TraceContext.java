package ai.omninode.onex.node;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A W3C Trace Context (<a href="https://www.w3.org/TR/trace-context/">trace-context level 1</a>): the trace a call
 * belongs to and the span that made it, as carried in a {@code traceparent} header, plus the vendors'
 * {@code tracestate}, passed on unchanged. Immutable.
 *
 * <p>A node that sends something on (an event, a request) sends a {@link #newChild() child}: the same trace id and
 * sampled flag, a new span id, so a tracing backend links what it sent to the call that sent it.
 */
public final class TraceContext {
    /** The header names of the W3C format. */
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    private static final int SAMPLED = 0x01;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final String traceId;
    private final String spanId;
    private final int flags;
    private final String traceState;

    private TraceContext(String traceId, String spanId, int flags, String traceState) {
        this.traceId = traceId;
        this.spanId = spanId;
        this.flags = flags;
        this.traceState = traceState;
    }

    /**
     * A context from its parts. Throws {@link IllegalArgumentException} unless {@code traceId} is 32 and
     * {@code spanId} 16 lower-case hex digits, neither all zeros, and {@code flags} fits a byte.
     */
    public static TraceContext of(String traceId, String spanId, int flags, String traceState) {
        if (!isHex(traceId, 32) || !isHex(spanId, 16) || flags < 0 || flags > 0xff) {
            throw new IllegalArgumentException("not a valid W3C trace context: trace id '" + traceId + "', span id '"
                    + spanId + "', flags " + flags + " (expected 32 and 16 lower-case hex digits, not all zeros, and"
                    + " flags 0 to 255)");
        }
        return new TraceContext(traceId, spanId, flags, blankToNull(traceState));
    }

    /** A new trace, sampled, with random ids: for a run that continues no caller's trace. */
    public static TraceContext newRoot() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return new TraceContext(hex(random.nextLong(), nonZero(random.nextLong())), hex(nonZero(random.nextLong())),
                SAMPLED, null);
    }

    /**
     * The context a {@code traceparent} header (and its {@code tracestate}, or {@code null}) carries, parsed as the
     * W3C specification says: empty, so that the receiver starts a new trace, for a value that is not valid
     * (wrong length or version, upper-case hex, all-zero ids, version {@code ff}). A version above {@code 00} is read
     * as {@code 00} where its first 55 characters allow it.
     */
    public static Optional<TraceContext> parse(String traceparent, String tracestate) {
        if (traceparent == null) {
            return Optional.empty();
        }
        String v = traceparent.strip();
        if (v.length() < 55 || !isLowerHex(v, 0, 2) || v.startsWith("ff") || v.charAt(2) != '-' || v.charAt(35) != '-'
                || v.charAt(52) != '-') {
            return Optional.empty();
        }
        boolean version00 = v.startsWith("00");
        if (version00 ? v.length() != 55 : v.length() > 55 && v.charAt(55) != '-') {
            return Optional.empty();
        }
        String traceId = v.substring(3, 35);
        String spanId = v.substring(36, 52);
        if (!isHex(traceId, 32) || !isHex(spanId, 16) || !isLowerHex(v, 53, 55)) {
            return Optional.empty();
        }
        return Optional.of(new TraceContext(traceId, spanId, Integer.parseInt(v.substring(53, 55), 16),
                blankToNull(tracestate)));
    }

    /** {@link #parse(String, String)} without a {@code tracestate}. */
    public static Optional<TraceContext> parse(String traceparent) {
        return parse(traceparent, null);
    }

    /**
     * The same trace and state, with a new span id: what a node puts on what it sends. Of the flags only
     * {@code sampled} is kept: level 1 defines no other, and says a vendor sets the others to zero.
     */
    public TraceContext newChild() {
        return new TraceContext(traceId, hex(nonZero(ThreadLocalRandom.current().nextLong())), flags & SAMPLED,
                traceState);
    }

    /** 32 lower-case hex digits. */
    public String traceId() {
        return traceId;
    }

    /** 16 lower-case hex digits: the span that made the call (the parent of what the node does). */
    public String spanId() {
        return spanId;
    }

    public int flags() {
        return flags;
    }

    public boolean sampled() {
        return (flags & SAMPLED) != 0;
    }

    /** The vendors' {@code tracestate}, passed on unchanged; empty if there was none. */
    public Optional<String> traceState() {
        return Optional.ofNullable(traceState);
    }

    /** The {@code traceparent} header value: {@code 00-<trace id>-<span id>-<flags>}. */
    public String traceparent() {
        char[] out = new char[55];
        out[0] = '0';
        out[1] = '0';
        out[2] = '-';
        traceId.getChars(0, 32, out, 3);
        out[35] = '-';
        spanId.getChars(0, 16, out, 36);
        out[52] = '-';
        out[53] = HEX[(flags >> 4) & 0xf];
        out[54] = HEX[flags & 0xf];
        return new String(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TraceContext t && traceId.equals(t.traceId) && spanId.equals(t.spanId) && flags == t.flags
                && Objects.equals(traceState, t.traceState);
    }

    @Override
    public int hashCode() {
        return Objects.hash(traceId, spanId, flags, traceState);
    }

    @Override
    public String toString() {
        return traceparent() + (traceState == null ? "" : " (tracestate " + traceState + ")");
    }

    private static boolean isHex(String s, int length) {
        if (s == null || s.length() != length || !isLowerHex(s, 0, length)) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (s.charAt(i) != '0') {
                return true;
            }
        }
        return false; // all zeros is invalid
    }

    private static boolean isLowerHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static long nonZero(long v) {
        return v == 0 ? 1 : v;
    }

    private static String hex(long... words) {
        char[] out = new char[words.length * 16];
        for (int w = 0; w < words.length; w++) {
            long v = words[w];
            for (int i = 15; i >= 0; i--) {
                out[w * 16 + i] = HEX[(int) (v & 0xf)];
                v >>>= 4;
            }
        }
        return new String(out);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
