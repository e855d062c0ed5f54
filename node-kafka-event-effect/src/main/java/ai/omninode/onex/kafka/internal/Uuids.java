package ai.omninode.onex.kafka.internal;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random (version 4) UUIDs without {@link UUID#randomUUID()}'s shared {@code SecureRandom}, which costs about a
 * microsecond and contends between threads. Event ids need to be unique, not unguessable.
 */
public final class Uuids {
    private Uuids() {
    }

    public static UUID random() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & ~0xF000L) | 0x4000L;              // version 4
        long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // IETF variant
        return new UUID(msb, lsb);
    }
}
