package ai.omninode.onex.contract;

import static ai.omninode.onex.testing.JarBuilder.jar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContractLoaderTest {
    static final Path KAFKA_CONTRACT = Path.of("../contracts/nodes/kafka_event_effect/effect_contract.yaml");
    static final Path GOOD = Path.of("src/test/resources/contracts/good");

    private final ContractLoader loader = new ContractLoader();

    @Test
    void kafkaContractLoadsCleanWithItsNameVersionAndOperations() {
        NodeContract contract = loader.load(KAFKA_CONTRACT);

        assertThat(contract.name()).isEqualTo("kafka_event_effect");
        assertThat(contract.version()).isEqualTo(new NodeContract.ContractVersion(1, 0, 0));
        assertThat(contract.version()).hasToString("1.0.0");
        assertThat(contract.nodeType()).isEqualTo("effect");
        assertThat(contract.inputModel()).isEqualTo("ModelKafkaEventInput");
        assertThat(contract.outputModel()).isEqualTo("ModelKafkaEventOutput");
        assertThat(contract.description()).startsWith("Publishes events to Kafka or Redpanda topics");
        assertThat(contract.ioOperations())
                .extracting(NodeContract.IoOperation::operationType, NodeContract.IoOperation::atomic,
                        NodeContract.IoOperation::timeoutMs)
                .containsExactly(
                        org.assertj.core.api.Assertions.tuple("kafka_produce", true, 30000),
                        org.assertj.core.api.Assertions.tuple("kafka_produce_dead_letter", true, 30000));
        assertThat(contract.tags()).containsExactly("effect", "kafka", "events", "messaging");
        assertThat(contract.source()).isEqualTo(KAFKA_CONTRACT.toString());
        assertThat(contract.raw().at("/metadata/java_class").asString()).isEqualTo("ai.omninode.onex.kafka.NodeKafkaEventEffect");
    }

    @Test
    void kafkaContractCompilesItsInputOutputAndConfigSchemas() {
        NodeContract contract = loader.load(KAFKA_CONTRACT);

        assertThat(contract.input()).isPresent();
        assertThat(contract.output()).isPresent();
        assertThat(contract.config()).isPresent();
        assertThat(contract.inputSchema().source()).endsWith("kafka_event_effect/kafka_event_input.schema.json");
        assertThat(contract.inputSchema().validateValue(Map.of(
                "topic", "documents", "event_type", "DOCUMENT_INGESTED", "payload", Map.of("id", 7)))).isEmpty();
        assertThat(contract.inputSchema().validateValue(Map.of("event_type", "X", "payload", Map.of())))
                .extracting(Violation::message)
                .containsExactly("missing required field 'topic'");
    }

    @Test
    void kafkaContractShippedInOnexContractsLoadsFromTheClasspath() {
        URL url = getClass().getClassLoader()
                .getResource("ai/omninode/onex/contracts/nodes/kafka_event_effect/effect_contract.yaml");

        NodeContract contract = loader.load(url);

        assertThat(contract.name()).isEqualTo("kafka_event_effect");
        assertThat(contract.source()).isEqualTo(url.toString());
        assertThat(contract.config()).isPresent();
    }

    @Test
    void computeContractWithoutIoOperationsLoads() {
        NodeContract contract = loader.load(GOOD.resolve("compute_contract.yaml"));

        assertThat(contract.name()).isEqualTo("word_count");
        assertThat(contract.nodeType()).isEqualTo("compute");
        assertThat(contract.version()).hasToString("0.3.12");
        assertThat(contract.ioOperations()).isEmpty();
        assertThat(contract.input()).isEmpty();
        assertThat(contract.tags()).containsExactly("text", "compute");
    }

    @Test
    void schemasResolveRelativeToTheContractFileIncludingSubFolders() {
        NodeContract contract = loader.load(GOOD.resolve("sample_effect/effect_contract.yaml"));

        assertThat(contract.inputSchema().validateValue(Map.of("record", "r1"))).isEmpty();
        assertThat(contract.outputSchema().validateValue(Map.of("written", "yes")))
                .extracting(Violation::message)
                .containsExactly("'/written' must be a boolean (true or false), found string \"yes\"");
        assertThat(contract.ioOperations()).singleElement()
                .isEqualTo(new NodeContract.IoOperation("write", "", false, 2500));
    }

    @Test
    void contractInsideAJarResolvesItsSchemasInsideTheSameJar(@TempDir Path dir) throws Exception {
        Path jarFile = jar().addTree(GOOD.resolve("sample_effect"), "nodes/sample/").writeTo(dir.resolve("node.jar"));
        URL url = new URL("jar:" + jarFile.toUri() + "!/nodes/sample/effect_contract.yaml");

        NodeContract contract = loader.load(url);

        assertThat(contract.name()).isEqualTo("sample_effect");
        assertThat(contract.source()).isEqualTo(url.toString());
        assertThat(contract.inputSchema().source()).isEqualTo("jar:" + jarFile.toUri() + "!/nodes/sample/sample_input.schema.json");
        assertThat(contract.outputSchema().source()).endsWith("!/nodes/sample/schemas/sample_output.schema.json");
        assertThat(contract.inputSchema().validateValue(Map.of())).extracting(Violation::message)
                .containsExactly("missing required field 'record'");
    }

    @Test
    void brokenSchemaInsideAJarIsReportedAtItsOwnLineInTheJar(@TempDir Path dir) throws Exception {
        Path jarFile = jar()
                .addTree(GOOD.resolve("sample_effect"), "nodes/sample/")
                .add("nodes/sample/sample_input.schema.json", "{\n  \"type\": \"object\",\n  \"required\": \"record\"\n}\n")
                .writeTo(dir.resolve("node.jar"));
        URL url = new URL("jar:" + jarFile.toUri() + "!/nodes/sample/effect_contract.yaml");

        assertThatThrownBy(() -> loader.load(url))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems())
                        .singleElement()
                        .satisfies(p -> {
                            assertThat(p.source()).isEqualTo("jar:" + jarFile.toUri() + "!/nodes/sample/sample_input.schema.json");
                            assertThat(p.line()).isEqualTo(3);
                            assertThat(p.column()).isEqualTo(15);
                            assertThat(p.message()).isEqualTo("'/required' must be a list, found string \"record\"");
                        }));
    }

    @Test
    void missingSchemaInsideAJarIsReportedAtTheContractLineThatNamesIt(@TempDir Path dir) throws Exception {
        Path jarFile = jar()
                .add("nodes/sample/effect_contract.yaml",
                        BadContractsTest.validHeader() + "schemas:\n  config: sample_config.schema.json\n")
                .writeTo(dir.resolve("node.jar"));
        URL url = new URL("jar:" + jarFile.toUri() + "!/nodes/sample/effect_contract.yaml");

        assertThatThrownBy(() -> loader.load(url))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems())
                        .singleElement()
                        .satisfies(p -> {
                            assertThat(p.source()).isEqualTo(url.toString());
                            assertThat(p).extracting(Problem::line, Problem::column, Problem::pointer)
                                    .containsExactly(13, 11, "/schemas/config");
                            assertThat(p.message()).isEqualTo("config schema file 'sample_config.schema.json': file not found");
                        }));
    }

    @Test
    void contractFromTextResolvesSchemasAgainstTheGivenBase() throws Exception {
        URL base = GOOD.resolve("sample_effect/").toAbsolutePath().toUri().toURL();
        String yaml = BadContractsTest.validHeader() + "schemas:\n  input: sample_input.schema.json\n";

        NodeContract contract = loader.load("inline contract", yaml, base);

        assertThat(contract.source()).isEqualTo("inline contract");
        assertThat(contract.inputSchema().validateValue(Map.of("record", ""))).extracting(Violation::keyword)
                .containsExactly("minLength");
    }

    @Test
    void everyLoadedContractSatisfiesTheMetaSchema() {
        NodeContract contract = loader.load(KAFKA_CONTRACT);

        assertThat(ContractLoader.metaSchema().validate(contract.raw())).isEmpty();
        assertThat(ContractLoader.metaSchema().validateValue(Map.of("name", "x"))).extracting(Violation::keyword)
                .containsOnly("required");
    }

    @Test
    void aSmallerSizeLimitCanBeConfigured() {
        ContractLoader strict = new ContractLoader(YamlReader.defaults().withMaxBytes(100));

        assertThatThrownBy(() -> strict.load(KAFKA_CONTRACT))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems().get(0).message())
                        .endsWith("larger than the limit of 100 bytes"));
    }

    @Test
    void fileUrisAndPathsGiveTheSameContract() throws Exception {
        URL url = URI.create(KAFKA_CONTRACT.toAbsolutePath().normalize().toUri().toString()).toURL();

        assertThat(loader.load(url).raw()).isEqualTo(loader.load(KAFKA_CONTRACT).raw());
        assertThat(List.of(loader.load(url).source())).containsExactly(url.toString());
    }

    private ValidationException rejected(String retryPolicies) {
        String yaml = BadContractsTest.validHeader() + "retry_policies:\n" + retryPolicies;
        return org.assertj.core.api.Assertions.catchThrowableOfType(ValidationException.class,
                () -> loader.load("retry.yaml", yaml, null));
    }

    @Test
    void breakerThresholdAboveTheDefaultMaxAttemptsSaysTheLimitIsTheDefault() {
        assertThat(rejected("  circuit_breaker_threshold: 4\n").problems()).singleElement()
                .satisfies(p -> {
                    assertThat(p.message()).isEqualTo("Circuit breaker threshold cannot exceed max retry attempts "
                            + "(circuit_breaker_threshold 4 > max_attempts 3, the default)");
                    assertThat(p).extracting(Problem::line, Problem::column).containsExactly(13, 30);
                });
    }

    @Test
    void breakerRuleDoesNotApplyWhenTheBreakerIsOff() {
        String yaml = BadContractsTest.validHeader()
                + "retry_policies:\n  circuit_breaker_enabled: false\n  circuit_breaker_threshold: 9\n";

        assertThat(loader.load("retry.yaml", yaml, null).name()).isEqualTo("generated_effect");
    }

    @Test
    void baseDelayAboveTheDefaultMaxDelaySaysWhichValueIsTheDefault() {
        assertThat(rejected("  base_delay_ms: 6000\n").problems()).singleElement()
                .satisfies(p -> {
                    assertThat(p.message()).isEqualTo("max_delay_ms must be greater than base_delay_ms "
                            + "(max_delay_ms 5000, the default, base_delay_ms 6000)");
                    assertThat(p.pointer()).isEqualTo("/retry_policies/base_delay_ms");
                });
    }

    @Test
    void retryValuesOfTheWrongTypeAreReportedOnceNotComparedWithDefaults() {
        assertThat(rejected("  max_attempts: \"9\"\n  circuit_breaker_threshold: 5\n  max_delay_ms: \"50\"\n").problems())
                .extracting(Problem::line, Problem::message)
                .containsExactly(
                        org.assertj.core.api.Assertions.tuple(13, "'/retry_policies/max_attempts' must be an integer, found string \"9\""),
                        org.assertj.core.api.Assertions.tuple(15, "'/retry_policies/max_delay_ms' must be an integer, found string \"50\""));
    }

    @Test
    void hugeRetryNumbersAreComparedWithoutOverflow() {
        assertThat(rejected("  max_attempts: 3\n  circuit_breaker_threshold: 4294967297\n").problems()).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("(circuit_breaker_threshold 4294967297 > max_attempts 3)"));
    }
}
