package ai.omninode.onex.testlib;

/** A "library" the host has in one version and a test plugin jar in another. */
public final class Greeting {
    private Greeting() {
    }

    public static String text() {
        return "hello from the host's copy";
    }
}
