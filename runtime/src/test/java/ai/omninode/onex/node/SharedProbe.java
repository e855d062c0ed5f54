package ai.omninode.onex.node;

/** A class in a package plugins must share with the host; a test plugin jar carries its own copy, to be ignored. */
public final class SharedProbe {
    private SharedProbe() {
    }

    public static String copy() {
        return "host";
    }
}
