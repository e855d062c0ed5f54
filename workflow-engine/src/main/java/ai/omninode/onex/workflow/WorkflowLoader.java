package ai.omninode.onex.workflow;

import ai.omninode.onex.contract.JsonSchema;
import ai.omninode.onex.contract.NodeContract.ContractVersion;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.contract.Violation;
import ai.omninode.onex.contract.YamlDocument;
import ai.omninode.onex.contract.YamlReader;
import ai.omninode.onex.workflow.internal.BoundedRead;
import ai.omninode.onex.workflow.internal.EventBusChecks;
import ai.omninode.onex.workflow.internal.SourceText;
import ai.omninode.onex.workflow.internal.StepIndex;
import ai.omninode.onex.workflow.internal.WorkflowChecks;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * Reads a workflow file and checks everything that needs no node: YAML, the workflow schema
 * ({@value #SCHEMA_RESOURCE}), then the rules a schema cannot say: unique step and output names, the node field
 * that matches each step type, {@code depends_on} references (unknown, later, cycles), {@code retry_on_steps},
 * and every {@code ${...}}: its syntax, and whether its root can exist where it is used; and the
 * {@code event_bus} section ({@code EventBusChecks}). All problems are
 * reported together, each with file, line and column. Checks against node contracts are {@link WorkflowValidator}'s.
 */
public final class WorkflowLoader {
    /** Classpath location of the workflow schema (from onex-contracts). */
    public static final String SCHEMA_RESOURCE = "ai/omninode/onex/contracts/schema/onex-workflow.schema.json";

    /** The largest workflow file, in bytes, that is read at all (4 MiB). */
    public static final long MAX_BYTES = 4L * 1024 * 1024;

    private final YamlReader reader;

    public WorkflowLoader() {
        this(YamlReader.defaults().withMaxBytes(MAX_BYTES));
    }

    public WorkflowLoader(YamlReader reader) {
        this.reader = Objects.requireNonNull(reader);
    }

    /** The largest workflow this loader reads, in bytes: checked before parsing. */
    public long maxBytes() {
        return reader.maxBytes();
    }

    /** The compiled workflow schema. */
    public static JsonSchema schema() {
        return SchemaHolder.SCHEMA;
    }

    private static final class SchemaHolder {
        static final JsonSchema SCHEMA = loadSchema();

        private static JsonSchema loadSchema() {
            URL url = WorkflowLoader.class.getClassLoader().getResource(SCHEMA_RESOURCE);
            if (url == null) {
                throw new IllegalStateException(SCHEMA_RESOURCE + " is not on the classpath (onex-contracts missing?)");
            }
            return JsonSchema.load(url, SCHEMA_RESOURCE);
        }
    }

    /** Whether a parsed document is meant to be a workflow (it has {@code steps}), rather than a contract. */
    public static boolean looksLikeWorkflow(JsonNode root) {
        return root != null && root.isObject() && root.has("steps");
    }

    /** Loads and checks a workflow file; throws {@link ValidationException} with every problem found. */
    public Workflow load(Path file) {
        String source = file.toString();
        byte[] bytes = BoundedRead.read(file, reader.maxBytes(), "workflow");
        YamlDocument doc = reader.read(source, bytes);
        return build(doc, new String(bytes, StandardCharsets.UTF_8));
    }

    /** Loads and checks workflow text; {@code source} names it in problems. */
    public Workflow load(String source, String text) {
        return build(reader.readString(source, text), text);
    }

    /**
     * Checks an already parsed document (used by {@code onex validate}, which reads each file once), with the size
     * limit {@link #load(Path)} applies: what validates must also load for a run.
     */
    public Workflow load(YamlDocument doc, String text) {
        long size = text.getBytes(StandardCharsets.UTF_8).length;
        if (size > reader.maxBytes()) {
            throw new ValidationException(new Problem(doc.source(), 1, 1, "", "workflow is " + size
                    + " bytes, larger than the limit of " + reader.maxBytes() + " bytes").as(Rules.YAML_LIMIT));
        }
        return build(doc, text);
    }

    private Workflow build(YamlDocument doc, String text) {
        Checked checked = check(doc, text);
        List<Problem> errors = checked.problems().stream().filter(Problem::isError).toList();
        if (!errors.isEmpty()) {
            throw new ValidationException(errors);
        }
        return checked.workflow();
    }

    /**
     * A workflow as far as it could be read, with every problem found in it (errors and warnings, sorted by
     * position); {@code workflow} is null when the document is not even a mapping.
     */
    public record Checked(Workflow workflow, List<Problem> problems) {
        public Checked {
            problems = List.copyOf(problems);
        }

        public boolean hasErrors() {
            return problems.stream().anyMatch(Problem::isError);
        }
    }

    /**
     * Checks an already parsed workflow and reports everything at once: the schema's violations and, on the parts
     * that could be read despite them, the rules a schema cannot say, so that a wrong type and a misspelled step
     * reference show up in the same run. Nothing is thrown for a bad workflow.
     */
    public Checked check(YamlDocument doc, String text) {
        long size = text.getBytes(StandardCharsets.UTF_8).length;
        if (size > reader.maxBytes()) {
            return new Checked(null, List.of(new Problem(doc.source(), 1, 1, "", "workflow is " + size
                    + " bytes, larger than the limit of " + reader.maxBytes() + " bytes").as(Rules.YAML_LIMIT)));
        }
        JsonNode root = doc.root();
        if (!root.isObject()) {
            return new Checked(null, List.of(doc.problemAt("", "a workflow must be a YAML mapping, found "
                    + ExpressionResolver.describe(root)).as(Rules.WORKFLOW_INVALID_VALUE)));
        }
        versionFromText((tools.jackson.databind.node.ObjectNode) root);
        List<Problem> problems = new ArrayList<>();
        for (Violation v : schema().validate(root)) {
            problems.add(JsonSchema.locate(doc, v, "workflow"));
        }
        JsonSchema inputSchema = null;
        if (root.path("input_schema").isObject()) {
            try {
                inputSchema = JsonSchema.compileAt(doc, "/input_schema", "urn:onex:input-schema:" + UUID.randomUUID());
            } catch (ValidationException e) {
                e.problems().forEach(p -> problems.add(p.orAs(Rules.WORKFLOW_INPUT_SCHEMA)));
            }
            SchemaKeywords.unknown(root.get("input_schema"), "/input_schema").forEach((pointer, key) -> problems.add(
                    doc.problemAtKey(pointer, "'" + key + "' is no JSON Schema 2020-12 keyword"
                            + ai.omninode.onex.contract.Suggestions.didYouMean(key, SchemaKeywords.KEYWORDS)
                            + ", so it checks nothing (the input_schema is read as draft 2020-12)")
                            .as(Rules.WORKFLOW_INPUT_SCHEMA_KEYWORD)));
        }
        ignoredSettings(doc, problems);
        List<Step> steps = steps(root.get("steps"), "/steps");
        JsonNode errorHandling = root.path("error_handling");
        List<Step> onFailure = steps(errorHandling.get("on_step_failure"), "/error_handling/on_step_failure");
        RetryPolicy retry = retryPolicy(errorHandling.get("retry_policy"));
        Workflow workflow = new Workflow(
                root.path("name").isString() ? root.get("name").asString() : "",
                new ContractVersion(intAt(root, "/version/major"), intAt(root, "/version/minor"),
                        intAt(root, "/version/patch")),
                root.path("description").asString(""),
                steps, onFailure, retry, doc.source(), doc, text, inputSchema);
        int schemaProblems = problems.size();
        new WorkflowChecks(workflow, new StepIndex(steps, onFailure), new SourceText(doc, text), problems).run();
        new EventBusChecks(workflow, problems).run();
        // where a rule says more precisely what the schema said about the same value, keep the rule's words only
        Set<String> explained = new HashSet<>();
        problems.subList(schemaProblems, problems.size()).forEach(p -> explained.add(p.pointer()));
        problems.removeIf(p -> p.rule().equals(Rules.WORKFLOW_INVALID_VALUE.id()) && explained.contains(p.pointer()));
        return new Checked(workflow, sorted(problems));
    }

    /** Settings the original format has and this runner accepts but does not act on: said, so nobody relies on them. */
    private static void ignoredSettings(YamlDocument doc, List<Problem> problems) {
        JsonNode root = doc.root();
        if (root.has("monitoring")) {
            problems.add(doc.problemAtKey("/monitoring", "'monitoring' settings are accepted but not interpreted:"
                    + " nothing is measured or logged because of them (metrics and traces come from the host)")
                    .as(Rules.WORKFLOW_IGNORED_SETTING));
        }
        JsonNode performance = root.path("performance");
        if (performance.isObject()) {
            for (String key : performance.propertyNames()) {
                if (!key.equals("timeout_seconds")) {
                    problems.add(doc.problemAtKey("/performance/" + YamlDocument.escape(key), "'performance." + key
                            + "' is accepted but not interpreted; only performance.timeout_seconds bounds the run")
                            .as(Rules.WORKFLOW_IGNORED_SETTING));
                }
            }
        }
    }

    /** {@code 1.2.3} or {@code v1.2.3}, each part an int without leading zeros. */
    private static final java.util.regex.Pattern VERSION_TEXT =
            java.util.regex.Pattern.compile("v?(0|[1-9]\\d{0,8})\\.(0|[1-9]\\d{0,8})\\.(0|[1-9]\\d{0,8})");

    /**
     * {@code version: 1.0.0}, as many ONEX files and most people write it, read as the mapping {@code {major: 1,
     * minor: 0, patch: 0}} that the schema asks for; any other text is left for the schema to refuse (with the mapping
     * to write when it looks like a version).
     */
    private static void versionFromText(tools.jackson.databind.node.ObjectNode root) {
        JsonNode version = root.get("version");
        if (version == null || !version.isString()) {
            return;
        }
        java.util.regex.Matcher m = VERSION_TEXT.matcher(version.asString().trim());
        if (m.matches()) {
            root.putObject("version").put("major", Integer.parseInt(m.group(1)))
                    .put("minor", Integer.parseInt(m.group(2))).put("patch", Integer.parseInt(m.group(3)));
        }
    }

    private static int intAt(JsonNode root, String pointer) {
        JsonNode n = root.at(pointer);
        return n.isIntegralNumber() && n.canConvertToInt() ? n.asInt() : 0;
    }

    static List<Problem> sorted(List<Problem> problems) {
        List<Problem> out = new ArrayList<>(problems);
        out.sort(Comparator.comparing(Problem::source).thenComparingInt(Problem::line).thenComparingInt(Problem::column));
        return out;
    }

    /**
     * The steps that can be read: a step that is no mapping, or has no name, is left out (the schema said why);
     * a value of the wrong type is read as absent, and an unknown type as the one its node field suggests.
     */
    private static List<Step> steps(JsonNode array, String pointer) {
        List<Step> out = new ArrayList<>();
        if (array == null || !array.isArray()) {
            return out;
        }
        for (int i = 0; i < array.size(); i++) {
            Step step = step(array.get(i), pointer + "/" + i);
            if (step != null) {
                out.add(step);
            }
        }
        return out;
    }

    private static Step step(JsonNode s, String pointer) {
        if (!s.isObject() || !s.path("name").isString()) {
            return null;
        }
        StepType type = stepType(s);
        String node = null;
        for (String field : List.of("effect_node", "compute_node", "handler")) {
            if (s.path(field).isString() && (node == null || field.equals(type.nodeField()))) {
                node = s.get(field).asString();
            }
        }
        List<String> dependsOn = new ArrayList<>();
        s.path("depends_on").forEach(d -> {
            if (d.isString()) {
                dependsOn.add(d.asString());
            }
        });
        JsonNode input = s.get("input");
        JsonNode payload = s.get("payload");
        return new Step(
                s.get("name").asString(),
                type,
                pointer,
                s.path("description").asString(null),
                type == StepType.PARALLEL ? null : node,
                input != null && (input.isObject() || input.isString()) ? input : null,
                s.path("intent_type").isString() ? s.get("intent_type").asString() : null,
                payload != null && (payload.isObject() || payload.isString()) ? payload : null,
                s.path("output").isString() ? s.get("output").asString() : null,
                dependsOn,
                type == StepType.PARALLEL ? steps(s.get("steps"), pointer + "/steps") : List.of(),
                "continue".equals(s.path("on_error").asString("fail")),
                s.path("timeout_ms").isIntegralNumber() && s.get("timeout_ms").canConvertToLong()
                        ? s.get("timeout_ms").asLong() : null);
    }

    /** The step's type; for a type the schema refused, the one its node field (or nested steps) suggests. */
    private static StepType stepType(JsonNode s) {
        String written = s.path("type").asString("");
        for (StepType t : StepType.values()) {
            if (t.yamlName().equals(written)) {
                return t;
            }
        }
        if (s.has("steps")) {
            return StepType.PARALLEL;
        }
        if (s.has("compute_node")) {
            return StepType.COMPUTE;
        }
        if (s.has("handler")) {
            return s.has("intent_type") || s.has("payload") ? StepType.INTENT : StepType.VALIDATION;
        }
        return StepType.EFFECT;
    }

    private static RetryPolicy retryPolicy(JsonNode r) {
        if (r == null || !r.isObject()) {
            return RetryPolicy.NONE;
        }
        List<String> on = new ArrayList<>();
        r.path("retry_on_steps").forEach(n -> {
            if (n.isString()) {
                on.add(n.asString());
            }
        });
        JsonNode max = r.path("max_retries");
        String backoff = r.path("backoff_strategy").asString("exponential");
        long base = longOr(r.path("base_delay_ms"), RetryPolicy.DEFAULT_BASE_DELAY_MS);
        long maxDelay = longOr(r.path("max_delay_ms"), RetryPolicy.DEFAULT_MAX_DELAY_MS);
        return new RetryPolicy(
                max.isIntegralNumber() && max.canConvertToInt() ? Math.max(0, max.asInt()) : 0,
                on,
                List.of("fixed", "linear", "exponential").contains(backoff) ? RetryPolicy.Backoff.fromYaml(backoff)
                        : RetryPolicy.Backoff.fromYaml("exponential"),
                Math.max(0, base),
                Math.max(0, maxDelay));
    }

    private static long longOr(JsonNode n, long otherwise) {
        return n.isIntegralNumber() && n.canConvertToLong() ? n.asLong() : otherwise;
    }
}
