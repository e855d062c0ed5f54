package ai.omninode.onex.validation.internal;

import ai.omninode.onex.contract.YamlReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Tells ONEX files from other YAML by their content, for files found by searching a folder: those that are not ONEX
 * files are skipped with a note, those that are (even broken ones) are checked and their errors reported.
 *
 * <p>{@code steps} alone is not enough: Azure Pipelines, Google Cloud Build and Drone files have top-level
 * {@code steps} too. A workflow found by searching has {@code steps} and one sign of ONEX besides: a {@code version}
 * ({@code {major, minor, patch}}, or a string such as {@code 1.0.0}, which is reported as the error it is), a section only ONEX workflows have ({@code input_schema},
 * {@code event_bus}, {@code error_handling}, {@code workflow_type}), or a step with a node field
 * ({@code effect_node}, {@code compute_node}, {@code handler}, {@code intent_type}) or an ONEX step type
 * ({@code effect}, {@code compute}, {@code validation}, {@code intent}, {@code parallel}). A file named on its own is
 * a workflow as soon as it has {@code steps}: it must be an ONEX file, and its errors say what is wrong.
 */
public final class Recognizer {
    static final Set<String> WORKFLOW_SECTIONS = Set.of("input_schema", "event_bus", "error_handling", "workflow_type");
    static final Set<String> STEP_NODE_FIELDS = Set.of("effect_node", "compute_node", "handler", "intent_type");
    static final Set<String> STEP_TYPES = Set.of("effect", "compute", "validation", "intent", "parallel");

    /**
     * Keys only a node contract has, at the top level of text that could not be parsed: at the start of a line, or
     * quoted or not after the { or , of a flow mapping (a contract or workflow written as JSON).
     */
    private static final String KEY_START = "(?:^|[{,]\\s*)[\"']?";
    private static final String KEY_END = "[\"']?\\s*:";
    private static final Pattern CONTRACT_KEYS = Pattern.compile("(?m)" + KEY_START + "(node_type|io_operations|input_model)"
            + KEY_END);
    private static final Pattern STEPS = Pattern.compile("(?m)" + KEY_START + "steps" + KEY_END);
    private static final Pattern SEMVER = Pattern.compile("v?\\d+\\.\\d+\\.\\d+");
    /** The signs of ONEX next to {@code steps}, in text that could not be parsed. */
    private static final Pattern WORKFLOW_SIGNS = Pattern.compile("(?m)" + KEY_START + "(input_schema|event_bus"
            + "|error_handling|workflow_type)" + KEY_END + "|" + KEY_START + "version" + KEY_END
            + "\\s*(\\{\\s*)?([\"']?major|$|[\"']?v?\\d+\\.\\d+\\.\\d+)"
            + "|(^|[\\s{,-])[\"']?(effect_node|compute_node|intent_type)" + KEY_END
            + "|(^|[\\s{,-])[\"']?type" + KEY_END + "\\s*[\"']?(effect|compute|validation|intent|parallel)[\"']?\\s*([,}#]|$)");

    private Recognizer() {
    }

    /** Whether a parsed document found by searching is an ONEX workflow (see the class comment). */
    public static boolean isWorkflow(JsonNode root) {
        if (root == null || !root.isObject() || !root.has("steps")) {
            return false;
        }
        JsonNode version = root.path("version");
        if (version.isObject() || version.isString() && SEMVER.matcher(version.asString().trim()).matches()) {
            // version: 1.0.0 is the commonest mistake in a new workflow: reported, not skipped as someone else's file
            return true;
        }
        for (String section : WORKFLOW_SECTIONS) {
            if (root.has(section)) {
                return true;
            }
        }
        return hasOnexStep(root.get("steps"), 0);
    }

    private static boolean hasOnexStep(JsonNode steps, int depth) {
        if (steps == null || !steps.isArray() || depth > 2) {
            return false;
        }
        for (JsonNode step : steps) {
            if (!step.isObject()) {
                continue;
            }
            for (String field : STEP_NODE_FIELDS) {
                if (step.has(field)) {
                    return true;
                }
            }
            JsonNode type = step.get("type");
            if (type != null && type.isString() && STEP_TYPES.contains(type.asString())
                    || hasOnexStep(step.get("steps"), depth + 1)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The text of a file that could not be parsed, to look for ONEX keys in: UTF-16 decoded as such (a UTF-16 workflow
     * is a broken workflow, whose encoding error is reported), anything else as UTF-8, bad bytes replaced.
     */
    public static String text(byte[] bytes) {
        Charset utf16 = YamlReader.utf16(bytes);
        return new String(bytes, utf16 != null ? utf16 : StandardCharsets.UTF_8);
    }

    /**
     * Whether text that could not be parsed as YAML looks like an ONEX workflow or contract: a contract's keys, or
     * {@code steps} with one of the signs {@link #isWorkflow} looks for, as far as lines of text show them.
     */
    public static boolean looksLikeOnex(String text) {
        return CONTRACT_KEYS.matcher(text).find() || STEPS.matcher(text).find() && WORKFLOW_SIGNS.matcher(text).find();
    }
}
