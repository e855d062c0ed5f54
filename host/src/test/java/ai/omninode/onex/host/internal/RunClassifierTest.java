package ai.omninode.onex.host.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.host.internal.RunClassifier.Outcome;
import ai.omninode.onex.workflow.StepResult;
import ai.omninode.onex.workflow.WorkflowResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class RunClassifierTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static StepResult step(String name, boolean handler, StepResult.Status status, JsonNode output, String error,
            boolean unknown) {
        return new StepResult(name, null, handler, status, "node", 1, Duration.ZERO, null, output, error, null, false,
                unknown);
    }

    private static WorkflowResult result(boolean ok, StepResult... steps) {
        return new WorkflowResult("flow", "1.0.0", "flow.yaml", ok, List.of(steps),
                ok ? null : new WorkflowResult.Failure(steps[0].name(), "bad", null), Duration.ZERO, Map.of(), "k",
                null, null);
    }

    @Test
    void aSucceededRunIsCommitted() {
        assertThat(RunClassifier.classify(result(true, step("a", false, StepResult.Status.SUCCEEDED, null, null, false)))
                .outcome()).isEqualTo(Outcome.SUCCEEDED);
    }

    @Test
    void aRunThatFailedForItsContentWithOnStepFailureDoneIsCommitted() {
        var v = RunClassifier.classify(result(false,
                step("store", false, StepResult.Status.FAILED, null, "collection 'x' does not exist", false),
                step("publish_error", true, StepResult.Status.SUCCEEDED, null, null, false)));
        assertThat(v.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(v.outcome().commit()).isTrue();
        assertThat(v.deadLetter()).as("on_step_failure put it on record").isNull();
        var refused = RunClassifier.classify(result(false, step("publish", false, StepResult.Status.FAILED,
                JSON.readTree("{\"error_type\":\"non_retriable\"}"), "RecordTooLargeException", false)));
        assertThat(refused.outcome()).as("Kafka refused it for good").isEqualTo(Outcome.FAILED);
    }

    @Test
    void aContentFailureThatNoOnStepFailureStepPutOnRecordIsDeadLettered() {
        var none = RunClassifier.classify(result(false,
                step("store", false, StepResult.Status.FAILED, null, "collection 'x' does not exist", false)));
        var handlerFailed = RunClassifier.classify(result(false,
                step("store", false, StepResult.Status.FAILED, null, "collection 'x' does not exist", false),
                step("note", true, StepResult.Status.SUCCEEDED, null, null, false),
                step("publish_error", true, StepResult.Status.FAILED, JSON.readTree("{\"error_type\":\"invalid_input\"}"),
                        "correlation_id is not a UUID", false)));
        var skipped = RunClassifier.classify(result(false,
                step("store", false, StepResult.Status.FAILED, null, "collection 'x' does not exist", false),
                step("publish_error", true, StepResult.Status.SKIPPED, null, null, false)));

        assertThat(none.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(none.deadLetter()).isEqualTo("step 'store' failed: bad; no on_step_failure step ran to put it on"
                + " record");
        assertThat(handlerFailed.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(handlerFailed.deadLetter()).isEqualTo("step 'store' failed: bad; on_step_failure step"
                + " 'publish_error' failed too: correlation_id is not a UUID");
        assertThat(skipped.deadLetter()).startsWith("step 'store' failed: bad; no on_step_failure step ran");
    }

    @Test
    void kafkaErrorTypesOfTheInfrastructureAreRetriedNotCommitted() {
        for (String type : RunClassifier.INFRASTRUCTURE_ERROR_TYPES) {
            var v = RunClassifier.classify(result(false, step("publish", false, StepResult.Status.FAILED,
                    JSON.readTree("{\"error_type\":\"" + type + "\"}"), "failed", false)));
            assertThat(v.outcome()).as(type).isEqualTo(Outcome.INFRASTRUCTURE);
            assertThat(v.outcome().commit()).isFalse();
            assertThat(v.reason()).contains("publish", type);
        }
    }

    @Test
    void anOnStepFailureStepThatCouldNotReachKafkaMeansOnStepFailureIsNotDone() {
        var v = RunClassifier.classify(result(false,
                step("store", false, StepResult.Status.FAILED, null, "collection missing", false),
                step("publish_error", true, StepResult.Status.FAILED, JSON.readTree("{\"error_type\":\"circuit_open\"}"),
                        "Circuit breaker is open", false)));
        assertThat(v.outcome()).isEqualTo(Outcome.INFRASTRUCTURE);
    }

    private static StepResult failed(String name, String error, StepResult.Cause cause) {
        return new StepResult(name, null, false, StepResult.Status.FAILED, "node", 1, Duration.ZERO, null, null, error,
                null, false, false, cause);
    }

    @Test
    void aClassThePluginCannotLoadOrLinkIsTheInstallationsFaultNotTheTriggers() {
        var v = RunClassifier.classify(result(false, failed("s", "NoClassDefFoundError: org/apache/kafka/Producer",
                StepResult.Cause.PLUGIN_CLASSES)));
        assertThat(v.outcome()).isEqualTo(Outcome.INFRASTRUCTURE);
        assertThat(v.reason()).isEqualTo("step 's' failed on a class its node's plugin could not load or link:"
                + " NoClassDefFoundError: org/apache/kafka/Producer");
        // a trigger's own data that merely names such a class, or quotes an initialization failure, is its content's
        for (String error : List.of("field 'NoClassDefFoundError: x' is not allowed",
                "unexpected error: java.lang.NoSuchMethodError: 'void a.B.c()'",
                "node 'kafka_event_effect' could not be initialized: down")) {
            assertThat(RunClassifier.classify(result(false, failed("s", error, StepResult.Cause.STEP))).outcome())
                    .as(error).isEqualTo(Outcome.FAILED);
        }
    }

    @Test
    void anUnknownOutcomeAndAnUninitializedNodeAreInfrastructure() {
        RunClassifier.Verdict unknown = RunClassifier.classify(result(false, step("s", false, StepResult.Status.FAILED,
                null, "outcome unknown: no answer", true)));
        assertThat(unknown.outcome()).isEqualTo(Outcome.INFRASTRUCTURE);
        assertThat(unknown.reason()).as("said once").isEqualTo("step 's' ended with its outcome unknown: no answer");
        var uninitialized = RunClassifier.classify(result(false, failed("s",
                "node 'kafka_event_effect' could not be initialized: down", StepResult.Cause.NODE_NOT_INITIALIZED)));
        assertThat(uninitialized.outcome()).isEqualTo(Outcome.INFRASTRUCTURE);
        assertThat(uninitialized.reason()).startsWith("step 's' found its node uninitialized: ");
        // a node that did not start stops the run before its steps: they are skipped, the run's failure says why,
        // with the node.init rule
        Problem init = new Problem("flow.yaml", 3, 5, "/steps/0/effect_node", "node 'blk_compute' could not be"
                + " initialized: StackOverflowError", null, null).as(Rules.NODE_INIT);
        WorkflowResult stopped = new WorkflowResult("flow", "1.0.0", "flow.yaml", false,
                List.of(step("act", false, StepResult.Status.SKIPPED, null, null, false)),
                new WorkflowResult.Failure("act", init.message(), init), Duration.ZERO, Map.of(), "k", null, null);
        assertThat(RunClassifier.classify(stopped).outcome()).isEqualTo(Outcome.INFRASTRUCTURE);
        WorkflowResult quoted = new WorkflowResult("flow", "1.0.0", "flow.yaml", false,
                List.of(step("act", false, StepResult.Status.SKIPPED, null, null, false)),
                new WorkflowResult.Failure("act", "input 'x' could not be initialized", null), Duration.ZERO, Map.of(),
                "k", null, null);
        assertThat(RunClassifier.classify(quoted).outcome()).isEqualTo(Outcome.FAILED);
    }
}
