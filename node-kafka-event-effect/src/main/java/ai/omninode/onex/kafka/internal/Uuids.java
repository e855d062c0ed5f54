package ai.omninode.onex.kafka.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Event ids. Random (version 4) UUIDs without {@link UUID#randomUUID()}'s shared {@code SecureRandom}, which costs
 * about a microsecond and contends between threads (event ids need to be unique, not unguessable); and name-based
 * (version 5, RFC 9562) UUIDs for an event with an idempotency key, so that every copy of one logical event has one id.
 */
public final class Uuids {
    /**
     * One SHA-1 digest per thread, reset by each use: {@code MessageDigest.getInstance} looks the provider up every
     * time (most of what a key's id cost). A digest holds no class of this plugin, so a pooled thread keeps nothing of
     * it alive.
     */
    private static final ThreadLocal<MessageDigest> SHA1 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-1", e);
        }
    });
    /** The RFC's namespace for URLs and URNs. */
    static final UUID NAMESPACE_URL = UUID.fromString("6ba7b811-9dad-11d1-80b4-00c04fd430c8");
    /**
     * The namespace of event ids derived from idempotency keys: the version 5 UUID of the name
     * {@code urn:onex:kafka_event_effect:event_id} in {@link #NAMESPACE_URL}. Any language can derive the same ids:
     * Python's {@code uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, "urn:onex:kafka_event_effect:event_id"), key)}.
     */
    public static final UUID EVENT_ID_NAMESPACE = nameBased(NAMESPACE_URL, "urn:onex:kafka_event_effect:event_id");
    private static final byte[] EVENT_ID_NAMESPACE_BYTES = bytes(EVENT_ID_NAMESPACE);

    private Uuids() {
    }

    /** The event id for an idempotency key: a version 5 UUID of {@code key} in {@link #EVENT_ID_NAMESPACE}. */
    public static UUID eventId(String idempotencyKey) {
        return nameBased(EVENT_ID_NAMESPACE_BYTES, idempotencyKey);
    }

    /** A version 5 UUID: SHA-1 of the namespace's 16 bytes and the name's UTF-8 bytes, with version and variant set. */
    static UUID nameBased(UUID namespace, String name) {
        return nameBased(bytes(namespace), name);
    }

    private static UUID nameBased(byte[] namespace, String name) {
        MessageDigest sha1 = SHA1.get();
        sha1.update(namespace);
        byte[] hash = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
        ByteBuffer h = ByteBuffer.wrap(hash, 0, 16);
        long msb = (h.getLong() & ~0xF000L) | 0x5000L;                        // version 5
        long lsb = (h.getLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // IETF variant
        return new UUID(msb, lsb);
    }

    private static byte[] bytes(UUID u) {
        return ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array();
    }

    public static UUID random() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & ~0xF000L) | 0x4000L;              // version 4
        long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // IETF variant
        return new UUID(msb, lsb);
    }
}
