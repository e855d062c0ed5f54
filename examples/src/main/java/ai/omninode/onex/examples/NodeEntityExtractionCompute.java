package ai.omninode.onex.examples;

import ai.omninode.onex.node.ComputeNode;
import ai.omninode.onex.node.ExecutionContext;
import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code entity_extraction_compute}: finds entities in text with a few rules instead of a model: e-mail
 * addresses, URLs, years, and runs of capitalized words (names of people, organizations, places), each once.
 */
public final class NodeEntityExtractionCompute implements ComputeNode {
    static final String NAME = "entity_extraction_compute";

    /**
     * No repeated group (Java's engine recurses once per repetition: an address with 2,000 labels overflowed the
     * stack), and a match starts only where a run of address characters starts (else a long run without '@' is
     * scanned again from each of its characters).
     */
    private static final Pattern EMAIL = Pattern.compile("(?<![\\w.+-])[\\w.+-]++@[\\w-]++\\.[\\w.-]*[\\w-]");
    private static final Pattern URL_PATTERN = Pattern.compile("https?://[^\\s)\\]]+[^\\s.,;)\\]]");
    private static final Pattern YEAR = Pattern.compile("\\b(1\\d{3}|20\\d{2})\\b");
    private static final Pattern SPACES = Pattern.compile("\\s+");
    /**
     * A capitalized word; a run of them with only white space between is one entity. Not one pattern with the run as
     * a repeated group: Java's regex engine recurses once per repetition, and a list of a thousand names overflowed
     * the stack.
     */
    private static final Pattern CAPITALIZED = Pattern.compile("\\b\\p{Lu}[\\p{L}&-]+\\b");
    /** Capitalized only because they start a sentence, or too common to be a name. */
    private static final Set<String> STOP = Set.of("The", "A", "An", "This", "That", "These", "It", "In", "On", "At",
            "And", "But", "Or", "For", "With", "We", "Our", "Its", "Der", "Die", "Das", "Le", "La", "El");

    /** Reads no setting. */
    @Override
    public Set<String> settingNames() {
        return Set.of();
    }

    @Override
    public URL contractLocation() {
        return ExampleNodes.contract(NAME);
    }

    @Override
    public Map<String, Object> compute(Map<String, Object> input, ExecutionContext context) {
        String content = (String) input.get("content");
        String language = ExampleNodes.string(input, "language", "en");
        List<Object> entities = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        Set<Integer> covered = new java.util.HashSet<>();
        find(EMAIL, content, "EMAIL", entities, seen, covered);
        find(URL_PATTERN, content, "URL", entities, seen, covered);
        find(YEAR, content, "DATE", entities, seen, covered);
        Matcher m = CAPITALIZED.matcher(content);
        int runStart = -1;
        int runEnd = -1;
        while (m.find()) {
            if (runStart >= 0 && isBlank(content, runEnd, m.start())) {
                runEnd = m.end();
                continue;
            }
            if (runStart >= 0) {
                nameRun(content, runStart, runEnd, entities, seen, covered);
            }
            runStart = m.start();
            runEnd = m.end();
        }
        if (runStart >= 0) {
            nameRun(content, runStart, runEnd, entities, seen, covered);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("entities", entities);
        out.put("entity_count", entities.size());
        out.put("language", language);
        return out;
    }

    /** Whether {@code content} between {@code from} and {@code to} is white space (regex {@code \\s+}), and some. */
    private static boolean isBlank(String content, int from, int to) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = content.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\u000B' && c != '\f' && c != '\r') {
                return false;
            }
        }
        return true;
    }

    /** A run of capitalized words: a name, or a term, but a sentence's first word alone. */
    private static void nameRun(String content, int start, int end, List<Object> entities, Set<String> seen,
            Set<Integer> covered) {
        String text = content.substring(start, end);
        String[] words = SPACES.split(text);
        int count = words.length;
        if (STOP.contains(words[0])) {
            if (count == 1) {
                return;
            }
            // the run goes on after the white space that follows the stop word, however much there is
            start += words[0].length();
            while (isBlank(content, start, start + 1)) {
                start++;
            }
            text = content.substring(start, end);
            count--;
        }
        if (covered.contains(start)) {
            return;
        }
        add(entities, seen, text, count > 1 ? "NAME" : "TERM", start, end);
    }

    private static void find(Pattern p, String content, String type, List<Object> entities, Set<String> seen,
            Set<Integer> covered) {
        Matcher m = p.matcher(content);
        while (m.find()) {
            for (int i = m.start(); i < m.end(); i++) {
                covered.add(i);
            }
            add(entities, seen, m.group(), type, m.start(), m.end());
        }
    }

    private static void add(List<Object> entities, Set<String> seen, String text, String type, int start, int end) {
        if (!seen.add(type + ":" + text)) {
            return;
        }
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("text", text);
        e.put("type", type);
        e.put("start", start);
        e.put("end", end);
        entities.add(e);
    }
}
