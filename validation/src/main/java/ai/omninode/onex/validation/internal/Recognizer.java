package ai.omninode.onex.validation.internal;

import ai.omninode.onex.contract.YamlReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Tells ONEX files from other YAML by their content, for files found by searching a folder: those that are not ONEX
 * files are skipped with a note, those that are (even broken ones) are checked and their errors reported.
 */
public final class Recognizer {
    /** A file that failed to parse is taken for an ONEX file (and its errors reported) if it has one of these keys. */
    private static final Pattern ONEX_KEYS =
            Pattern.compile("(?m)^(steps|node_type|io_operations|input_model|effect_node|compute_node)\\s*:");

    private Recognizer() {
    }

    /**
     * The text of a file that could not be parsed, to look for ONEX keys in: UTF-16 decoded as such (a UTF-16 workflow
     * is a broken workflow, whose encoding error is reported), anything else as UTF-8, bad bytes replaced.
     */
    public static String text(byte[] bytes) {
        Charset utf16 = YamlReader.utf16(bytes);
        return new String(bytes, utf16 != null ? utf16 : StandardCharsets.UTF_8);
    }

    /** Whether text that could not be parsed as YAML looks like an ONEX workflow or contract. */
    public static boolean looksLikeOnex(String text) {
        return ONEX_KEYS.matcher(text).find();
    }
}
