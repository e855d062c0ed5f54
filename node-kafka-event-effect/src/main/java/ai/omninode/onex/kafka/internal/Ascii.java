package ai.omninode.onex.kafka.internal;

import ai.omninode.onex.node.TraceContext;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The ASCII texts an event carries, written straight as bytes: UUIDs as {@link UUID#toString()} writes them and the
 * W3C {@code traceparent} as {@link TraceContext#traceparent()} does, without a {@code String} between (building the
 * text, compressing it to Latin-1, then encoding it again cost a fifth of a publish on the caller's thread).
 */
final class Ascii {
    private static final byte[] HEX = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    /** The two hex digits of each byte value, high one in the upper 8 bits: half the steps of a digit at a time. */
    private static final short[] HEX_PAIRS = new short[256];
    private static final int SAMPLED = 0x01;

    static {
        for (int i = 0; i < 256; i++) {
            HEX_PAIRS[i] = (short) (HEX[i >>> 4] << 8 | HEX[i & 0xf]);
        }
    }

    private Ascii() {
    }

    /** The 36 bytes of {@code u.toString()}: 8-4-4-4-12 lower-case hex digits. */
    static byte[] uuid(UUID u) {
        byte[] b = new byte[36];
        long msb = u.getMostSignificantBits();
        long lsb = u.getLeastSignificantBits();
        hex(b, 0, msb >>> 32, 4);
        b[8] = '-';
        hex(b, 9, msb >>> 16, 2);
        b[13] = '-';
        hex(b, 14, msb, 2);
        b[18] = '-';
        hex(b, 19, lsb >>> 48, 2);
        b[23] = '-';
        hex(b, 24, lsb, 6);
        return b;
    }

    /** The low {@code bytes} bytes of {@code v} as hex digits at {@code at}, most significant first. */
    private static void hex(byte[] b, int at, long v, int bytes) {
        for (int i = at + 2 * bytes - 2; i >= at; i -= 2) {
            int pair = HEX_PAIRS[(int) (v & 0xff)];
            b[i] = (byte) (pair >>> 8);
            b[i + 1] = (byte) pair;
            v >>>= 8;
        }
    }

    /**
     * The {@code traceparent} of what a node sends on: {@code parent.newChild().traceparent()} (the parent's trace id,
     * a new span id, the sampled flag only), or, without a parent, {@code TraceContext.newRoot().traceparent()} (a
     * new trace, sampled), with the same random draws as those.
     */
    static byte[] traceparent(TraceContext parent) {
        byte[] b = new byte[55];
        b[0] = '0';
        b[1] = '0';
        b[2] = '-';
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int flags;
        if (parent == null) {
            hex(b, 3, random.nextLong(), 8);
            hex(b, 19, nonZero(random.nextLong()), 8);
            flags = SAMPLED;
        } else {
            String traceId = parent.traceId(); // 32 lower-case hex digits: TraceContext checks
            for (int i = 0; i < 32; i++) {
                b[3 + i] = (byte) traceId.charAt(i);
            }
            flags = parent.flags() & SAMPLED;
        }
        b[35] = '-';
        hex(b, 36, nonZero(random.nextLong()), 8);
        b[52] = '-';
        hex(b, 53, flags, 1);
        return b;
    }

    private static long nonZero(long v) {
        return v == 0 ? 1 : v;
    }
}
