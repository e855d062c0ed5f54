package ai.omninode.onex.contract;

import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * Loads ONEX node contracts ({@code effect_contract.yaml} and friends) and validates them: first against the
 * meta-schema in {@code onex-contracts}, then the rules JSON Schema cannot say (kept word for word from
 * upstream omnibase_core), then the node's own input/output/config schemas, which must exist and be valid
 * JSON Schemas. Every problem found is reported, each with file, line and column.
 */
public final class ContractLoader {
    /** Classpath location of the contract meta-schema. */
    public static final String META_SCHEMA_RESOURCE = "ai/omninode/onex/contracts/schema/onex-node-contract.schema.json";

    static final String NO_IO_OPERATION = "Effect node must define at least one I/O operation";
    static final String BREAKER_ABOVE_ATTEMPTS = "Circuit breaker threshold cannot exceed max retry attempts";
    static final String MAX_DELAY_NOT_ABOVE_BASE = "max_delay_ms must be greater than base_delay_ms";

    /** The retry-policy values the rules assume when a contract leaves one out. */
    static final long DEFAULT_MAX_ATTEMPTS = 3;
    static final long DEFAULT_BASE_DELAY_MS = 100;
    static final long DEFAULT_MAX_DELAY_MS = 5000;

    private final YamlReader reader;

    public ContractLoader() {
        this(YamlReader.defaults().withMaxBytes(1024 * 1024));
    }

    public ContractLoader(YamlReader reader) {
        this.reader = Objects.requireNonNull(reader);
    }

    /** The compiled meta-schema every contract is checked against. */
    public static JsonSchema metaSchema() {
        return MetaHolder.META;
    }

    private static final class MetaHolder {
        static final JsonSchema META = loadMeta();

        private static JsonSchema loadMeta() {
            URL url = ContractLoader.class.getClassLoader().getResource(META_SCHEMA_RESOURCE);
            if (url == null) {
                throw new IllegalStateException(META_SCHEMA_RESOURCE + " is not on the classpath (onex-contracts missing?)");
            }
            return JsonSchema.load(url, META_SCHEMA_RESOURCE);
        }
    }

    public NodeContract load(Path file) {
        YamlDocument doc = reader.read(file);
        URL base;
        try {
            base = file.toAbsolutePath().toUri().toURL();
        } catch (MalformedURLException e) {
            throw new ValidationException(Problem.of(file.toString(), "cannot resolve path: " + e.getMessage()));
        }
        return build(doc, base);
    }

    public NodeContract load(URL url) {
        return build(reader.read(url, url.toString()), url);
    }

    /** Checks a contract that was already parsed; relative schema files resolve against {@code base}. */
    public NodeContract load(YamlDocument doc, URL base) {
        return build(doc, base);
    }

    /** Loads a contract from text; relative schema files resolve against {@code base}. */
    public NodeContract load(String source, String yaml, URL base) {
        return build(reader.readString(source, yaml), base);
    }

    private NodeContract build(YamlDocument doc, URL base) {
        JsonNode root = doc.root();
        if (!root.isObject()) {
            throw new ValidationException(doc.problemAt("", "a contract must be a YAML mapping, found "
                    + JsonSchema.typeName(root)).as(Rules.CONTRACT_INVALID_VALUE));
        }
        List<Problem> problems = new ArrayList<>();
        for (Violation v : metaSchema().validate(root)) {
            problems.add(JsonSchema.locate(doc, v, "contract"));
        }
        checkRules(doc, problems);
        JsonSchema input = null;
        JsonSchema output = null;
        JsonSchema config = null;
        // the schema files are checked too when the rest has problems, so that one run shows all of them
        if (problems.stream().noneMatch(p -> p.pointer().equals("/schemas") || p.pointer().startsWith("/schemas/"))
                && root.path("schemas").isObject()) {
            input = schema(doc, base, "input", problems);
            output = schema(doc, base, "output", problems);
            config = schema(doc, base, "config", problems);
        }
        if (!problems.isEmpty()) {
            throw new ValidationException(inSourceOrder(doc.source(), problems));
        }
        return new NodeContract(
                root.get("name").asString(),
                new NodeContract.ContractVersion(root.at("/version/major").asInt(), root.at("/version/minor").asInt(),
                        root.at("/version/patch").asInt()),
                root.get("description").asString(),
                root.get("node_type").asString(),
                root.get("input_model").asString(),
                root.get("output_model").asString(),
                ioOperations(root),
                tags(root),
                input, output, config,
                doc.source(),
                doc);
    }

    /**
     * The contract's own problems by line and column, as a compiler lists them (schema violations and rule checks
     * are found in separate passes); problems in the schema files it names follow, in the order found.
     */
    private static List<Problem> inSourceOrder(String contract, List<Problem> problems) {
        List<Problem> sorted = new ArrayList<>(problems);
        sorted.sort(Comparator
                .comparingInt((Problem p) -> p.source().equals(contract) ? 0 : 1)
                .thenComparingInt(p -> p.source().equals(contract) ? p.line() : 0)
                .thenComparingInt(p -> p.source().equals(contract) ? p.column() : 0));
        return sorted;
    }

