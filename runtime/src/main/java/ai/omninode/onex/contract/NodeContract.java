package ai.omninode.onex.contract;

import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * A node's ONEX contract, loaded and validated by {@link ContractLoader}. The schemas are compiled and ready:
 * the runtime checks inputs against {@link #inputSchema()} before a node sees them, and {@code onex validate}
 * checks workflow step inputs against it statically.
 *
 * @param source where the contract was read from (file path or resource URL), for messages
 * @param document the parsed contract with its source positions
 */
public record NodeContract(
        String name,
        ContractVersion version,
        String description,
        String nodeType,
        String inputModel,
        String outputModel,
        List<IoOperation> ioOperations,
        List<String> tags,
        JsonSchema inputSchema,
        JsonSchema outputSchema,
        JsonSchema configSchema,
        String source,
        YamlDocument document) {

    public NodeContract {
        ioOperations = List.copyOf(ioOperations);
        tags = List.copyOf(tags);
    }

    public Optional<JsonSchema> input() {
        return Optional.ofNullable(inputSchema);
    }

    public Optional<JsonSchema> output() {
        return Optional.ofNullable(outputSchema);
    }

    public Optional<JsonSchema> config() {
        return Optional.ofNullable(configSchema);
    }

    public JsonNode raw() {
        return document.root();
    }

    /** {@code major.minor.patch} of a contract. */
    public record ContractVersion(int major, int minor, int patch) {
        @Override
        public String toString() {
            return major + "." + minor + "." + patch;
        }
    }

    /** One entry of {@code io_operations}. */
    public record IoOperation(String operationType, String description, boolean atomic, Integer timeoutMs) {
    }
}
