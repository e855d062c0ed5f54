package ai.omninode.onex.validation.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.contract.YamlReader;
import ai.omninode.onex.workflow.WorkflowLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Which files found by searching are taken for ONEX workflows: CI pipelines with top-level steps are not. */
class RecognizerTest {
    private static final YamlReader YAML = YamlReader.defaults();

    private static JsonNode yaml(String text) {
        return YAML.readString("t.yaml", text).root();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // Azure Pipelines
        "trigger:\n  - main\npool:\n  vmImage: ubuntu-latest\nsteps:\n  - script: mvn -B verify\n    displayName: Build\n",
        // Google Cloud Build
        "steps:\n  - name: gcr.io/cloud-builders/docker\n    args: [build, -t, gcr.io/p/app, .]\nimages: [gcr.io/p/app]\n",
        // Drone (its type: docker is the pipeline's, at the top)
        "kind: pipeline\ntype: docker\nname: default\nsteps:\n  - name: test\n    image: maven:3\n    commands: [mvn verify]\n",
        // Woodpecker, Codefresh: steps as a mapping
        "steps:\n  build:\n    type: build\n    image_name: app\n",
        "version: '1.0'\nsteps:\n  - label: test\n    command: make test\n"})
    void aCiPipelineWithTopLevelStepsIsNoWorkflow(String text) {
        assertThat(Recognizer.isWorkflow(yaml(text))).isFalse();
        assertThat(Recognizer.looksLikeOnex(text)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "name: broken\nversion: {major: 1}\nsteps: []\n",
        "name: w\nversion: 1.0.0\nsteps:\n  - name: a\n    type: effect\n    efect_node: x\n",
        "name: w\nversion: 1.0.0\nsteps:\n  - name: a\n    node: foo\n",
        "name: w\nversion: \"v2.1.0\"\nsteps: []\n",
        "name: w\nsteps:\n  - name: a\n    effect_node: kafka_event_effect\n",
        "name: w\nsteps:\n  - name: g\n    type: parallel\n    steps: [{name: a, compute_node: c}]\n",
        "name: w\nsteps: [{name: a, type: intent, intent_type: x}]\n",
        "name: w\ninput_schema: {type: object}\nsteps: nope\n",
        "name: w\nevent_bus: {subscribe_topics: [t]}\nsteps: []\n",
        "name: w\nerror_handling: {on_step_failure: []}\nsteps: []\n"})
    void anOnexWorkflowEvenABrokenOneIsOne(String text) {
        assertThat(Recognizer.isWorkflow(yaml(text))).isTrue();
        assertThat(Recognizer.looksLikeOnex(text)).isTrue();
    }

    @Test
    void unparseableTextIsOnexWhenItHasStepsAndASignOfOnexOrAContractsKeys() {
        assertThat(Recognizer.looksLikeOnex("steps:\n  - name: a\n    type: effect\n  bad: [\n")).isTrue();
        assertThat(Recognizer.looksLikeOnex("name: x\nversion:\n  major: 1\nsteps: [\n")).isTrue();
        assertThat(Recognizer.looksLikeOnex("node_type: effect\nname: [\n")).isTrue();
        assertThat(Recognizer.looksLikeOnex("steps:\n  - script: make\n    bad: [\n")).isFalse();
        assertThat(Recognizer.looksLikeOnex("steps:\n  - run: echo type: effect and more\n  bad: [\n")).isFalse();
    }

    @Test
    void unparseableTextWrittenAsJsonIsOnexByTheSameKeysQuoted() {
        assertThat(Recognizer.looksLikeOnex("{\"name\": \"x\", \"node_type\": \"effect\", \"input_model\": ? x}")).isTrue();
        assertThat(Recognizer.looksLikeOnex("{\"name\": \"x\", \"version\": {\"major\": 1}, \"steps\": [\n")).isTrue();
        assertThat(Recognizer.looksLikeOnex("{\"steps\": [{\"type\": \"compute\", \"compute_node\": [}]}")).isTrue();
        assertThat(Recognizer.looksLikeOnex("{\"steps\": [{\"script\": \"make\"}], \"bad\": [\n")).isFalse();
        assertThat(Recognizer.looksLikeOnex("{\"services\": {\"db\": {\"image\": \"x\", \"bad\": [}}")).isFalse();
    }

    /**
     * Every workflow of this repository (examples, test fixtures, the Maven plugin's test projects, the node project
     * template) is recognized when a folder search finds it, broken ones included: their errors are what a user expects.
     */
    @Test
    void everyWorkflowInThisRepositoryIsRecognizedWhenFoundBySearching() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<String> missed = new ArrayList<>();
        int workflows = 0;
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(RecognizerTest::yamlOutsideBuildOutput).toList()) {
                byte[] bytes = Files.readAllBytes(f);
                JsonNode parsed;
                try {
                    parsed = YAML.read(f.toString(), bytes).root();
                } catch (ValidationException e) {
                    if (new String(bytes, StandardCharsets.UTF_8).contains("\nsteps:")
                            && !Recognizer.looksLikeOnex(Recognizer.text(bytes))) {
                        missed.add(root.relativize(f) + " (does not parse)");
                    }
                    continue;
                }
                if (WorkflowLoader.looksLikeWorkflow(parsed)) {
                    workflows++;
                    if (!Recognizer.isWorkflow(parsed)) {
                        missed.add(root.relativize(f).toString());
                    }
                }
            }
        }
        assertThat(workflows).as("workflows found").isGreaterThan(50);
        assertThat(missed).isEmpty();
    }

    private static boolean yamlOutsideBuildOutput(Path f) {
        String s = f.toString().replace('\\', '/');
        return (s.endsWith(".yaml") || s.endsWith(".yml")) && !s.contains("/target/") && !s.contains("/.git/")
                && !s.contains("/node_modules/") && Files.isRegularFile(f);
    }
}