    /** The upstream rules, with upstream's messages. */
    private static void checkRules(YamlDocument doc, List<Problem> problems) {
        JsonNode root = doc.root();
        if ("effect".equals(root.path("node_type").asString(""))) {
            JsonNode ops = root.get("io_operations");
            if (ops == null || (ops.isArray() && ops.isEmpty())) {
                problems.add((ops == null ? doc.problemAtKey("/node_type", NO_IO_OPERATION + " (io_operations is missing)")
                        : doc.problemAt("/io_operations", NO_IO_OPERATION + " (io_operations is empty)"))
                        .as(Rules.CONTRACT_IO_OPERATIONS));
            }
        }
        JsonNode retry = root.get("retry_policies");
        if (retry != null && retry.isObject()) {
            JsonNode threshold = retry.get("circuit_breaker_threshold");
            JsonNode attempts = retry.get("max_attempts");
            boolean breakerOn = retry.path("circuit_breaker_enabled").asBoolean(true);
            // a value of the wrong type is the meta-schema's to report; comparing against a default instead
            // would add a second, misleading problem
            if (breakerOn && isInteger(threshold) && (attempts == null || isInteger(attempts))) {
                long max = attempts != null ? attempts.asLong() : DEFAULT_MAX_ATTEMPTS;
                if (threshold.asLong() > max) {
                    problems.add(doc.problemAt("/retry_policies/circuit_breaker_threshold", BREAKER_ABOVE_ATTEMPTS
                            + " (circuit_breaker_threshold " + threshold.asLong() + " > max_attempts " + max
                            + (attempts == null ? ", the default" : "") + ")").as(Rules.CONTRACT_RETRY_POLICY));
                }
            }
            JsonNode base = retry.get("base_delay_ms");
            JsonNode maxDelay = retry.get("max_delay_ms");
            if ((base != null || maxDelay != null) && (base == null || isInteger(base))
                    && (maxDelay == null || isInteger(maxDelay))) {
                long b = base != null ? base.asLong() : DEFAULT_BASE_DELAY_MS;
                long m = maxDelay != null ? maxDelay.asLong() : DEFAULT_MAX_DELAY_MS;
                if (m <= b) {
                    problems.add(doc.problemAt(maxDelay != null ? "/retry_policies/max_delay_ms" : "/retry_policies/base_delay_ms",
                            MAX_DELAY_NOT_ABOVE_BASE + " (max_delay_ms " + m + (maxDelay == null ? ", the default" : "")
                                    + ", base_delay_ms " + b + (base == null ? ", the default" : "") + ")")
                            .as(Rules.CONTRACT_RETRY_POLICY));
                }
            }
        }
    }

    private static boolean isInteger(JsonNode node) {
        return node != null && node.isIntegralNumber() && node.canConvertToLong();
    }

    private static JsonSchema schema(YamlDocument doc, URL base, String which, List<Problem> problems) {
        JsonNode ref = doc.root().path("schemas").get(which);
        if (ref == null || ref.isNull()) {
            return null;
        }
        String pointer = "/schemas/" + which;
        URL url;
        try {
            url = new URL(base, ref.asString());
        } catch (MalformedURLException e) {
            problems.add(doc.problemAt(pointer, "cannot resolve schema file '" + ref.asString() + "': " + e.getMessage())
                    .as(Rules.CONTRACT_SCHEMA_FILE));
            return null;
        }
        try {
            return JsonSchema.load(url, displayName(doc.source(), ref.asString()));
        } catch (ValidationException e) {
            for (Problem p : e.problems()) {
                if (!p.hasPosition()) {
                    problems.add(doc.problemAt(pointer, which + " schema file '" + ref.asString() + "': " + p.message())
                            .as(Rules.CONTRACT_SCHEMA_FILE));
                } else {
                    problems.add(p.orAs(Rules.CONTRACT_SCHEMA_FILE));
                }
            }
            return null;
        }
    }

    /** A schema's name in messages: a sibling of the contract file, as a path if the contract was a path. */
    private static String displayName(String contractSource, String relative) {
        int slash = Math.max(contractSource.lastIndexOf('/'), contractSource.lastIndexOf('\\'));
        return slash < 0 ? relative : contractSource.substring(0, slash + 1) + relative;
    }

    private static List<NodeContract.IoOperation> ioOperations(JsonNode root) {
        List<NodeContract.IoOperation> ops = new ArrayList<>();
        for (JsonNode op : root.path("io_operations")) {
            ops.add(new NodeContract.IoOperation(
                    op.path("operation_type").asString(""),
                    op.path("description").asString(""),
                    op.path("atomic").asBoolean(true),
                    op.has("timeout_ms") ? op.get("timeout_ms").asInt() : null));
        }
        return ops;
    }

    private static List<String> tags(JsonNode root) {
        List<String> tags = new ArrayList<>();
        root.path("tags").forEach(t -> tags.add(t.asString("")));
        return tags;
    }
}
