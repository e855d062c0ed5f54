package ai.omninode.onex.kafka.internal;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.node.TraceContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The bytes the node writes without a String between, against the Strings they replace. */
class AsciiTest {

    @Test
    void aUuidsBytesAreItsToStringForEdgeAndRandomValues() {
        List<UUID> ids = new ArrayList<>(List.of(new UUID(0, 0), new UUID(-1, -1), new UUID(Long.MIN_VALUE, 1),
                new UUID(0x0123456789abcdefL, 0xfedcba9876543210L)));
        Random random = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            ids.add(new UUID(random.nextLong(), random.nextLong()));
        }
        for (UUID id : ids) {
            assertThat(new String(Ascii.uuid(id), US_ASCII)).isEqualTo(id.toString());
        }
    }

    @Test
    void eightHexDigitsAreThoseOfTheLow32BitsForEveryNibbleAndRandomValues() {
        List<Long> values = new ArrayList<>(List.of(0L, -1L, 0xffff_ffffL, 0x1_0000_0000L, 0x0123_4567L, 0x89ab_cdefL,
                0x9999_9999L, 0xaaaa_aaaaL, Long.MIN_VALUE, Long.MAX_VALUE));
        for (int d = 0; d < 16; d++) {
            values.add(0x1111_1111L * d);
        }
        Random random = new Random(3);
        for (int i = 0; i < 100_000; i++) {
            values.add(random.nextLong());
        }
        for (long v : values) {
            byte[] digits = java.nio.ByteBuffer.allocate(8).putLong(Ascii.hex8(v)).array();
            assertThat(new String(digits, US_ASCII)).as("%x", v)
                    .isEqualTo(String.format("%08x", v & 0xffff_ffffL));
        }
    }

    @Test
    void aNewTracesTraceparentIsWellFormedSampledAndNewEachTime() {
        Set<String> traces = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            String header = new String(Ascii.traceparent(null), US_ASCII);
            assertThat(header).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
            TraceContext parsed = TraceContext.parse(header).orElseThrow(); // all-zero ids would not parse
            assertThat(parsed.traceparent()).isEqualTo(header);
            traces.add(parsed.traceId());
        }
        assertThat(traces).hasSize(1_000);
    }

    @Test
    void aChildKeepsItsParentsTraceAndSampledFlagWithANewSpan() {
        for (int flags : new int[] {0x00, 0x01, 0x03, 0xff}) {
            TraceContext parent = TraceContext.of("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", flags, "v=1");
            String header = new String(Ascii.traceparent(parent), US_ASCII);
            TraceContext child = TraceContext.parse(header).orElseThrow();
            TraceContext expected = parent.newChild();
            assertThat(child.traceId()).isEqualTo(parent.traceId());
            assertThat(child.flags()).as("flags of %02x", flags).isEqualTo(expected.flags());
            assertThat(child.spanId()).isNotEqualTo(parent.spanId()).matches("[0-9a-f]{16}").isNotEqualTo("0".repeat(16));
            assertThat(header).hasSize(expected.traceparent().length());
        }
    }

    @Test
    void theEnvelopeFromBytesIsTheEnvelopeFromStringsForAnyTimeAndEventType() {
        EnvelopeCodec codec = new EnvelopeCodec(EnvelopeCodec.MAPPER, "svc", "node-1");
        Map<String, Object> payload = Map.of("document_id", "doc-1", "n", 3);
        Random random = new Random(11);
        List<Instant> times = new ArrayList<>(List.of(Instant.EPOCH, Instant.ofEpochSecond(0, 999_999_999),
                Instant.ofEpochSecond(9, 1_000), Instant.ofEpochSecond(1764184352, 123_456_789), Instant.ofEpochSecond(-1, 5),
                Instant.ofEpochSecond(-1234567890, 999_000), Instant.MAX, Instant.MIN));
        for (int i = 0; i < 2_000; i++) {
            times.add(Instant.ofEpochSecond(random.nextLong() % 100_000_000_000L, random.nextInt(1_000_000_000)));
        }
        List<String> types = List.of("DOCUMENT_INGESTED", "a \"quoted\" type\n", "\u00e9v\u00e9nement", "\uD83D\uDE00 emoji");
        for (Instant t : times) {
            for (String type : types) {
                UUID id = new UUID(random.nextLong(), random.nextLong());
                UUID correlation = new UUID(random.nextLong(), random.nextLong());
                byte[] expected = codec.envelope(id.toString(), type, correlation.toString(), EnvelopeCodec.timestamp(t),
                        payload);
                assertThat(new String(codec.envelope(Ascii.uuid(id), type, codec.eventTypeJson(type), Ascii.uuid(correlation),
                        t, payload), US_ASCII)).isEqualTo(new String(expected, US_ASCII));
                assertThat(codec.envelope(Ascii.uuid(id), type, null, Ascii.uuid(correlation), t, payload)).isEqualTo(expected);
            }
        }
        assertThat(codec.eventTypeJson("\uD83D\uDE00 emoji")).as("surrogates are Jackson's to write").isNull();
    }
}
