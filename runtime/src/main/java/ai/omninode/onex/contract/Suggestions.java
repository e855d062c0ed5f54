package ai.omninode.onex.contract;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean" for misspelled names: fields, nodes, steps, settings. */
public final class Suggestions {
    private Suggestions() {
    }

    /**
     * The candidate closest to {@code given}, if it is close: at most a third of the name's length in edits (at least
     * one), ignoring case. Never {@code given} itself.
     */
    public static Optional<String> closest(String given, Collection<String> candidates) {
        return given == null ? Optional.empty() : closest(given, candidates, Math.max(1, given.length() / 3));
    }

    /**
     * The candidate closest to {@code given} within {@code maxEdits} edits, ignoring case; never {@code given} itself.
     * For long names that differ by design in a part (topics: {@code orders.created.v1} and {@code orders.updated.v1}),
     * where a third of the length would take one for a typo of the other.
     */
    public static Optional<String> closest(String given, Collection<String> candidates, int maxEdits) {
        if (given == null) {
            return Optional.empty();
        }
        String lower = given.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            if (candidate.equals(given)) {
                continue;
            }
            int d = distance(lower, candidate.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best != null && bestDistance <= maxEdits ? Optional.of(best) : Optional.empty();
    }

    /** {@code " (did you mean 'x'?)"} when a candidate is close to {@code given}, else {@code ""}. */
    public static String didYouMean(String given, Collection<String> candidates) {
        return closest(given, candidates).map(c -> " (did you mean '" + c + "'?)").orElse("");
    }

    /**
     * Edit distance where swapping two neighbouring letters counts as one edit (optimal string alignment): the
     * commonest typo, "tgas" for "tags", is one edit away, not two.
     */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
