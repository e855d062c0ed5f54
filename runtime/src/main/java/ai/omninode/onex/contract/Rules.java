package ai.omninode.onex.contract;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The catalog of {@link Rule}s: every problem {@code onex validate} reports carries one of these ids. Grouped by
 * area: {@code file}, {@code yaml}, {@code workflow}, {@code expression}, {@code node}, {@code contract},
 * {@code schema}, {@code plugin}; and {@code input} for the inputs of {@code onex run}. A new check adds its rule here (and a line to the table in
 * {@code docs/validation-rules.md}, which a test compares with this list).
 */
public final class Rules {
    private static final Map<String, Rule> ALL = new LinkedHashMap<>();

    // ---- files and YAML ------------------------------------------------------------------------------------------
    public static final Rule FILE_UNREADABLE = add("file.unreadable", Severity.ERROR,
            "The path does not exist, is not a regular file, or cannot be read.");
    public static final Rule FILE_UNRECOGNIZED = add("file.unrecognized", Severity.ERROR,
            "A file named on the command line is neither an ONEX workflow (no 'steps') nor a node contract (no 'node_type').");
    public static final Rule FILE_NOTHING_VALIDATED = add("file.nothing-validated", Severity.ERROR,
            "The paths given hold no ONEX workflow, node contract or schema, so nothing was validated (a CI job pointed at the wrong folder would otherwise pass).");
    public static final Rule FILE_SKIPPED = add("file.skipped", Severity.NOTE,
            "A YAML file found in a searched folder is not an ONEX file, so it was skipped (docker-compose.yml, CI settings).");
    public static final Rule YAML_ENCODING = add("yaml.encoding", Severity.ERROR,
            "The file is not UTF-8 text: UTF-16, an invalid byte, or a character YAML does not allow.");
    public static final Rule YAML_SYNTAX = add("yaml.syntax", Severity.ERROR,
            "The YAML cannot be parsed: a syntax error, more than one document, an empty document, a key that is not a plain value.");
    public static final Rule YAML_DUPLICATE_KEY = add("yaml.duplicate-key", Severity.ERROR,
            "A mapping holds the same key twice.");
    public static final Rule YAML_LIMIT = add("yaml.limit", Severity.ERROR,
            "The document is over a safety limit: size, nesting depth, number of values, or aliases.");
    public static final Rule YAML_UNSUPPORTED = add("yaml.unsupported", Severity.ERROR,
            "A YAML feature with no JSON form: merge keys, tags, binary values, NaN or infinity, numbers out of range, unknown aliases.");

    // ---- workflows ------------------------------------------------------------------------------------------------
    public static final Rule WORKFLOW_UNKNOWN_FIELD = add("workflow.unknown-field", Severity.ERROR,
            "A field the workflow format does not have (with a did-you-mean and the fields allowed there).");
    public static final Rule WORKFLOW_MISSING_FIELD = add("workflow.missing-field", Severity.ERROR,
            "A required field is missing: name, version, steps; a step's name, type, or the node field of its type.");
    public static final Rule WORKFLOW_INVALID_VALUE = add("workflow.invalid-value", Severity.ERROR,
            "A value of the wrong type, or outside the values, pattern or range the workflow schema allows.");
    public static final Rule WORKFLOW_STEP_SHAPE = add("workflow.step-shape", Severity.ERROR,
            "A step holds what its type does not take: another type's node field, nested steps, intent fields, an input that is not a map, a parallel group inside another.");
    public static final Rule WORKFLOW_DUPLICATE_NAME = add("workflow.duplicate-name", Severity.ERROR,
            "Two steps or two outputs share a name, or an output is also the name of another step.");
    public static final Rule WORKFLOW_RESERVED_NAME = add("workflow.reserved-name", Severity.ERROR,
            "A step or an output is named input, env or error, which ${...} reserves.");
    public static final Rule WORKFLOW_DEPENDS_ON = add("workflow.depends-on", Severity.ERROR,
            "depends_on names no step of the workflow (did-you-mean), the step itself, a later step, its own group, or a failure handler.");
    public static final Rule WORKFLOW_CYCLE = add("workflow.cycle", Severity.ERROR,
            "depends_on forms a cycle.");
    public static final Rule WORKFLOW_RETRY_STEP = add("workflow.retry-step", Severity.ERROR,
            "retry_policy.retry_on_steps names no step of the workflow (did-you-mean), or a parallel group.");
    public static final Rule WORKFLOW_IGNORED_SETTING = add("workflow.ignored-setting", Severity.WARNING,
            "A setting that is accepted but not interpreted: monitoring, performance settings other than timeout_seconds.");
    public static final Rule WORKFLOW_INPUT_SCHEMA = add("workflow.input-schema", Severity.ERROR,
            "The workflow's input_schema is not a usable JSON Schema (draft 2020-12).");
    public static final Rule WORKFLOW_INPUT_SCHEMA_KEYWORD = add("workflow.input-schema-keyword", Severity.WARNING,
            "A key of the input_schema that is no JSON Schema 2020-12 keyword (a misspelling?): it checks nothing.");
    public static final Rule WORKFLOW_EVENT_BUS = add("workflow.event-bus", Severity.ERROR,
            "The event_bus section: a Kafka step publishes to one of the workflow's own trigger topics, or to a topic publish_topics does not list.");

