package ai.omninode.onex.kafka.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.io.NumberOutput;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes the envelope byte for byte as {@link EnvelopeCodec#MAPPER} would, for payloads made of the plain JSON types
 * (maps with string keys, lists, strings, integers, finite floating point numbers, booleans, null): about three times
 * faster than going through Jackson's generator and serializers. It gives up ({@code null}) on anything else, on
 * strings with surrogates and on deep nesting, and the codec then lets Jackson write the envelope.
 *
 * <p>How Jackson escapes each ASCII character is read from the mapper itself, once; a test compares the two writers
 * on every char and on random payloads.
 */
final class FastJson {
    private static final int MAX_DEPTH = 64;
    /** For each ASCII char, what Jackson writes for it inside a string: the char itself or an escape sequence. */
    private static final byte[][] ASCII = new byte[128][];
    /** Per ASCII char: {@code true} if Jackson escapes it inside a string. */
    private static final boolean[] SPECIAL = new boolean[128];
    private static final boolean FAST_DOUBLES;
    /** Whether the mapper's settings are those this writer copies; if not, it is never used. */
    static final boolean USABLE;
    /**
     * A scratch buffer per thread, kept while it is at most {@link #MAX_KEPT} bytes. A plain {@code byte[]}: a value
     * of a class of this plugin would pin the plugin's class loader to every thread that ever published.
     */
    private static final ThreadLocal<byte[]> SCRATCH = new ThreadLocal<>();
    private static final int MAX_KEPT = 64 * 1024;
    private static final byte[] EVENT_ID = ascii("{\"event_id\":");
    private static final byte[] EVENT_TYPE = ascii(",\"event_type\":");
    private static final byte[] CORRELATION_ID = ascii(",\"correlation_id\":");
    private static final byte[] TIMESTAMP = ascii(",\"timestamp\":");
    private static final byte[] VERSION = ascii(",\"version\":\"" + EnvelopeCodec.VERSION + "\",\"source\":");
    private static final byte[] PAYLOAD = ascii(",\"payload\":");
    private static final byte[] NULL = ascii("null");
    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");

    static {
        JsonMapper m = EnvelopeCodec.MAPPER;
        boolean usable = !m.isEnabled(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                && !m.isEnabled(SerializationFeature.WRITE_CHAR_ARRAYS_AS_JSON_ARRAYS);
        for (char c = 0; c < 128; c++) {
            String json = m.writeValueAsString(String.valueOf(c));
            ASCII[c] = json.substring(1, json.length() - 1).getBytes(StandardCharsets.UTF_8);
            SPECIAL[c] = ASCII[c].length != 1 || ASCII[c][0] != c;
        }
        // non-ASCII is written as UTF-8, unescaped; numbers and booleans as Java writes them
        usable &= m.writeValueAsString("\u00e9\u2028\uffff").equals("\"\u00e9\u2028\uffff\"")
                && m.writeValueAsString(Map.of("k", List.of(1L, true))).equals("{\"k\":[1,true]}")
                && m.writeValueAsString(-0.0).equals("-0.0");
        FAST_DOUBLES = m.isEnabled(StreamWriteFeature.USE_FAST_DOUBLE_WRITER);
        USABLE = usable;
    }

    private byte[] buf;
    private int pos;
    /** The thread's scratch buffer this writer started with, if any. */
    private byte[] scratch;

    private FastJson(byte[] buf) {
        this.buf = buf;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The envelope, or {@code null} when the payload holds something only Jackson writes. */
    static byte[] envelope(String eventId, String eventType, String correlationId, String timestamp, byte[] source,
            Map<String, Object> payload) {
        FastJson w = start();
        try {
            w.raw(EVENT_ID);
            if (!w.string(eventId)) {
                return null;
            }
            w.raw(EVENT_TYPE);
            if (!w.string(eventType)) {
                return null;
            }
            w.raw(CORRELATION_ID);
            if (!w.string(correlationId)) {
                return null;
            }
            w.raw(TIMESTAMP);
            w.latin(timestamp);
            return w.rest(source, payload);
        } finally {
            w.end();
        }
    }

    /**
     * The envelope from the node's bytes: the event and correlation ids as the 36 ASCII bytes of a UUID (which JSON
     * never escapes), the event type as {@link #quoted} wrote it (or {@code null}: written here), the time as
     * {@link EnvelopeCodec#timestamp} writes it. {@code null} when the payload holds something only Jackson writes.
     */
    static byte[] envelope(byte[] eventId, String eventType, byte[] eventTypeJson, byte[] correlationId,
            long epochSecond, int nanos, byte[] source, Map<String, Object> payload) {
        FastJson w = start();
        try {
            w.raw(EVENT_ID);
            w.quotedAscii(eventId);
            w.raw(EVENT_TYPE);
            if (eventTypeJson != null) {
                w.raw(eventTypeJson);
            } else if (!w.string(eventType)) {
                return null;
            }
            w.raw(CORRELATION_ID);
            w.quotedAscii(correlationId);
            w.raw(TIMESTAMP);
            w.timestamp(epochSecond, nanos);
            return w.rest(source, payload);
        } finally {
            w.end();
        }
    }

    /** {@code s} as a JSON string, quotes included, as Jackson writes it; {@code null} if only Jackson may write it. */
    static byte[] quoted(String s) {
        FastJson w = new FastJson(new byte[s.length() * 6 + 2]);
        return w.string(s) ? Arrays.copyOf(w.buf, w.pos) : null;
    }

    private static FastJson start() {
        byte[] scratch = SCRATCH.get();
        FastJson w = new FastJson(scratch != null ? scratch : new byte[1024]);
        w.scratch = scratch;
        return w;
    }

    /** Keeps this writer's buffer for the thread's next envelope unless it grew too large. */
    private void end() {
        if (buf != scratch && buf.length <= MAX_KEPT) {
            SCRATCH.set(buf);
        }
    }

    /** From {@code "version"} on: version, source, payload and the closing brace; the envelope's bytes. */
    private byte[] rest(byte[] source, Map<String, Object> payload) {
        raw(VERSION);
        raw(source);
        raw(PAYLOAD);
        if (payload == null) {
            raw(NULL);
        } else if (!map(payload, 0)) {
            return null;
        }
        ensure(1);
        buf[pos++] = '}';
        return Arrays.copyOf(buf, pos);
    }

    private void quotedAscii(byte[] b) {
        ensure(b.length + 2);
        buf[pos++] = '"';
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
        buf[pos++] = '"';
    }

    /** Epoch seconds, a dot, six digits of microseconds: {@code Long.toString(epochSecond) + "." + micros}. */
    private void timestamp(long epochSecond, int nanos) {
        Second second = lastSecond;
        if (second.epochSecond != epochSecond) {
            second = new Second(epochSecond, (epochSecond + ".").getBytes(StandardCharsets.US_ASCII));
            lastSecond = second; // racy on purpose: a Second is immutable, and a miss costs one toString
        }
        raw(second.text);
        ensure(6);
        int micros = nanos / 1_000;
        for (int i = pos + 5; i >= pos; i--) {
            buf[i] = (byte) ('0' + micros % 10);
            micros /= 10;
        }
        pos += 6;
    }

    /** The text of an epoch second with its dot: it changes once a second, envelopes come by the thousand. */
    private record Second(long epochSecond, byte[] text) {
    }

    private static Second lastSecond = new Second(Long.MIN_VALUE, new byte[0]);

    private void ensure(int n) {
        if (pos + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
    }

    private void raw(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
    }

    /** Text known to be ASCII (numbers). */
    private void latin(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            buf[pos++] = (byte) s.charAt(i);
        }
    }

    private boolean value(Object v, int depth) {
        if (v == null) {
            raw(NULL);
        } else if (v instanceof String s) {
            return string(s);
        } else if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            ensure(11); // digits straight into the buffer: a String per number was a twentieth of the node's time
            pos = NumberOutput.outputInt(((Number) v).intValue(), buf, pos);
        } else if (v instanceof Long l) {
            ensure(20);
            pos = NumberOutput.outputLong(l, buf, pos);
        } else if (v instanceof Boolean b) {
            raw(b ? TRUE : FALSE);
        } else if (v instanceof Double d) {
            if (!Double.isFinite(d)) {
                return false;
            }
            latin(NumberOutput.toString(d, FAST_DOUBLES));
        } else if (v instanceof Float f) {
            if (!Float.isFinite(f)) {
                return false;
            }
            latin(NumberOutput.toString(f, FAST_DOUBLES));
        } else if (v instanceof Map<?, ?> m) {
            return map(m, depth + 1);
        } else if (v instanceof List<?> l) {
            return list(l, depth + 1);
        } else {
            return false;
        }
        return true;
    }

    private boolean map(Map<?, ?> m, int depth) {
        if (depth > MAX_DEPTH) {
            return false;
        }
        ensure(1);
        buf[pos++] = '{';
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String k)) {
                return false;
            }
            ensure(1);
            if (!first) {
                buf[pos++] = ',';
            }
            first = false;
            if (!string(k)) {
                return false;
            }
            ensure(1);
            buf[pos++] = ':';
            if (!value(e.getValue(), depth)) {
                return false;
            }
        }
        ensure(1);
        buf[pos++] = '}';
        return true;
    }

    private boolean list(List<?> l, int depth) {
        if (depth > MAX_DEPTH) {
            return false;
        }
        ensure(1);
        buf[pos++] = '[';
        boolean first = true;
        for (Object o : l) {
            ensure(1);
            if (!first) {
                buf[pos++] = ',';
            }
            first = false;
            if (!value(o, depth)) {
                return false;
            }
        }
        ensure(1);
        buf[pos++] = ']';
        return true;
    }

    /**
     * A quoted string; {@code false} for surrogates, which are Jackson's to handle. A tight loop copies plain ASCII;
     * from the first char to escape or encode on, the string is written char by char.
     */
    private boolean string(String s) {
        int n = s.length();
        ensure(n * 6 + 2);
        byte[] b = buf;
        int p = pos;
        b[p++] = '"';
        int i = 0;
        for (char c; i < n && (c = s.charAt(i)) < 128 && !SPECIAL[c]; i++) {
            b[p + i] = (byte) c;
        }
        p += i;
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c < 128) {
                byte[] esc = ASCII[c];
                if (esc.length == 1) {
                    b[p++] = esc[0];
                } else {
                    System.arraycopy(esc, 0, b, p, esc.length);
                    p += esc.length;
                }
            } else if (c < 0x800) {
                b[p++] = (byte) (0xC0 | c >> 6);
                b[p++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isSurrogate(c)) {
                return false;
            } else {
                b[p++] = (byte) (0xE0 | c >> 12);
                b[p++] = (byte) (0x80 | c >> 6 & 0x3F);
                b[p++] = (byte) (0x80 | c & 0x3F);
            }
        }
        b[p++] = '"';
        pos = p;
        return true;
    }
}
