package ai.omninode.onex.kafka.embedded;

/**
 * One broker per JVM, started on first use and stopped when the JVM exits: every test class of a module shares
 * it, so a test run pays the start-up once. Tests that stop or restart it must leave it running.
 */
public final class SharedKafkaBroker {
    private static EmbeddedKafkaBroker broker;

    private SharedKafkaBroker() {
    }

    /** The running shared broker (started now if needed). */
    public static synchronized EmbeddedKafkaBroker get() {
        if (broker == null) {
            broker = EmbeddedKafkaBroker.builder().build();
            Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "embedded-kafka-shutdown"));
        }
        return broker.start();
    }
}
