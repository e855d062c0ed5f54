package ai.omninode.onex.cli.internal;

import java.util.List;

/** {@code --output}: text for people, json for programs. */
public enum OutputFormat {
    TEXT, JSON;

    /** What shell completion offers for {@code --output}: the names as the help and the docs write them. */
    public static final class Names implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.of("text", "json").iterator();
        }
    }
}