    // ---- ${...} expressions ---------------------------------------------------------------------------------------
    public static final Rule EXPRESSION_SYNTAX = add("expression.syntax", Severity.ERROR,
            "A ${...} that cannot be parsed.");
    public static final Rule EXPRESSION_UNKNOWN_ROOT = add("expression.unknown-root", Severity.ERROR,
            "A ${...} whose root is no input, env, error, step or output name (with a did-you-mean and the roots there are).");
    public static final Rule EXPRESSION_UNAVAILABLE = add("expression.unavailable", Severity.ERROR,
            "A ${...} that cannot be resolved where it is used: a later step, a step not in depends_on, error outside on_step_failure; for onex run (and --dry-run), an ${input...} the input does not hold or an ${env.NAME} that is not set, without a default.");
    public static final Rule EXPRESSION_INVALID_PATH = add("expression.invalid-path", Severity.ERROR,
            "A path that can never resolve: env without a name, a member of error other than step and message, a member after .length.");
    public static final Rule EXPRESSION_MISSING_PATH = add("expression.missing-path", Severity.ERROR,
            "A path into a step result that the producing node's output schema (closed) cannot have.");
    public static final Rule EXPRESSION_INPUT_PATH = add("expression.input-path", Severity.ERROR,
            "A ${input...} path without a default that the workflow's input_schema cannot have (a member a closed object does not declare, a member of a string).");

    // ---- nodes used by workflows ----------------------------------------------------------------------------------
    public static final Rule NODE_UNKNOWN = add("node.unknown", Severity.ERROR,
            "A step names a node that was not discovered and is not a contract in the validated tree (did-you-mean; a hint when --plugins hid the installation's plugins).");
    public static final Rule NODE_INPUT_MISMATCH = add("node.input-mismatch", Severity.ERROR,
            "A step's static input does not match the input schema of its node's contract (a missing or misspelled field, a wrong type).");
    public static final Rule NODE_KIND_MISMATCH = add("node.kind-mismatch", Severity.WARNING,
            "A step's type does not match its node's node_type: a compute node in an effect step, an effect node in a compute step.");
    public static final Rule NODE_INIT = add("node.init", Severity.ERROR,
            "A node a run needs could not be initialized: a setting it refused (a misspelled or invalid KAFKA_* variable, a missing file), or a cluster that did not answer its start-up check.");

