package ai.omninode.onex.kafka;

import java.util.UUID;

/** Names for what a test creates on a shared broker. */
final class Topics {
    private Topics() {
    }

    /** {@code name} and a random suffix: a topic prefix no other test (or earlier run on the broker) uses. */
    static String unique(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
