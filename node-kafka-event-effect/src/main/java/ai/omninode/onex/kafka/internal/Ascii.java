package ai.omninode.onex.kafka.internal;

import ai.omninode.onex.node.TraceContext;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The ASCII texts an event carries, written straight as bytes: UUIDs as {@link UUID#toString()} writes them and the
 * W3C {@code traceparent} as {@link TraceContext#traceparent()} does, without a {@code String} between (building the
 * text, compressing it to Latin-1, then encoding it again cost a fifth of a publish on the caller's thread).
 */
final class Ascii {
    private static final byte[] HEX = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final int SAMPLED = 0x01;

    private Ascii() {
    }

    /** The 36 bytes of {@code u.toString()}: 8-4-4-4-12 lower-case hex digits. */
    static byte[] uuid(UUID u) {
        byte[] b = new byte[36];
        long msb = u.getMostSignificantBits();
        long lsb = u.getLeastSignificantBits();
        LONG.set(b, 0, hex8(msb >>> 32));
        b[8] = '-';
        INT.set(b, 9, (int) hex8(msb >>> 16 & 0xffff));
        b[13] = '-';
        INT.set(b, 14, (int) hex8(msb & 0xffff));
        b[18] = '-';
        INT.set(b, 19, (int) hex8(lsb >>> 48));
        b[23] = '-';
        INT.set(b, 24, (int) hex8(lsb >>> 32 & 0xffff));
        LONG.set(b, 28, hex8(lsb));
        return b;
    }

    /** The 16 hex digits of {@code v} at {@code at}. */
    private static void hex16(byte[] b, int at, long v) {
        LONG.set(b, at, hex8(v >>> 32));
        LONG.set(b, at + 8, hex8(v));
    }

    /**
     * The 8 lower-case hex digits of the low 32 bits of {@code v}, one per byte of the result, the first in the top
     * byte: each nibble spread to a byte of its own, then turned into its digit in all eight bytes at once (a nibble
     * above 9 carries into bit 4 when 6 is added, and that bit adds the step from {@code '9' + 1} to {@code 'a'}).
     * Eight digits in a dozen operations and one store, where a table lookup per byte took a twentieth of a publish.
     */
    static long hex8(long v) {
        long x = v & 0xffff_ffffL;
        x = (x | x << 16) & 0x0000_ffff_0000_ffffL;
        x = (x | x << 8) & 0x00ff_00ff_00ff_00ffL;
        x = (x | x << 4) & 0x0f0f_0f0f_0f0f_0f0fL;
        long above9 = (x + 0x0606_0606_0606_0606L) >>> 4 & 0x0101_0101_0101_0101L;
        return x + 0x3030_3030_3030_3030L + above9 * ('a' - '9' - 1);
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
            hex16(b, 3, random.nextLong());
            hex16(b, 19, nonZero(random.nextLong()));
            flags = SAMPLED;
        } else {
            String traceId = parent.traceId(); // 32 lower-case hex digits: TraceContext checks
            for (int i = 0; i < 32; i++) {
                b[3 + i] = (byte) traceId.charAt(i);
            }
            flags = parent.flags() & SAMPLED;
        }
        b[35] = '-';
        hex16(b, 36, nonZero(random.nextLong()));
        b[52] = '-';
        b[53] = HEX[flags >>> 4];
        b[54] = HEX[flags & 0xf];
        return b;
    }

    private static long nonZero(long v) {
        return v == 0 ? 1 : v;
    }
}