    // ---- node contracts -------------------------------------------------------------------------------------------
    public static final Rule CONTRACT_UNKNOWN_FIELD = add("contract.unknown-field", Severity.ERROR,
            "A field the ONEX contract format does not have (with a did-you-mean and the fields allowed there).");
    public static final Rule CONTRACT_MISSING_FIELD = add("contract.missing-field", Severity.ERROR,
            "A required contract field is missing: name, version, description, node_type, input_model, output_model, ...");
    public static final Rule CONTRACT_INVALID_VALUE = add("contract.invalid-value", Severity.ERROR,
            "A contract value of the wrong type, or outside the values, pattern or range the contract schema allows.");
    public static final Rule CONTRACT_IO_OPERATIONS = add("contract.io-operations", Severity.ERROR,
            "Effect node must define at least one I/O operation.");
    public static final Rule CONTRACT_RETRY_POLICY = add("contract.retry-policy", Severity.ERROR,
            "retry_policies contradict themselves: a circuit-breaker threshold above max_attempts, max_delay_ms not above base_delay_ms.");
    public static final Rule CONTRACT_SCHEMA_FILE = add("contract.schema-file", Severity.ERROR,
            "A schema file the contract names (schemas.input, output, config) is missing, unreadable, or not a valid JSON Schema.");
    public static final Rule CONTRACT_DUPLICATE_NAME = add("contract.duplicate-name", Severity.ERROR,
            "Two node contracts in the validated files share a name.");

    // ---- JSON Schema files ----------------------------------------------------------------------------------------
    public static final Rule SCHEMA_INVALID = add("schema.invalid", Severity.ERROR,
            "A JSON Schema file breaks the JSON Schema 2020-12 meta-schema (a misspelled type, say) or cannot be compiled.");

    // ---- node plugins ---------------------------------------------------------------------------------------------
    public static final Rule PLUGIN_INVALID = add("plugin.invalid", Severity.ERROR,
            "Nodes cannot be discovered: a missing plugin folder, a .jar that is not a readable jar (zip) file or a link to one that is gone, a broken META-INF/services entry, a node that cannot be created or has an invalid contract, two nodes with one name.");
    public static final Rule PLUGIN_NO_NODES = add("plugin.no-nodes", Severity.ERROR,
            "A plugin jar (or sub-folder of jars) registers no node in META-INF/services/ai.omninode.onex.node.EffectNode, or a plugin folder holds no plugin at all.");

    // ---- the inputs of a run (onex run, not onex validate) ---------------------------------------------------------
    public static final Rule INPUT_JSON = add("input.json", Severity.ERROR,
            "A run's input (--input-file, a line or file of --inputs) is not one JSON object: invalid JSON or UTF-8, content after the value, a duplicate key, a number out of range, too deep or too large, or not an object.");
    public static final Rule INPUT_SCHEMA = add("input.schema", Severity.ERROR,
            "A run's input breaks the workflow's input_schema (each problem with its JSON pointer).");
    public static final Rule INPUT_OPTION = add("input.option", Severity.ERROR,
            "An --input KEY=VALUE that cannot be applied: no '=', a value after ':=' that is not JSON, an empty key, a key under a value that is not an object, too deep.");
    public static final Rule INPUT_NONE = add("input.none", Severity.ERROR,
            "--inputs holds no input: an empty file, only blank lines, a folder without *.json files.");

    private Rules() {
    }

    private static Rule add(String id, Severity severity, String summary) {
        Rule rule = new Rule(id, severity, summary);
        if (ALL.putIfAbsent(id, rule) != null) {
            throw new IllegalStateException("two rules with the id " + id);
        }
        return rule;
    }

    /** Every rule, in catalog order. */
    public static List<Rule> all() {
        return Collections.unmodifiableList(new ArrayList<>(ALL.values()));
    }

    public static Optional<Rule> find(String id) {
        return Optional.ofNullable(ALL.get(id));
    }

    /**
     * The rule of a JSON Schema violation in a document of {@code area} ({@code workflow} or {@code contract}): an
     * unknown field, a missing field, or any other value the schema refuses.
     */
    public static Rule forSchemaKeyword(String area, String keyword) {
        String kind = switch (keyword) {
            case "additionalProperties", "unevaluatedProperties" -> "unknown-field";
            case "required" -> "missing-field";
            default -> "invalid-value";
        };
        return find(area + "." + kind).orElseThrow(() -> new IllegalArgumentException("no schema rules for " + area));
    }
}
