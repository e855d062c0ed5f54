package ai.omninode.onex.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The fast envelope writer against Jackson: the same bytes for every char and for random payloads. */
class FastJsonTest {
    private final EnvelopeCodec codec = new EnvelopeCodec(EnvelopeCodec.MAPPER, "svc \"x\"", UUID.randomUUID().toString());

    private void assertSameAsJackson(String eventType, Map<String, Object> payload) {
        String id = "5c3b1f0e-8f6a-4c1e-9d2b-7a6e5f4d3c2b";
        String correlation = "123e4567-e89b-42d3-a456-426614174000";
        String ts = "1764184352.123456";
        byte[] expected;
        try {
            expected = codec.jacksonEnvelope(id, eventType, correlation, ts, payload);
        } catch (RuntimeException e) {
            Class<?> type = e.getClass();
            try {
                codec.envelope(id, eventType, correlation, ts, payload);
            } catch (RuntimeException f) {
                assertThat(f).isInstanceOf(type);
                return;
            }
            throw new AssertionError("Jackson failed (" + e + ") but the fast path wrote " + payload);
        }
        byte[] actual = codec.envelope(id, eventType, correlation, ts, payload);
        if (!java.util.Arrays.equals(actual, expected)) {
            assertThat(new String(actual, StandardCharsets.UTF_8)).isEqualTo(new String(expected, StandardCharsets.UTF_8));
            assertThat(actual).isEqualTo(expected);
        }
    }

    @Test
    void theFastPathIsUsableWithTheNodesMapper() {
        assertThat(FastJson.USABLE).isTrue();
        assertThat(FastJson.envelope("e", "T", "c", "1.000000", new byte[] {'{', '}'}, Map.of("a", 1))).isNotNull();
    }

    @Test
    void everyCharIsWrittenAsJacksonWritesIt() {
        for (int c = 0; c <= 0xFFFF; c++) {
            String s = String.valueOf((char) c);
            assertSameAsJackson("T" + s, Map.of(s, s + "x"));
        }
        assertSameAsJackson("\uD83D\uDE00", Map.of("smile", "\uD83D\uDE00", "split", "\uD83Dx"));
    }

    @Test
    void plainJsonTypesAreWrittenAsJacksonWritesThem() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("z", 1);
        p.put("a", -2L);
        p.put("s", (short) 3);
        p.put("b", (byte) -4);
        p.put("t", true);
        p.put("f", false);
        p.put("n", null);
        p.put("d", 0.1);
        p.put("neg0", -0.0);
        p.put("big", 1.0E300);
        p.put("small", 4.9E-324);
        p.put("float", 0.1f);
        p.put("list", List.of(1, "x", List.of(), Map.of()));
        p.put("maxlong", Long.MAX_VALUE);
        p.put("minint", Integer.MIN_VALUE);
        p.put("maxint", Integer.MAX_VALUE);
        p.put("minlong", Long.MIN_VALUE);
        p.put("zero", 0L);
        assertSameAsJackson("DOCUMENT_INGESTED", p);
        assertSameAsJackson("X", null);
        assertSameAsJackson("X", Map.of());
        assertSameAsJackson("X", new TreeMap<>(Map.of("b", 1, "a", 2)));
    }

    @Test
    void payloadsLargerThanTheScratchBufferAreWrittenWhole() {
        assertSameAsJackson("X", Map.of("big", "b".repeat(200_000), "list", List.of("c".repeat(70_000))));
        assertSameAsJackson("X", Map.of("small", "after a big one"));
        assertSameAsJackson("X", Map.of("mid", "m".repeat(5_000)));
    }

    @Test
    void otherTypesAreLeftToJackson() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("nan", Double.NaN);
        p.put("inf", Float.NEGATIVE_INFINITY);
        p.put("bd", new BigDecimal("1.10"));
        p.put("bi", new BigInteger("123456789012345678901234567890"));
        p.put("uuid", UUID.fromString("123e4567-e89b-42d3-a456-426614174000"));
        p.put("chars", new char[] {'a'});
        p.put("sb", new StringBuilder("sb"));
        p.put("set", new java.util.LinkedHashSet<>(List.of(1, 2)));
        p.put("array", new int[] {1, 2});
        p.put("ch", 'c');
        for (Map.Entry<String, Object> e : p.entrySet()) {
            assertSameAsJackson("X", Map.of(e.getKey(), e.getValue()));
        }
        Map<Object, Object> intKeys = new LinkedHashMap<>();
        intKeys.put(1, "one");
        assertSameAsJackson("X", Map.of("m", intKeys));
        Map<String, Object> nullKey = new HashMap<>();
        nullKey.put(null, 1);
        assertSameAsJackson("X", Map.of("m", nullKey));
        Map<String, Object> deep = new LinkedHashMap<>();
        Map<String, Object> cur = deep;
        for (int i = 0; i < 80; i++) {
            Map<String, Object> next = new LinkedHashMap<>();
            cur.put("d", i % 2 == 0 ? next : List.of(next));
            cur = next;
        }
        assertSameAsJackson("X", deep);
        assertSameAsJackson("X", Map.of("bean", new Object()));
    }

    @Test
    void randomPayloadsAreWrittenAsJacksonWritesThem() {
        Random r = new Random(42);
        for (int i = 0; i < 5000; i++) {
            assertSameAsJackson(randomString(r), randomMap(r, 0));
        }
        for (int i = 0; i < 20000; i++) {
            double d = switch (i % 3) {
                case 0 -> Double.longBitsToDouble(r.nextLong());
                case 1 -> r.nextDouble() * Math.pow(10, r.nextInt(40) - 20);
                default -> Math.round(r.nextDouble() * 10000) / 100.0;
            };
            float f = Float.intBitsToFloat(r.nextInt());
            assertSameAsJackson("X", Map.of("d", d, "f", f));
        }
    }

    private static Map<String, Object> randomMap(Random r, int depth) {
        Map<String, Object> m = new LinkedHashMap<>();
        int n = r.nextInt(6);
        for (int i = 0; i < n; i++) {
            m.put(randomString(r), randomValue(r, depth + 1));
        }
        return m;
    }

    private static Object randomValue(Random r, int depth) {
        int kind = r.nextInt(depth > 4 ? 8 : 10);
        return switch (kind) {
            case 0 -> null;
            case 1 -> randomString(r);
            case 2 -> r.nextInt();
            case 3 -> r.nextLong();
            case 4 -> r.nextBoolean();
            case 5 -> r.nextDouble() * 1000;
            case 6 -> (float) r.nextGaussian();
            case 7 -> r.nextInt(50) == 0 ? new BigDecimal(r.nextInt()) : "plain";
            case 8 -> randomMap(r, depth);
            default -> {
                List<Object> l = new ArrayList<>();
                int n = r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    l.add(randomValue(r, depth + 1));
                }
                yield l;
            }
        };
    }

    private static String randomString(Random r) {
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(12);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(6)) {
                case 0 -> sb.append((char) r.nextInt(0x20));
                case 1 -> sb.append((char) (0x20 + r.nextInt(0x60)));
                case 2 -> sb.append((char) (0x80 + r.nextInt(0x780)));
                case 3 -> sb.append((char) (0x800 + r.nextInt(0xD000)));
                case 4 -> sb.append(r.nextInt(40) == 0 ? "\uD83D\uDE00" : "\"\\/");
                default -> sb.append("abc");
            }
        }
        return sb.toString();
    }
}
