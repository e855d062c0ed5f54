package ai.omninode.onex.kafka.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class EnvelopeCodecTest {
    private final EnvelopeCodec codec = new EnvelopeCodec(JsonMapper.builder().build(), "svc", "node-1");

    @Test
    void timestampsAreEpochSecondsWithMicroseconds() {
        assertThat(EnvelopeCodec.timestamp(Instant.ofEpochSecond(1701446400, 123_000_000))).isEqualTo("1701446400.123000");
        assertThat(EnvelopeCodec.timestamp(Instant.ofEpochSecond(5, 7_000))).isEqualTo("5.000007");
    }

    @Test
    void thePayloadIsTheTailOfTheEnvelopeEvenIfTextMentionsPayload() {
        byte[] envelope = codec.envelope("e", "\"payload\":", "c", "1.000000", Map.of("payload", "\"payload\":"));
        int start = EnvelopeCodec.payloadStart(envelope);

        assertThat(new String(envelope, start, envelope.length - 1 - start, UTF_8))
                .isEqualTo("{\"payload\":\"\\\"payload\\\":\"}");
    }

    @Test
    void aCutNeverSplitsAUtf8Character() {
        byte[] bytes = "aé€".getBytes(UTF_8); // 1 + 2 + 3 bytes
        assertThat(EnvelopeCodec.utf8Boundary(bytes, 0, 2)).isEqualTo(1);
        assertThat(EnvelopeCodec.utf8Boundary(bytes, 0, 3)).isEqualTo(3);
        assertThat(EnvelopeCodec.utf8Boundary(bytes, 0, 5)).isEqualTo(3);
        assertThat(EnvelopeCodec.utf8Boundary(bytes, 0, 6)).isEqualTo(6);
    }
}
