package ai.omninode.onex.runtime;

import java.util.regex.Pattern;

/**
 * Jackson's words for a JSON parse error, as a person who sent the JSON can act on them: the first line, without
 * the advice Jackson gives the programmer ("enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow", "from
 * `StreamReadConstraints.getMaxNestingDepth()`"), which the sender of a file or a trigger cannot follow.
 */
public final class JsonErrors {
    private static final Pattern PARSER_ADVICE = Pattern.compile(
            ":?\\s*\\(?enable `[^`]*` to allow\\)?|\\s*\\(not recognized as one since Feature '[^']*' not enabled for parser\\)"
            + "|\\s*\\(consider enabling `[^`]*` to allow[^)]*\\)+|,\\s*from `[^`]*`");

    /** Where an unclosed object or array began, as Jackson writes a location: the line and column, if it has them. */
    private static final Pattern START_MARKER = Pattern.compile(
            "\\s*\\(start marker at \\[Source: [^\\]]*?(?:line: (\\d+), column: (\\d+))?[^\\]]*\\]\\)");
    private static final Pattern TRAILING = Pattern.compile("Trailing token \\(");
    /** "hexadecimal number literals require enabling `JsonReadFeature.ALLOW_HEXADECIMAL_NUMBERS`" */
    private static final Pattern REQUIRES_FEATURE = Pattern.compile("\\s+require enabling `[^`]*`");

    /** A read constraint: "Number value length (1001) exceeds the maximum allowed (1000, from ...)". */
    private static final Pattern LIMIT = Pattern.compile("([A-Z][a-z]+(?: [a-z]+)*) \\(\\d+\\) exceeds the maximum"
            + " allowed \\((\\d+)");

    private JsonErrors() {
    }

    /** @param originalMessage {@code JacksonException.getOriginalMessage()} (the message without its location) */
    public static String userMessage(String originalMessage) {
        if (originalMessage == null) {
            return "";
        }
        int nl = originalMessage.indexOf('\n');
        String first = nl < 0 ? originalMessage : originalMessage.substring(0, nl);
        java.util.regex.Matcher limit = LIMIT.matcher(first);
        if (limit.lookingAt()) {
            // "Number value length (1451) exceeds the maximum allowed (1000)": the length is where Jackson stopped
            // counting, not the number's, so only the limit is said
            return switch (limit.group(1)) {
                case "Number value length" -> "a number longer than " + limit.group(2) + " digits";
                case "String value length" -> "a text longer than " + limit.group(2) + " characters";
                case "Document nesting depth" -> "objects and arrays nested deeper than " + limit.group(2) + " levels";
                default -> limit.group(1).toLowerCase(java.util.Locale.ROOT) + " over the limit of " + limit.group(2);
            };
        }
        if (TRAILING.matcher(first).lookingAt()) {
            // "Trailing token (`JsonToken.VALUE_NUMBER_INT`) found after value (bound as `tools.jackson...JsonNode`)"
            return "not one JSON value: more content after the value";
        }
        first = START_MARKER.matcher(first).replaceAll(r -> r.group(1) == null ? ""
                : " (opened at " + r.group(1) + ":" + r.group(2) + ")");
        first = REQUIRES_FEATURE.matcher(first).replaceAll(" are not JSON");
        return PARSER_ADVICE.matcher(first).replaceAll("").strip();
    }
}
