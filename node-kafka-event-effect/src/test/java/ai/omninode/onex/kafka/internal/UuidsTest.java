package ai.omninode.onex.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class UuidsTest {

    /** RFC 9562 section 5.5, with a digest of its own per call. */
    private static UUID reference(UUID namespace, String name) throws Exception {
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        sha1.update(ByteBuffer.allocate(16).putLong(namespace.getMostSignificantBits())
                .putLong(namespace.getLeastSignificantBits()).array());
        ByteBuffer h = ByteBuffer.wrap(sha1.digest(name.getBytes(StandardCharsets.UTF_8)), 0, 16);
        return new UUID((h.getLong() & ~0xF000L) | 0x5000L, (h.getLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L);
    }

    @Test
    void theNamespaceIsTheVersion5IdOfItsUrnAsPythonDerivesIt() {
        // uuid.uuid5(uuid.NAMESPACE_URL, "urn:onex:kafka_event_effect:event_id")
        assertThat(Uuids.EVENT_ID_NAMESPACE).isEqualTo(UUID.fromString("d3427cb9-c244-5db1-832a-da6d10216c72"));
    }

    @Test
    void eventIdsOfManyKeysOnTwoThreadsAreThoseOfTheRfcWithAFreshDigestEachTime() throws Exception {
        Runnable check = () -> {
            Random random = new Random(42);
            for (int i = 0; i < 2_000; i++) {
                StringBuilder key = new StringBuilder("run-" + i + "/step");
                for (int c = random.nextInt(80); c > 0; c--) {
                    key.append((char) (random.nextBoolean() ? 'a' + random.nextInt(26) : 0xe0 + random.nextInt(0x2000)));
                }
                try {
                    assertThat(Uuids.eventId(key.toString())).as(key.toString())
                            .isEqualTo(reference(Uuids.EVENT_ID_NAMESPACE, key.toString()));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        };
        CompletableFuture<Void> other = CompletableFuture.runAsync(check);
        check.run();
        other.get();
    }
}
