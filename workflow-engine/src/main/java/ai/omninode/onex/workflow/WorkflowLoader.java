package ai.omninode.onex.workflow;

import ai.omninode.onex.contract.JsonSchema;
import ai.omninode.onex.contract.NodeContract.ContractVersion;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.contract.Violation;
import ai.omninode.onex.contract.YamlDocument;
import ai.omninode.onex.contract.YamlReader;
import ai.omninode.onex.workflow.internal.BoundedRead;
import ai.omninode.onex.workflow.internal.SourceText;
import ai.omninode.onex.workflow.internal.StepIndex;
import ai.omninode.onex.workflow.internal.WorkflowChecks;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * Reads a workflow file and checks everything that needs no node: YAML, the workflow schema
 * ({@value #SCHEMA_RESOURCE}), then the rules a schema cannot say: unique step and output names, the node field
 * that matches each step type, {@code depends_on} references (unknown, later, cycles), {@code retry_on_steps},
 * and every {@code ${...}}: its syntax, and whether its root can exist where it is used. All problems are
 * reported together, each with file, line and column. Checks against node contracts are {@link WorkflowValidator}'s.
 */
public final class WorkflowLoader {
    /** Classpath location of the workflow schema (from onex-contracts). */
    public static final String SCHEMA_RESOURCE = "ai/omninode/onex/contracts/schema/onex-workflow.schema.json";

    private final YamlReader reader;

    public WorkflowLoader() {
        this(YamlReader.defaults().withMaxBytes(4L * 1024 * 1024));
    }

    public WorkflowLoader(YamlReader reader) {
        this.reader = Objects.requireNonNull(reader);
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
                    + " bytes, larger than the limit of " + reader.maxBytes() + " bytes"));
        }
        return build(doc, text);
    }

    private Workflow build(YamlDocument doc, String text) {
        JsonNode root = doc.root();
        if (!root.isObject()) {
            throw new ValidationException(doc.problemAt("", "a workflow must be a YAML mapping, found "
                    + ExpressionResolver.describe(root)));
        }
        List<Problem> problems = new ArrayList<>();
        for (Violation v : schema().validate(root)) {
            problems.add(JsonSchema.locate(doc, v));
        }
        if (!problems.isEmpty()) {
            throw new ValidationException(sorted(problems));
        }
        List<Step> steps = steps(root.get("steps"), "/steps");
        JsonNode errorHandling = root.path("error_handling");
        List<Step> onFailure = errorHandling.has("on_step_failure")
                ? steps(errorHandling.get("on_step_failure"), "/error_handling/on_step_failure") : List.of();
        RetryPolicy retry = retryPolicy(errorHandling.get("retry_policy"));
        Workflow workflow = new Workflow(
                root.get("name").asString(),
                new ContractVersion(root.at("/version/major").asInt(), root.at("/version/minor").asInt(),
                        root.at("/version/patch").asInt()),
                root.path("description").asString(""),
                steps, onFailure, retry, doc.source(), doc, text);
        new WorkflowChecks(workflow, new StepIndex(steps, onFailure), new SourceText(doc, text), problems).run();
        if (!problems.isEmpty()) {
            throw new ValidationException(sorted(problems));
        }
        return workflow;
    }

    static List<Problem> sorted(List<Problem> problems) {
        List<Problem> out = new ArrayList<>(problems);
        out.sort(Comparator.comparing(Problem::source).thenComparingInt(Problem::line).thenComparingInt(Problem::column));
        return out;
    }

    private static List<Step> steps(JsonNode array, String pointer) {
        List<Step> out = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            out.add(step(array.get(i), pointer + "/" + i));
        }
        return out;
    }

    private static Step step(JsonNode s, String pointer) {
        StepType type = StepType.fromYaml(s.get("type").asString());
        String node = null;
        for (String field : List.of("effect_node", "compute_node", "handler")) {
            if (s.has(field) && (node == null || field.equals(type.nodeField()))) {
                node = s.get(field).asString();
            }
        }
        List<String> dependsOn = new ArrayList<>();
        s.path("depends_on").forEach(d -> dependsOn.add(d.asString()));
        return new Step(
                s.get("name").asString(),
                type,
                pointer,
                s.path("description").asString(null),
                type == StepType.PARALLEL ? null : node,
                s.get("input"),
                s.path("intent_type").asString(null),
                s.get("payload"),
                s.path("output").asString(null),
                dependsOn,
                s.has("steps") ? steps(s.get("steps"), pointer + "/steps") : List.of(),
                "continue".equals(s.path("on_error").asString("fail")),
                s.has("timeout_ms") ? s.get("timeout_ms").asLong() : null);
    }

    private static RetryPolicy retryPolicy(JsonNode r) {
        if (r == null || r.isNull()) {
            return RetryPolicy.NONE;
        }
        List<String> on = new ArrayList<>();
        r.path("retry_on_steps").forEach(n -> on.add(n.asString()));
        return new RetryPolicy(
                r.get("max_retries").asInt(),
                on,
                RetryPolicy.Backoff.fromYaml(r.path("backoff_strategy").asString("exponential")),
                r.path("base_delay_ms").asLong(RetryPolicy.DEFAULT_BASE_DELAY_MS),
                r.path("max_delay_ms").asLong(RetryPolicy.DEFAULT_MAX_DELAY_MS));
    }
}
