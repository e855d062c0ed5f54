package ai.omninode.onex.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.omninode.onex.contract.NodeContract;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.testnodes.TestNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A workflow's declared input ({@code input_schema}): checked before any step and before any node is initialized,
 * checked statically against the {@code ${input...}} paths, and planned ({@code --dry-run}); and nodes that refuse
 * their settings, reported with where each value came from.
 */
class DeclaredInputTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String DECLARED = """
            name: declared
            version: {major: 1, minor: 0, patch: 0}
            input_schema:
              type: object
              additionalProperties: false
              required: [id, meta]
              properties:
                id: {type: string}
                count: {type: integer}
                meta:
                  type: object
                  additionalProperties: false
                  properties:
                    lang: {type: string}
                    tags: {type: array, items: {type: string}}
            steps:
              - name: first
                type: compute
                compute_node: test_echo
                input:
                  id: ${input.id}
                  lang: ${input.meta.lang:en}
            """;

    private NodeRegistry registry;

    @BeforeEach
    void freshNodes() {
        TestNode.reset();
        registry = NodeRegistry.builder().classLoader(getClass().getClassLoader()).build();
    }

    @AfterEach
    void closeRegistry() {
        registry.close();
    }

    private Map<String, NodeContract> contracts() {
        Map<String, NodeContract> contracts = new LinkedHashMap<>();
        registry.nodes().forEach(n -> contracts.put(n.name(), n.contract()));
        return contracts;
    }

    @Test
    void everyProblemOfAnInputIsReportedWithItsJsonPointer() {
        Workflow workflow = new WorkflowLoader().load("declared.yaml", DECLARED);

        List<Problem> problems = workflow.checkInput(JSON.readTree("""
                {"count": "three", "meta": {"lang": 5, "tgas": []}}"""), "in.json");

        assertThat(problems).extracting(Problem::source).containsOnly("in.json");
        assertThat(problems).extracting(Problem::pointer)
                .containsExactlyInAnyOrder("/id", "/count", "/meta/lang", "/meta/tgas");
        assertThat(problems).extracting(Problem::message).anySatisfy(m -> assertThat(m)
                .isEqualTo("missing required field 'id' (input_schema of workflow declared)"))
                .anySatisfy(m -> assertThat(m).startsWith("'/count' must be an integer, found string \"three\""))
                .anySatisfy(m -> assertThat(m).contains("unknown field 'tgas'", "did you mean 'tags'"));
        assertThat(workflow.checkInput(JSON.readTree("{\"id\": \"a\", \"meta\": {}}"), "in.json")).isEmpty();
    }

    @Test
    void anInputSchemaThatIsNoJsonSchemaIsAnErrorAtItsLine() {
        assertThatThrownBy(() -> new WorkflowLoader().load("bad.yaml", """
                name: bad
                version: {major: 1, minor: 0, patch: 0}
                input_schema:
                  type: object
                  properties:
                    id: {type: strng}
                steps:
                  - {name: a, type: compute, compute_node: test_echo}
                """)).isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems())
                .singleElement().satisfies(p -> {
                    assertThat(p.line()).isEqualTo(6);
                    assertThat(p.pointer()).startsWith("/input_schema/properties/id/type");
                }));
    }

    @Test
    void aMisspeltKeywordOfTheInputSchemaIsAWarningAtItsKeyWhereverItIs() {
        String yaml = """
                name: typo
                version: {major: 1, minor: 0, patch: 0}
                input_schema:
                  type: object
                  requird: [id]
                  properties:
                    id: {type: string, maxLenght: 3}
                    tags: {type: array, items: {type: string, patern: "^a"}}
                    requird: {type: string}
                  default: {propertiez: 1}
                steps:
                  - {name: a, type: compute, compute_node: test_echo}
                """;
        WorkflowLoader.Checked checked = new WorkflowLoader().check(
                ai.omninode.onex.contract.YamlReader.defaults().readString("typo.yaml", yaml), yaml);

        assertThat(checked.problems()).extracting(p -> p.line() + ":" + p.column() + " " + p.rule() + " "
                + p.severity()).containsExactly(
                        "5:3 workflow.input-schema-keyword WARNING",
                        "7:24 workflow.input-schema-keyword WARNING",
                        "8:47 workflow.input-schema-keyword WARNING");
        assertThat(checked.problems().get(0).message()).isEqualTo("'requird' is no JSON Schema 2020-12 keyword (did"
                + " you mean 'required'?), so it checks nothing (the input_schema is read as draft 2020-12)");
        assertThat(checked.workflow()).as("a warning: the workflow loads").isNotNull();
    }

    @Test
    void anInputPathTheSchemaCannotHaveIsAStaticErrorAtItsColumn() {
        Workflow workflow = new WorkflowLoader().load("paths.yaml", DECLARED.replace(
                "      lang: ${input.meta.lang:en}",
                "      lang: ${input.meta.lnag}\n"
                + "      tags: ${input.meta.tags[0]}\n"
                + "      size: ${input.count.length}\n"
                + "      text: \"id ${input.id.first}\"\n"
                + "      free: ${input.meta.nope:default}"));

        List<Problem> problems = InputSchemaCheck.check(workflow);

        assertThat(problems).extracting(Problem::toString).containsExactly(
                "paths.yaml:22:13: error: step 'first': missing path in ${input.meta.lnag}: 'input.meta' has no member"
                        + " 'lnag' (did you mean 'lang'?); it has: lang, tags (the workflow's input_schema)",
                "paths.yaml:24:13: error: step 'first': missing path in ${input.count.length}: 'input.count' is number"
                        + " or integer, so it has no member 'length' (the workflow's input_schema)",
                "paths.yaml:25:17: error: step 'first': missing path in ${input.id.first}: 'input.id' is string, so it"
                        + " has no member 'first' (the workflow's input_schema)");
        assertThat(InputSchemaCheck.check(new WorkflowLoader().load("free.yaml", """
                name: free
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - {name: a, type: compute, compute_node: test_echo, input: {x: "${input.anything.at.all}"}}
                """))).as("no input_schema: nothing to check").isEmpty();
    }

    @Test
    void runRefusesAnInputOutsideItsSchemaAndPrepareDoesSoBeforeAnyNodeIsInitialized() {
        Workflow workflow = new WorkflowLoader().load("declared.yaml", DECLARED);
        try (WorkflowRunner runner = WorkflowRunner.builder().registry(registry).build()) {
            List<Problem> problems = runner.prepare(workflow, JSON.readTree("{\"meta\": {}}"));

            assertThat(problems).extracting(Problem::message)
                    .containsExactly("missing required field 'id' (input_schema of workflow declared)");
            assertThat(TestNode.INITIALIZED).as("no node initialized for an input refused as it is").isEmpty();
            assertThatThrownBy(() -> runner.run(workflow, JSON.readTree("{\"id\": 1, \"meta\": {}}")))
                    .isInstanceOf(ValidationException.class).hasMessageContaining("'/id' must be a string");
            assertThat(TestNode.calls("test_echo")).isEmpty();
        }
    }

    @Test
    void aNodeThatRefusesItsSettingsIsReportedWithWhereTheValueCameFrom() {
        Workflow workflow = new WorkflowLoader().load("settings.yaml", """
                name: settings
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - {name: call, type: effect, effect_node: test_settings}
                """);
        try (WorkflowRunner fromSet = WorkflowRunner.builder().registry(registry)
                .settingsFrom("the environment", Map.of("TEST_ENDPOINT", "down", "OTHER", "x"))
                .settingsFrom("--set", Map.of("TEST_ENDPOINT", "gone")).build();
                WorkflowRunner unset = WorkflowRunner.builder().registry(registry)
                        .settingsFrom("the environment", Map.of("OTHER", "x")).build()) {
            assertThat(fromSet.prepare(workflow, JSON.readTree("{}"))).singleElement().satisfies(p -> {
                assertThat(p.line()).isEqualTo(4);
                assertThat(p.rule()).isEqualTo("node.init");
                assertThat(p.message()).isEqualTo("node 'test_settings' could not be initialized: nothing answers at"
                        + " gone; set TEST_ENDPOINT [TEST_ENDPOINT is set by --set]");
            });
            assertThat(unset.prepare(workflow, JSON.readTree("{}"))).extracting(Problem::message).containsExactly(
                    "node 'test_settings' could not be initialized: nothing answers at the default endpoint; set"
                            + " TEST_ENDPOINT");
        }
    }

    @Test
    void aPlanResolvesWhatTheInputDecidesAndLeavesTheRest() {
        Workflow workflow = new WorkflowLoader().load("plan.yaml", """
                name: plan
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: first
                    type: compute
                    compute_node: test_echo
                    input: {id: "${input.id}", secret: "${env.TOKEN}"}
                    output: first_result
                  - name: both
                    type: parallel
                    steps:
                      - {name: left, type: compute, compute_node: test_echo, input: {from: "${first_result.echo.id}"}}
                      - {name: right, type: effect, effect_node: test_flaky, input: {key: "${input.id}", failures: "${input.n}"}}
                error_handling:
                  on_step_failure:
                    - {name: report, type: compute, compute_node: test_echo, input: {why: "${error.message}"}}
                """);

        WorkflowPlan plan = WorkflowPlan.of(workflow, JSON.readTree("{\"id\": \"d1\", \"n\": \"two\"}"), contracts(),
                Map.of("TOKEN", "s3cret"));

        assertThat(plan.steps()).extracting(WorkflowPlan.PlannedStep::position)
                .containsExactly("1", "2", "2.1", "2.2", "F1");
        JsonNode first = plan.steps().get(0).input();
        assertThat(first.get("id").asString()).isEqualTo("d1");
        assertThat(first.get("secret").asString()).as("settings are shown as written").isEqualTo("${env.TOKEN}");
        assertThat(plan.steps().get(2).input().get("from").asString()).isEqualTo("${first_result.echo.id}");
        assertThat(plan.steps().get(2).waitsFor()).containsExactly("first");
        assertThat(plan.steps().get(2).group()).isEqualTo("both");
        assertThat(plan.steps().get(4).onFailure()).isTrue();
        assertThat(plan.problems()).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(13);
            assertThat(p.message()).contains("step 'right'", "'/failures' must be an integer, found string \"two\"");
        });
        assertThat(TestNode.INITIALIZED).as("planning initializes nothing").isEmpty();
    }
}
