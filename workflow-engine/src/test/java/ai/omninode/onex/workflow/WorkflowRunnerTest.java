package ai.omninode.onex.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.internal.StepExecutor;
import ai.omninode.onex.workflow.testnodes.FlakyEffect;
import ai.omninode.onex.workflow.testnodes.HangEffect;
import ai.omninode.onex.workflow.testnodes.HookCompute;
import ai.omninode.onex.workflow.testnodes.TestNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

/** The executor, with the test nodes of {@code testnodes} (found on the classpath). */
class WorkflowRunnerTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private NodeRegistry registry;
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final List<Duration> retryDelays = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void freshNodes() {
        TestNode.reset();
        registry = NodeRegistry.builder().classLoader(getClass().getClassLoader()).build();
    }

    @AfterEach
    void closeRegistry() {
        registry.close();
    }

    private WorkflowResult run(String yaml, String inputJson) {
        return run(yaml, inputJson, Map.of());
    }

    private WorkflowResult run(String yaml, String inputJson, Map<String, String> settings) {
        Workflow workflow = new WorkflowLoader().load("test.yaml", yaml);
        try (WorkflowRunner runner = WorkflowRunner.builder().registry(registry).settings(settings)
                .listener(new WorkflowListener() {
                    @Override
                    public void stepStarted(Step step) {
                        events.add("start " + step.name());
                    }

                    @Override
                    public void stepRetrying(Step step, int failedAttempt, Duration delay, String error) {
                        events.add("retry " + step.name() + " " + failedAttempt);
                        retryDelays.add(delay);
                    }

                    @Override
                    public void stepFinished(StepResult result) {
                        events.add(result.status().name().toLowerCase() + " " + result.name());
                    }

                    @Override
                    public void handlingFailure(WorkflowResult.Failure failure) {
                        events.add("handling failure of " + failure.step());
                    }
                }).build()) {
            return runner.run(workflow, JSON.readTree(inputJson));
        }
    }

    private static Map<String, Object> onlyCall(String node) {
        assertThat(TestNode.calls(node)).hasSize(1);
        return TestNode.calls(node).get(0);
    }

    @Test
    void stepsRunInOrderAndEachResultIsStoredUnderItsOutputNameAndItsStepName() {
        WorkflowResult result = run("""
                name: chain
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: first
                    type: compute
                    compute_node: test_echo
                    input: {x: "${input.x}"}
                    output: first_result
                  - name: second
                    type: compute
                    compute_node: test_echo
                    input:
                      by_output: "${first_result.echo.x}"
                      by_name: "${first.echo.x}"
                """, "{\"x\": 41}");

        assertThat(result.succeeded()).isTrue();
        assertThat(events).containsExactly("start first", "succeeded first", "start second", "succeeded second");
        assertThat(TestNode.calls("test_echo").get(1)).isEqualTo(Map.of("by_output", 41, "by_name", 41));
    }

    @Test
    void stepsOfAParallelGroupRunAtTheSameTime() {
        // each barrier step completes only when both have arrived: run one after the other, they would time out
        WorkflowResult result = run("""
                name: parallel
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: both
                    type: parallel
                    steps:
                      - name: left
                        type: compute
                        compute_node: test_barrier
                        input: {barrier: b1, parties: 2, party: left}
                      - name: right
                        type: compute
                        compute_node: test_barrier
                        input: {barrier: b1, parties: 2, party: right}
                  - name: after
                    type: compute
                    compute_node: test_echo
                    input: {left: "${left.party}", right: "${right.party}"}
                """, "{}");

        assertThat(result.succeeded()).as(String.valueOf(result.failure())).isTrue();
        assertThat(onlyCall("test_echo")).isEqualTo(Map.of("left", "left", "right", "right"));
        assertThat(events.indexOf("succeeded both")).isLessThan(events.indexOf("start after"));
    }

    @Test
    void aParallelStepWaitsForTheSiblingsItDependsOn() {
        WorkflowResult result = run("""
                name: deps
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: group
                    type: parallel
                    steps:
                      - name: second
                        type: compute
                        compute_node: test_echo
                        input: {from_first: "${first.echo.value}"}
                        depends_on: [first]
                      - name: first
                        type: compute
                        compute_node: test_echo
                        input: {value: one}
                """, "{}");

        assertThat(result.succeeded()).isTrue();
        assertThat(events.indexOf("succeeded first")).isLessThan(events.indexOf("start second"));
        assertThat(TestNode.calls("test_echo").get(1)).isEqualTo(Map.of("from_first", "one"));
    }

    @Test
    void aRetriedStepWaitsLongerEachTimeAndSucceedsOnTheThirdAttempt() {
        WorkflowResult result = run("""
                name: retry
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: flaky
                    type: effect
                    effect_node: test_flaky
                    input: {key: k1, failures: 2}
                error_handling:
                  retry_policy:
                    max_retries: 3
                    retry_on_steps: [flaky]
                    backoff_strategy: exponential
                    base_delay_ms: 40
                """, "{}");

        assertThat(result.succeeded()).isTrue();
        assertThat(result.step("flaky").orElseThrow().attempts()).isEqualTo(3);
        assertThat(result.step("flaky").orElseThrow().output().get("attempts").asInt()).isEqualTo(3);
        assertThat(retryDelays).containsExactly(Duration.ofMillis(40), Duration.ofMillis(80));
        List<Long> times = FlakyEffect.TIMES.get("k1");
        assertThat(times).hasSize(3);
        assertThat(Duration.ofNanos(times.get(1) - times.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(40));
        assertThat(Duration.ofNanos(times.get(2) - times.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(80));
    }

    @Test
    void stoppingRetriesEndsABackoffWaitAtOnceAndTheStepFailsWithItsAttemptsErrorNotAsAnUnknownOutcome()
            throws Exception {
        Workflow workflow = new WorkflowLoader().load("test.yaml", """
                name: stop_retries
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: flaky
                    type: effect
                    effect_node: test_flaky
                    input: {key: k-stop, failures: 5}
                error_handling:
                  retry_policy: {max_retries: 3, retry_on_steps: [flaky], base_delay_ms: 600000}
                """);
        java.util.concurrent.CompletableFuture<Void> waiting = new java.util.concurrent.CompletableFuture<>();
        try (WorkflowRunner runner = WorkflowRunner.builder().registry(registry).listener(new WorkflowListener() {
            @Override
            public void stepRetrying(Step step, int failedAttempt, Duration delay, String error) {
                waiting.complete(null);
            }
        }).build()) {
            java.util.concurrent.CompletableFuture<WorkflowResult> run = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> runner.run(workflow, JSON.readTree("{}")));
            waiting.get(30, java.util.concurrent.TimeUnit.SECONDS);

            runner.stopRetries();

            // the backoff is ten minutes: the run ends only because the wait did
            WorkflowResult result = run.get(60, java.util.concurrent.TimeUnit.SECONDS);
            StepResult step = result.step("flaky").orElseThrow();
            assertThat(step.status()).isEqualTo(StepResult.Status.FAILED);
            assertThat(step.attempts()).isEqualTo(1);
            assertThat(step.outcomeUnknown()).as("its attempt had failed; nothing was under way").isFalse();
            assertThat(step.error()).isEqualTo("attempt 1 of k-stop failed (not retried: interrupted while waiting to"
                    + " retry)");
            assertThat(TestNode.calls("test_flaky")).hasSize(1);
        }
    }

    @Test
    void aFailureTheNodeReportsAsNotRetriableIsNotRetriedEvenWhenThePolicyNamesTheStep() {
        WorkflowResult result = run("""
                name: not_retriable
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: flaky
                    type: effect
                    effect_node: test_flaky
                    input: {key: k-nr, failures: 1, mode: throw_not_retriable}
                error_handling:
                  retry_policy: {max_retries: 3, retry_on_steps: [flaky], base_delay_ms: 1}
                """, "{}");

        assertThat(result.succeeded()).isFalse();
        assertThat(TestNode.calls("test_flaky")).hasSize(1);
        assertThat(retryDelays).isEmpty();
        assertThat(result.step("flaky").orElseThrow().output()).as("what the node said with its failure")
                .isEqualTo(JSON.readTree("{\"error_type\": \"non_retriable\", \"attempt\": 1, \"topic\": \"t\","
                        + " \"partition\": 0, \"offset\": 7}"));
        assertThat(result.published()).as("a failed step published nothing, whatever its output says").isEmpty();
        assertThat(result.failure().message()).startsWith("attempt 1 of k-nr failed for good")
                .contains("not retried");
    }

    @Test
    void aStepNotNamedInRetryOnStepsFailsAtTheFirstError() {
        WorkflowResult result = run("""
                name: no_retry
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: other
                    type: compute
                    compute_node: test_echo
                  - name: flaky
                    type: effect
                    effect_node: test_flaky
                    input: {key: k2, failures: 1}
                error_handling:
                  retry_policy: {max_retries: 3, retry_on_steps: [other], base_delay_ms: 1}
                """, "{}");

        assertThat(result.succeeded()).isFalse();
        assertThat(TestNode.calls("test_flaky")).hasSize(1);
        assertThat(retryDelays).isEmpty();
    }

    @Test
    void whenRetriesRunOutTheRestIsSkippedAndOnStepFailureGetsErrorStepAndMessage() {
        WorkflowResult result = run("""
                name: failing
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: flaky
                    type: effect
                    effect_node: test_flaky
                    input: {key: k3, failures: 9}
                  - name: never
                    type: compute
                    compute_node: test_echo
                error_handling:
                  on_step_failure:
                    - name: publish_error_event
                      type: effect
                      effect_node: test_publish
                      input:
                        topic: failed.v1
                        event_type: FAILED
                        payload:
                          failed_step: ${error.step}
                          error_message: ${error.message}
                          document_id: ${input.id}
                  retry_policy: {max_retries: 2, base_delay_ms: 1, backoff_strategy: fixed}
                """, "{\"id\": \"doc-9\"}");

        assertThat(result.succeeded()).isFalse();
        assertThat(result.failure().step()).isEqualTo("flaky");
        assertThat(result.failure().message()).isEqualTo("attempt 3 of k3 failed");
        assertThat(result.step("never").orElseThrow().status()).isEqualTo(StepResult.Status.SKIPPED);
        assertThat(TestNode.calls("test_echo")).isEmpty();
        assertThat(onlyCall("test_publish").get("payload")).isEqualTo(Map.of(
                "failed_step", "flaky", "error_message", "attempt 3 of k3 failed", "document_id", "doc-9"));
        assertThat(result.step("publish_error_event").orElseThrow().handler()).isTrue();
        assertThat(result.published()).singleElement()
                .satisfies(p -> assertThat(p.topic()).isEqualTo("test.failed.v1"));
        assertThat(events).containsSubsequence("failed flaky", "handling failure of flaky", "start publish_error_event");
    }

    @Test
    void aWorkflowWithoutOnStepFailureFailsWithoutAnnouncingFailureHandling() {
        WorkflowResult result = run("""
                name: no_handlers
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: flaky
                    type: effect
                    effect_node: test_flaky
                    input: {key: k4, failures: 9}
                """, "{}");

        assertThat(result.succeeded()).isFalse();
        assertThat(result.failure().step()).isEqualTo("flaky");
        assertThat(events).contains("failed flaky").noneMatch(e -> e.startsWith("handling failure"));
    }

    @Test
    void anOutputWithSuccessFalseIsAFailureWithTheNodesError() {
        WorkflowResult result = run("""
                name: success_false
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: refuse
                    type: effect
                    effect_node: test_flaky
                    input: {key: k4, failures: 1, mode: success_false}
                """, "{}");

        assertThat(result.succeeded()).isFalse();
        assertThat(result.failure().message()).isEqualTo("refused attempt 1 of k4");
        assertThat(result.step("refuse").orElseThrow().output().get("success").asBoolean()).isFalse();
    }

    @Test
    void anEffectOutputWithSuccessFalseIsRetriedOnlyWhenItSaysRetriableTrue() {
        String workflow = """
                name: success_false_retry
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: refuse
                    type: effect
                    effect_node: test_flaky
                    input: {key: "${input.key}", failures: 1, mode: "${input.mode}"}
                error_handling:
                  retry_policy: {max_retries: 3, retry_on_steps: [refuse], base_delay_ms: 1}
                """;

        WorkflowResult unsaid = run(workflow, "{\"key\": \"k-sf-1\", \"mode\": \"success_false\"}");
        WorkflowResult safe = run(workflow, "{\"key\": \"k-sf-2\", \"mode\": \"success_false_retriable\"}");

        assertThat(unsaid.succeeded()).isFalse();
        assertThat(unsaid.step("refuse").orElseThrow().attempts()).isEqualTo(1);
        assertThat(unsaid.failure().message()).startsWith("refused attempt 1 of k-sf-1 (not retried: effect node")
                .contains("failed without saying whether a retry is safe");
        assertThat(safe.succeeded()).isTrue();
        assertThat(safe.step("refuse").orElseThrow().attempts()).isEqualTo(2);
    }

    @Test
    void aResolvedInputIsCheckedAgainstTheNodeContractBeforeTheNodeSeesIt() {
        WorkflowResult result = run("""
                name: bad_input
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: typed
                    type: effect
                    effect_node: test_flaky
                    input:
                      key: k5
                      failures: ${input.failures}
                """, "{\"failures\": \"two\"}");

        assertThat(result.succeeded()).isFalse();
        assertThat(TestNode.calls("test_flaky")).isEmpty();
        StepResult step = result.step("typed").orElseThrow();
        assertThat(step.attempts()).isZero();
        assertThat(step.error()).contains("input does not match the input schema of node 'test_flaky'")
                .contains("'/failures' must be an integer, found string \"two\"");
        assertThat(step.problem()).extracting(p -> p.line(), p -> p.column()).containsExactly(9, 17);
    }

    @Test
    void aSuccessThatIsNeitherTrueNorFalseFailsTheStepRatherThanPassForSuccess() {
        String flow = """
                name: success_kinds
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - {name: act, type: compute, compute_node: test_hook}
                """;
        java.util.HashMap<String, Object> nullSuccess = new java.util.HashMap<>();
        nullSuccess.put("success", null);
        for (Map<String, Object> output : List.of(Map.<String, Object>of("success", "false"), Map.<String, Object>of(
                "success", 0), nullSuccess, Map.<String, Object>of("success", "x".repeat(100)))) {
            HookCompute.OUTPUT.set(output);
            WorkflowResult result = run(flow, "{}");
            assertThat(result.succeeded()).as(output.toString()).isFalse();
            assertThat(result.failure().message()).startsWith("node 'test_hook' returned success: ")
                    .endsWith(", which is neither true nor false").hasSizeLessThan(130);
        }
        HookCompute.OUTPUT.set(Map.of("success", true));
        assertThat(run(flow, "{}").succeeded()).isTrue();
    }

    @Test
    void anOutputThatBreaksTheNodesOutputSchemaFailsTheStep() {
        WorkflowResult result = run("""
                name: bad_output
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: liar
                    type: compute
                    compute_node: test_bad_output
                """, "{}");

        assertThat(result.succeeded()).isFalse();
        assertThat(result.failure().message())
                .contains("node 'test_bad_output' returned output that does not match its output schema")
                .contains("'/count' must be an integer");
    }

    @Test
    void aMissingPathAtRunTimeFailsTheStepAndNamesFileLineStepExpressionAndRoots() {
        WorkflowResult result = run("""
                name: missing
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: first
                    type: compute
                    compute_node: test_echo
                    output: first_result
                  - name: second
                    type: compute
                    compute_node: test_echo
                    input:
                      language: "lang=${input.metadata.language}"
                """, "{\"metadata\": {\"title\": \"t\"}}");

        assertThat(result.succeeded()).isFalse();
        assertThat(result.failure().problem()).hasToString("test.yaml:12:23: error: step 'second': cannot resolve"
                + " ${input.metadata.language}: 'input.metadata' has no member 'language' (it has: title);"
                + " roots here: input, env.NAME, first, first_result");
        assertThat(result.failure().message()).startsWith("step 'second': cannot resolve ${input.metadata.language}");
        assertThat(TestNode.calls("test_echo")).hasSize(1);
    }

    @Test
    void onErrorContinueRecordsTheFailureAndTheWorkflowGoesOn() {
        WorkflowResult result = run("""
                name: tolerant
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: optional
                    type: effect
                    effect_node: test_flaky
                    input: {key: k6, failures: 1}
                    on_error: continue
                  - name: after
                    type: compute
                    compute_node: test_echo
                    input: {attempts: "${optional.attempts:none}"}
                """, "{}");

        assertThat(result.succeeded()).isTrue();
        assertThat(result.step("optional").orElseThrow().continued()).isTrue();
        assertThat(onlyCall("test_echo")).isEqualTo(Map.of("attempts", "none"));
    }

    @Test
    void aNodeThatDoesNotAnswerWithinTimeoutMsFailsTheStep() {
        WorkflowResult result = run("""
                name: slow
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: hang
                    type: compute
                    compute_node: test_hang
                    timeout_ms: 50
                """, "{}");

        assertThat(result.succeeded()).isFalse();
        assertThat(result.failure().message()).isEqualTo("node 'test_hang' did not answer within 50 ms");
    }

    @Test
    void anEffectNodeThatDoesNotAnswerByItsDeadlineIsOutcomeUnknownAndNotRetried() {
        WorkflowResult result = run("""
                name: slow_effect
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: hang
                    type: effect
                    effect_node: test_hang_effect
                    timeout_ms: 50
                error_handling:
                  retry_policy: {max_retries: 3, retry_on_steps: [hang], base_delay_ms: 1}
                """, "{}");

        StepResult hang = result.step("hang").orElseThrow();
        assertThat(hang.outcomeUnknown()).isTrue();
        assertThat(result.outcomeUnknown()).isTrue();
        assertThat(hang.attempts()).as("the retry policy names it, but its effect may have happened").isEqualTo(1);
        assertThat(hang.error()).isEqualTo("outcome unknown: node 'test_hang_effect' did not answer within 50 ms (nor"
                + " 1000 ms later); not retried: its effect may have happened");
        assertThat(TestNode.contexts("test_hang_effect")).singleElement()
                .satisfies(c -> assertThat(c.hasDeadline()).isTrue());
    }

    @Test
    void anEffectStepWithTheLargestTimeoutMsIsWaitedForNotTimedOutAtOnce() {
        // the schema allows timeout_ms up to Long.MAX_VALUE; the grace on top of it must not wrap to a negative delay
        assertThat(StepExecutor.answerWaitMs(Long.MAX_VALUE, false)).isEqualTo(Long.MAX_VALUE);
        assertThat(StepExecutor.answerWaitMs(Long.MAX_VALUE - 1, false)).isEqualTo(Long.MAX_VALUE);
        assertThat(StepExecutor.answerWaitMs(50, false)).isEqualTo(50 + WorkflowRunner.ANSWER_GRACE_MS);
        assertThat(StepExecutor.answerWaitMs(Long.MAX_VALUE, true)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void anEffectNodeThatFailsWithoutSayingWhetherARetryIsSafeIsNotRetried() {
        WorkflowResult result = run("""
                name: broken_effect
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: flaky
                    type: effect
                    effect_node: test_flaky
                    input: {key: broke1, failures: 5, mode: throw_runtime}
                error_handling:
                  retry_policy: {max_retries: 3, retry_on_steps: [flaky], base_delay_ms: 1}
                """, "{}");

        StepResult flaky = result.step("flaky").orElseThrow();
        assertThat(flaky.attempts()).as("an effect that may have happened is not repeated on a guess").isEqualTo(1);
        assertThat(flaky.error()).contains("IllegalStateException: attempt 1 of broke1 broke")
                .contains("not retried: effect node 'test_flaky' failed without saying whether a retry is safe");
    }

    @Test
    void aComputeNodeThatTimesOutIsRetriedAsItHasNoSideEffect() {
        WorkflowResult result = run("""
                name: slow_compute
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: hang
                    type: compute
                    compute_node: test_hang
                    timeout_ms: 20
                error_handling:
                  retry_policy: {max_retries: 2, retry_on_steps: [hang], base_delay_ms: 1}
                """, "{}");

        StepResult hang = result.step("hang").orElseThrow();
        assertThat(hang.attempts()).isEqualTo(3);
        assertThat(hang.outcomeUnknown()).isFalse();
        assertThat(hang.error()).isEqualTo("node 'test_hang' did not answer within 20 ms");
    }

    @Test
    void everyAttemptOfAStepGetsOneIdempotencyKeyTheRunsCorrelationIdAndItsDeadline() {
        Workflow workflow = new WorkflowLoader().load("test.yaml", """
                name: keyed
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: flaky
                    type: effect
                    effect_node: test_flaky
                    timeout_ms: 60000
                    input: {key: k1, failures: 2}
                  - name: echo
                    type: compute
                    compute_node: test_echo
                    input: {x: 1}
                error_handling:
                  retry_policy: {max_retries: 3, retry_on_steps: [flaky], base_delay_ms: 1}
                """);
        String correlation = "0f6b3b8e-9a52-4d2c-8a55-0c1d2e3f4a5b";
        WorkflowResult result;
        try (WorkflowRunner runner = WorkflowRunner.builder().registry(registry).build()) {
            result = runner.run(workflow, JSON.readTree("{\"correlation_id\": \"" + correlation + "\"}"),
                    RunOptions.withKey("run-7"));
        }

        assertThat(result.succeeded()).isTrue();
        assertThat(result.runKey()).isEqualTo("run-7");
        assertThat(result.correlationId()).hasToString(correlation);
        List<ai.omninode.onex.node.ExecutionContext> flaky = TestNode.contexts("test_flaky");
        assertThat(flaky).hasSize(3);
        assertThat(flaky).extracting(c -> c.idempotencyKey().orElseThrow()).containsOnly("run-7/flaky");
        assertThat(flaky).extracting(ai.omninode.onex.node.ExecutionContext::attempt).containsExactly(1, 2, 3);
        assertThat(flaky).allSatisfy(c -> {
            assertThat(c.correlationId()).hasValueSatisfying(id -> assertThat(id).hasToString(correlation));
            assertThat(c.hasDeadline()).isTrue();
            assertThat(c.traceContext().orElseThrow().traceId()).isEqualTo(result.traceId());
        });
        ai.omninode.onex.node.ExecutionContext echo = TestNode.contexts("test_echo").get(0);
        assertThat(echo.idempotencyKey()).contains("run-7/echo");
        assertThat(echo.hasDeadline()).isFalse();
        assertThat(echo.traceContext().orElseThrow().traceId()).isEqualTo(result.traceId());
        assertThat(echo.traceContext().orElseThrow().spanId()).as("a span per step")
                .isNotEqualTo(flaky.get(0).traceContext().orElseThrow().spanId());
        assertThat(flaky.get(0).traceContext()).as("one span for every attempt of a step").isEqualTo(flaky.get(2).traceContext());
    }

    @Test
    void aRegistryGivenToTheRunnerCountsRunsStepsAndRetriesByWorkflowAndOutcome() {
        Workflow workflow = new WorkflowLoader().load("test.yaml", """
                name: metered
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: flaky
                    type: effect
                    effect_node: test_flaky
                    input: {key: "${input.key}", failures: 2}
                  - name: echo
                    type: compute
                    compute_node: test_echo
                    input: {x: 1}
                error_handling:
                  retry_policy: {max_retries: 1, retry_on_steps: [flaky], base_delay_ms: 1}
                """);
        io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        try (WorkflowRunner runner = WorkflowRunner.builder().registry(registry).meterRegistry(meters).build()) {
            assertThat(runner.run(workflow, JSON.readTree("{\"key\": \"m1\"}")).succeeded()).isFalse(); // 2 attempts
            WorkflowResult second = runner.run(workflow, JSON.readTree("{\"key\": \"m1\"}"));
            assertThat(second.succeeded()).as(String.valueOf(second.failure())).isTrue();  // the 3rd
        }

        assertThat(meters.get("onex.workflow.runs").tags("workflow", "metered", "outcome", "failed").timer().count())
                .isEqualTo(1);
        assertThat(meters.get("onex.workflow.runs").tags("workflow", "metered", "outcome", "succeeded").timer().count())
                .isEqualTo(1);
        assertThat(meters.get("onex.workflow.steps").tags("step", "flaky", "node", "test_flaky", "outcome", "failed")
                .timer().count()).isEqualTo(1);
        assertThat(meters.get("onex.workflow.steps").tags("step", "flaky", "outcome", "succeeded").timer().count())
                .isEqualTo(1);
        assertThat(meters.get("onex.workflow.steps").tags("step", "echo", "node", "test_echo").timer().count())
                .as("skipped after the failure, run after the success").isEqualTo(1);
        assertThat(meters.get("onex.workflow.step.retries").tags("step", "flaky").counter().count()).isEqualTo(1);
        assertThat(meters.get("onex.workflow.runs.active").gauge().value()).isZero();
    }

    @Test
    void aRunContinuesTheTraceItIsGivenAndEachRunWithoutAKeyIsANewOne() {
        Workflow workflow = new WorkflowLoader().load("test.yaml", """
                name: traced
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - {name: echo, type: compute, compute_node: test_echo, input: {x: 1}}
                """);
        ai.omninode.onex.node.TraceContext trigger = ai.omninode.onex.node.TraceContext
                .parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").orElseThrow();
        try (WorkflowRunner runner = WorkflowRunner.builder().registry(registry).build()) {
            WorkflowResult traced = runner.run(workflow, JSON.readTree("{}"), RunOptions.fresh().traceContext(trigger));
            WorkflowResult a = runner.run(workflow, JSON.readTree("{}"));
            WorkflowResult b = runner.run(workflow, JSON.readTree("{}"));

            assertThat(traced.traceId()).isEqualTo(trigger.traceId());
            assertThat(a.runKey()).isNotEqualTo(b.runKey());
            assertThat(a.traceId()).isNotEqualTo(b.traceId()).isNotEqualTo(trigger.traceId());
            assertThat(a.correlationId()).isNotEqualTo(b.correlationId());
        }
        assertThat(TestNode.contexts("test_echo")).extracting(c -> c.idempotencyKey().orElseThrow())
                .doesNotHaveDuplicates();
    }

    @Test
    void whenTheWorkflowRunsOutOfTimeTheRunningStepFailsAndOnStepFailureStillRuns() {
        long t0 = System.nanoTime();
        WorkflowResult result = run("""
                name: out_of_time
                version: {major: 1, minor: 0, patch: 0}
                performance: {timeout_seconds: 1}
                steps:
                  - name: hang
                    type: compute
                    compute_node: test_hang
                  - name: never
                    type: compute
                    compute_node: test_echo
                error_handling:
                  on_step_failure:
                    - name: report
                      type: effect
                      effect_node: test_publish
                      input: {topic: failed.v1, event_type: FAILED, payload: {why: "${error.message}"}}
                  retry_policy: {max_retries: 3, retry_on_steps: [hang], base_delay_ms: 1}
                """, "{}");

        assertThat(result.succeeded()).isFalse();
        assertThat(result.failure().step()).isEqualTo("hang");
        assertThat(result.failure().message()).isEqualTo("the workflow ran out of time (performance.timeout_seconds: 1)"
                + " while step 'hang' ran node 'test_hang'");
        assertThat(result.step("hang").orElseThrow().attempts()).as("no retry after the deadline").isEqualTo(1);
        assertThat(result.step("never").orElseThrow().status()).isEqualTo(StepResult.Status.SKIPPED);
        assertThat(onlyCall("test_publish").get("payload")).isEqualTo(Map.of("why", result.failure().message()));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("bounded by the deadline, not the hang")
                .isLessThan(Duration.ofSeconds(30));
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> void sneakyThrow(Throwable e) throws E {
        throw (E) e; // what Lombok's @SneakyThrows and Kotlin compile to: a checked exception nobody declared
    }

    /**
     * A node that throws a checked exception it never declared, straight out of execute: the runner caught only
     * RuntimeException and Error, so the exception ended the step's thread and the step waited for an answer that
     * never came: for ever without a timeout_ms.
     */
    @Test
    void aCheckedExceptionThrownOutOfExecuteFailsTheStepAtOnce() throws Exception {
        HookCompute.HOOK.set(() -> sneakyThrow(new java.io.IOException("disk gone")));
        WorkflowResult result;
        try {
            result = java.util.concurrent.CompletableFuture.supplyAsync(() -> run("""
                    name: sneaky
                    version: {major: 1, minor: 0, patch: 0}
                    steps:
                      - name: read
                        type: compute
                        compute_node: test_hook
                    """, "{}")).get(2, java.util.concurrent.TimeUnit.MINUTES); // a guard against the hang
        } finally {
            HookCompute.HOOK.set(() -> { });
        }

        assertThat(result.succeeded()).isFalse();
        assertThat(result.failure().message()).isEqualTo("IOException: disk gone");
    }

    /** A workflow of 60 s whose one effect step keeps failing, retriably, with the backoff given. */
    private WorkflowResult underALongBackoff(String key, String baseMs, String maxMs) {
        return run("""
                name: long_backoff
                version: {major: 1, minor: 0, patch: 0}
                performance: {timeout_seconds: 60}
                steps:
                  - name: flaky
                    type: effect
                    effect_node: test_flaky
                    input: {key: %s, failures: 5, mode: success_false_retriable}
                error_handling:
                  retry_policy: {max_retries: 3, base_delay_ms: %s, max_delay_ms: %s}
                """.formatted(key, baseMs, maxMs), "{}");
    }

    /** A backoff that would end past the workflow's time: the step fails at once, not after waiting it out. */
    @Test
    void aRetryWhoseBackoffEndsAfterTheWorkflowsTimeIsNotWaitedFor() {
        WorkflowResult result = underALongBackoff("long-backoff", "3600000", "7200000");
        WorkflowResult longest = underALongBackoff("longest-backoff", "9223372036854775806", "9223372036854775807");

        assertThat(result.succeeded()).isFalse();
        assertThat(result.failure().message()).startsWith("the workflow would run out of time"
                + " (performance.timeout_seconds: 60) before retry 1 of step 'flaky' (its backoff is 3600000 ms), so it"
                + " was not retried: ");
        assertThat(result.step("flaky").orElseThrow().attempts()).isEqualTo(1);
        assertThat(longest.failure().message()).as("no overflow").startsWith("the workflow would run out of time");
    }

    /**
     * A node that blocks in execute (a blocking JDBC or HTTP call, a node author's most common mistake) holds the
     * thread that called it; the run must not wait for it: past the step's time limit the step fails, the node's call
     * is interrupted, and on_step_failure runs, whatever the node does with its thread.
     */
    @Test
    void aComputeNodeBlockingInExecutePastItsTimeLimitIsInterruptedAndTheRunGoesOn() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        HookCompute.HOOK.set(() -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                interrupted.set(true);
                Thread.currentThread().interrupt();
            }
        });

        WorkflowResult result = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> run("""
                name: blocking_compute
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - {name: block, type: compute, compute_node: test_hook, timeout_ms: 100}
                  - {name: never, type: compute, compute_node: test_echo}
                error_handling:
                  on_step_failure:
                    - name: report
                      type: effect
                      effect_node: test_publish
                      input: {topic: failed.v1, event_type: FAILED, payload: {why: "${error.message}"}}
                """, "{}"));

        assertThat(result.failure().message()).isEqualTo("node 'test_hook' did not answer within 100 ms");
        assertThat(result.step("never").orElseThrow().status()).isEqualTo(StepResult.Status.SKIPPED);
        assertThat(onlyCall("test_publish").get("payload")).isEqualTo(Map.of("why", result.failure().message()));
        assertThat(interrupted).as("the blocked call was interrupted").isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"loop", "error"})
    void aNodeWhoseInitializeThrowsAnExceptionWithLoopingCausesOrAnErrorFailsItsStep(String how) {
        WorkflowResult result = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> run("""
                name: broken
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - {name: start, type: effect, effect_node: test_broken_init}
                """, "{}", Map.of("TEST_BROKEN_INIT_OK", how)));

        assertThat(result.succeeded()).isFalse();
        assertThat(result.failure().message()).startsWith("node 'test_broken_init' could not be initialized: ")
                .contains(how.equals("loop") ? "IllegalStateException: b" : "StackOverflowError: deep inside initialize");
    }

    @Test
    void aNodeThatDidNotStartStopsTheRunWithAFailureThatSaysSoByItsRuleNotItsText() {
        WorkflowResult result = run("""
                name: broken
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - {name: start, type: effect, effect_node: test_broken_init}
                """, "{}", Map.of("TEST_BROKEN_INIT_OK", "no"));

        assertThat(result.failure().problem().rule()).isEqualTo("node.init");
        assertThat(result.step("start").orElseThrow().status()).isEqualTo(StepResult.Status.SKIPPED);
    }

    @Test
    void aStepsCauseIsReadFromTheFailuresClassesNeverFromItsText() {
        String flow = """
                name: causes
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - {name: act, type: compute, compute_node: test_hook}
                """;
        Map<String, Runnable> throwers = new java.util.LinkedHashMap<>();
        throwers.put("PLUGIN_CLASSES", () -> {
            throw new NoClassDefFoundError("org/example/Missing");
        });
        throwers.put("PLUGIN_CLASSES ", () -> { // a linkage error among the causes of the node's own failure
            throw new ai.omninode.onex.node.NodeExecutionException("could not start the client", Map.of(), false,
                    new ExceptionInInitializerError(new IllegalStateException("static block")));
        });
        throwers.put("STEP", () -> { // the data quoted in a message names both: still the step's own failure
            throw new IllegalArgumentException("field 'NoClassDefFoundError: x' of node 'y' could not be initialized");
        });
        for (Map.Entry<String, Runnable> t : throwers.entrySet()) {
            HookCompute.HOOK.set(t.getValue());
            StepResult act = run(flow, "{}").step("act").orElseThrow();
            assertThat(act.status()).isEqualTo(StepResult.Status.FAILED);
            assertThat(act.cause()).as(act.error()).isEqualTo(StepResult.Cause.valueOf(t.getKey().trim()));
        }
        HookCompute.HOOK.set(() -> { });
        assertThat(run(flow, "{}").step("act").orElseThrow().cause()).isEqualTo(StepResult.Cause.STEP);
    }

    @Test
    void aBlockingNodeInAParallelGroupHoldsNeitherTheGroupNorTheRun() throws Exception {
        HookCompute.HOOK.set(() -> {
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        WorkflowResult result = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> run("""
                name: blocking_group
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: both
                    type: parallel
                    steps:
                      - {name: fine, type: compute, compute_node: test_echo, input: {x: 1}}
                      - {name: block, type: compute, compute_node: test_hook, timeout_ms: 100}
                  - {name: after, type: compute, compute_node: test_echo, input: {x: 2}}
                """, "{}"));

        assertThat(result.step("fine").orElseThrow().status()).isEqualTo(StepResult.Status.SUCCEEDED);
        assertThat(result.step("block").orElseThrow().error()).isEqualTo("node 'test_hook' did not answer within 100 ms");
        assertThat(result.step("both").orElseThrow().error()).isEqualTo("failed: block");
        assertThat(result.step("after").orElseThrow().status()).isEqualTo(StepResult.Status.SKIPPED);
    }

    /** A careless node: blocks until {@code release}, counting the interrupts it gets and blocking on after each. */
    private static Runnable blockIgnoringInterrupts(CountDownLatch release, AtomicInteger interrupts) {
        return () -> {
            while (true) {
                try {
                    release.await();
                    return;
                } catch (InterruptedException e) {
                    interrupts.incrementAndGet();
                }
            }
        };
    }

    @Test
    void aNodeInAParallelGroupThatIgnoresTheInterruptHoldsNeitherTheGroupNorTheRun() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HangEffect.IN_EXECUTE.set(blockIgnoringInterrupts(release, new AtomicInteger()));
        HookCompute.HOOK.set(release::countDown); // on_step_failure lets it go: the run went on without it
        try {
            WorkflowResult result = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> run("""
                    name: blocking_group
                    version: {major: 1, minor: 0, patch: 0}
                    steps:
                      - name: both
                        type: parallel
                        steps:
                          - {name: fine, type: compute, compute_node: test_echo, input: {x: 1}}
                          - {name: block, type: effect, effect_node: test_hang_effect, timeout_ms: 50}
                          - {name: later, type: compute, compute_node: test_echo, input: {x: 2}, depends_on: [block]}
                    error_handling:
                      on_step_failure:
                        - {name: report, type: compute, compute_node: test_hook}
                    """, "{}"));

            assertThat(result.step("block").orElseThrow().outcomeUnknown()).isTrue();
            assertThat(result.step("later").orElseThrow().status()).isEqualTo(StepResult.Status.SKIPPED);
            assertThat(result.step("report").orElseThrow().status()).isEqualTo(StepResult.Status.SUCCEEDED);
        } finally {
            release.countDown();
        }
    }

    @Test
    void anEffectNodeThatIgnoresTheInterruptStillLetsTheRunEndAsOutcomeUnknown() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger interrupts = new AtomicInteger();
        HangEffect.IN_EXECUTE.set(blockIgnoringInterrupts(release, interrupts));
        // on_step_failure lets the node go: proof that the run went on while the node still held its thread
        HookCompute.HOOK.set(release::countDown);
        try {
            WorkflowResult result = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> run("""
                    name: blocking_effect
                    version: {major: 1, minor: 0, patch: 0}
                    steps:
                      - {name: block, type: effect, effect_node: test_hang_effect, timeout_ms: 50}
                    error_handling:
                      on_step_failure:
                        - {name: report, type: compute, compute_node: test_hook}
                    """, "{}"));

            assertThat(result.step("block").orElseThrow().outcomeUnknown()).isTrue();
            assertThat(result.failure().message()).startsWith("outcome unknown: node 'test_hang_effect' did not answer"
                    + " within 50 ms");
            assertThat(result.step("report").orElseThrow().status()).isEqualTo(StepResult.Status.SUCCEEDED);
            assertThat(interrupts).hasValue(1);
        } finally {
            release.countDown();
        }
    }

    @Test
    void callsGivenUpOnAtTheirTimeLimitAreCountedByNodeUntilTheNodeAnswersAndDoNotHoldUpClosing() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HookCompute.HOOK.set(blockIgnoringInterrupts(release, new AtomicInteger()));
        HangEffect.IN_EXECUTE.set(blockIgnoringInterrupts(release, new AtomicInteger()));
        Workflow workflow = new WorkflowLoader().load("test.yaml", """
                name: stuck
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: both
                    type: parallel
                    steps:
                      - {name: compute, type: compute, compute_node: test_hook, timeout_ms: 50}
                      - {name: effect, type: effect, effect_node: test_hang_effect, timeout_ms: 50}
                """);
        io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        java.util.function.ToDoubleFunction<String> unanswered = node -> meters.get("onex.workflow.steps.unanswered")
                .tag("node", node).gauge().value();
        try {
            WorkflowRunner runner = WorkflowRunner.builder().registry(registry).meterRegistry(meters).build();
            WorkflowResult result = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> runner.run(workflow, JSON.readTree("{}")));
            assertThat(result.step("effect").orElseThrow().outcomeUnknown()).isTrue();
            assertThat(unanswered.applyAsDouble("test_hook")).isEqualTo(1);
            assertThat(unanswered.applyAsDouble("test_hang_effect")).isEqualTo(1);

            long t0 = System.nanoTime();
            runner.close();
            // not the 5 s that closing gives steps under way: both threads are held by calls given up on
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
        } finally {
            release.countDown();
        }

        // the compute node answers once let go; the effect node returns from execute but never completes its stage
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(unanswered.applyAsDouble("test_hook")).isZero());
        assertThat(unanswered.applyAsDouble("test_hang_effect")).isEqualTo(1);
    }

    @Test
    void aTimeoutTooLongToCountInNanosecondsIsNoLimitRatherThanACrash() {
        WorkflowResult result = run("""
                name: patient
                version: {major: 1, minor: 0, patch: 0}
                performance: {timeout_seconds: 9223372036854775807}
                steps:
                  - {name: a, type: compute, compute_node: test_echo, input: {x: 1}}
                  - {name: b, type: compute, compute_node: test_echo, input: {x: "${a.echo.x}"}}
                """, "{}");

        assertThat(result.succeeded()).as(String.valueOf(result.failure())).isTrue();
        assertThat(TestNode.calls("test_echo").get(1)).isEqualTo(Map.of("x", 1));
    }

    @Test
    void eachNodeIsInitializedOnceWithTheSettingsAndClosedWhenTheRunnerCloses() {
        WorkflowResult result = run("""
                name: lifecycle
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - {name: a, type: compute, compute_node: test_echo, input: {prefix: "${env.TOPIC_PREFIX}"}}
                  - {name: b, type: compute, compute_node: test_echo}
                """, "{}", Map.of("TOPIC_PREFIX", "unit"));

        assertThat(result.succeeded()).isTrue();
        assertThat(TestNode.INITIALIZED.get("test_echo")).hasValue(1);
        assertThat(TestNode.CLOSED.get("test_echo")).hasValue(1);
        assertThat(TestNode.SETTINGS.get("test_echo")).containsEntry("TOPIC_PREFIX", "unit");
        assertThat(TestNode.calls("test_echo").get(0)).isEqualTo(Map.of("prefix", "unit"));
        assertThat(TestNode.INITIALIZED).doesNotContainKey("test_flaky");
    }

    @Test
    void aNodeThatFailsToInitializeFailsTheWorkflowBeforeAnyStepRuns() {
        WorkflowResult result = run("""
                name: broken
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - {name: a, type: compute, compute_node: test_echo}
                  - {name: b, type: effect, effect_node: test_broken_init}
                error_handling:
                  on_step_failure:
                    - name: report
                      type: effect
                      effect_node: test_publish
                      input: {topic: failed, event_type: FAILED, payload: {step: "${error.step}", why: "${error.message}"}}
                """, "{}");

        assertThat(result.succeeded()).isFalse();
        assertThat(TestNode.calls("test_echo")).isEmpty();
        assertThat(onlyCall("test_publish").get("payload")).isEqualTo(Map.of("step", "b",
                "why", "node 'test_broken_init' could not be initialized: TEST_BROKEN_INIT_OK is not set to true"));
    }

    @Test
    void anIntentStepSendsItsIntentTypeAndPayload() {
        WorkflowResult result = run("""
                name: intents
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: started
                    type: intent
                    handler: test_echo
                    intent_type: STARTED
                    payload: {id: "${input.id}", count: "${input.tags.length}"}
                """, "{\"id\": \"d1\", \"tags\": [1, 2]}");

        assertThat(result.succeeded()).isTrue();
        assertThat(onlyCall("test_echo")).isEqualTo(Map.of("intent_type", "STARTED", "payload", Map.of("id", "d1", "count", 2)));
    }

    @Test
    void inputDataThatLooksLikeAnExpressionReachesTheNodeAsText() {
        WorkflowResult result = run("""
                name: data
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - {name: a, type: compute, compute_node: test_echo, input: {text: "${input.text}"}, output: a_out}
                  - {name: b, type: compute, compute_node: test_echo, input: {again: "${a_out.echo.text}"}}
                """, "{\"text\": \"${env.SECRET}\"}", Map.of("SECRET", "do-not-leak"));

        assertThat(result.succeeded()).isTrue();
        assertThat(TestNode.calls("test_echo")).extracting(m -> m.values().iterator().next())
                .containsExactly("${env.SECRET}", "${env.SECRET}");
    }

    @Test
    void anInputThatIsOneExpressionPassesAWholeMapAndMustBeAMap() {
        String yaml = """
                name: whole
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - {name: a, type: compute, compute_node: test_echo, input: "${input.%s}"}
                """;

        WorkflowResult map = run(yaml.formatted("metadata"), "{\"metadata\": {\"k\": \"v\"}, \"tags\": [1]}");
        assertThat(map.succeeded()).isTrue();
        assertThat(onlyCall("test_echo")).isEqualTo(Map.of("k", "v"));

        WorkflowResult list = run(yaml.formatted("tags"), "{\"tags\": [1]}");
        assertThat(list.succeeded()).isFalse();
        assertThat(list.failure().problem()).hasToString(
                "test.yaml:4:62: error: step 'a': its input must be a map, but ${input.tags} is a list");
    }

    @Test
    void publishedEventsAreReportedWithTopicPartitionOffsetAndEventType() {
        WorkflowResult result = run("""
                name: publish
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: publish_completion_event
                    type: effect
                    effect_node: test_publish
                    input: {topic: done.v1, event_type: DONE, payload: {n: 1}}
                """, "{}");

        assertThat(result.published()).containsExactly(
                new StepResult.Published("publish_completion_event", "DONE", "test.done.v1", 0, 0L));
    }

    @Test
    void aWorkflowThatNeedsAnUnknownNodeIsRejectedBeforeAnythingRuns() {
        assertThatThrownBy(() -> run("""
                name: unknown
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - {name: a, type: compute, compute_node: test_echo}
                  - {name: b, type: compute, compute_node: no_such_node}
                """, "{}"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("test.yaml:5:44: error: unknown node 'no_such_node' (compute_node of step 'b')");
        assertThat(TestNode.calls("test_echo")).isEmpty();
        assertThat(TestNode.INITIALIZED).isEmpty();
    }

    @Test
    void theInputMustBeAnObject() {
        assertThatThrownBy(() -> run("""
                name: x
                version: {major: 1, minor: 0, patch: 0}
                steps: [{name: a, type: compute, compute_node: test_echo}]
                """, "[1, 2]"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("the workflow input must be a JSON object, found a list");
    }

    @ParameterizedTest(name = "throwing in {0}")
    @ValueSource(strings = {"stepFinished", "every callback"})
    void aListenerThatThrowsNeitherHangsNorFailsTheRun(String where) {
        Workflow workflow = new WorkflowLoader().load("test.yaml", """
                name: loud
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - {name: a, type: compute, compute_node: test_echo, input: {x: 1}}
                  - name: group
                    type: parallel
                    steps:
                      - {name: b, type: compute, compute_node: test_echo, input: {x: "${a.echo.x}"}}
                      - {name: c, type: compute, compute_node: test_echo, depends_on: [b], input: {x: "${b.echo.x}"}}
                """);
        boolean everywhere = where.equals("every callback");
        WorkflowListener throwing = new WorkflowListener() {
            @Override
            public void workflowStarted(Workflow w) {
                if (everywhere) {
                    throw new IllegalStateException("listener broke at the start");
                }
            }

            @Override
            public void stepStarted(Step step) {
                if (everywhere) {
                    throw new IllegalStateException("listener broke at the start of " + step.name());
                }
            }

            @Override
            public void stepFinished(StepResult result) {
                throw new IllegalStateException("listener broke at the end of " + result.name());
            }

            @Override
            public void workflowFinished(WorkflowResult result) {
                if (everywhere) {
                    throw new IllegalStateException("listener broke at the end");
                }
            }
        };

        // before: an exception thrown as a step finished left that step's future incomplete, and run() waited for ever
        WorkflowResult result = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try (WorkflowRunner runner = WorkflowRunner.builder().registry(registry).listener(throwing).build()) {
                return runner.run(workflow, JSON.readTree("{}"));
            }
        }, "a run whose listener throws must still end");

        assertThat(result.succeeded()).as(String.valueOf(result.failure())).isTrue();
        assertThat(result.steps()).extracting(StepResult::name).containsExactly("a", "b", "c", "group");
        assertThat(TestNode.calls("test_echo")).hasSize(3);
    }

    @Test
    void theRunnersOwnWorkNeverRunsOnTheThreadANodeOrATimeoutCompletesOn() {
        // test_barrier completes on the common fork-join pool, a timeout on the JDK's one delay-scheduler thread; the
        // runner must not check outputs, call listeners or start dependent steps there (a slow listener would stall
        // a node's I/O thread, such as Kafka's producer network thread, or every other pending timeout)
        Workflow workflow = new WorkflowLoader().load("test.yaml", """
                name: threads
                version: {major: 1, minor: 0, patch: 0}
                steps:
                  - name: group
                    type: parallel
                    steps:
                      - {name: a, type: compute, compute_node: test_barrier, input: {barrier: t1, parties: 1, party: a}}
                      - {name: b, type: compute, compute_node: test_echo, depends_on: [a], input: {x: "${a.party}"}}
                  - {name: slow, type: compute, compute_node: test_hang, timeout_ms: 20, on_error: continue}
                """);
        Map<String, String> finishedOn = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, String> startedOn = new java.util.concurrent.ConcurrentHashMap<>();
        WorkflowListener threads = new WorkflowListener() {
            @Override
            public void stepStarted(Step step) {
                startedOn.put(step.name(), Thread.currentThread().getName());
            }

            @Override
            public void stepFinished(StepResult result) {
                finishedOn.put(result.name(), Thread.currentThread().getName());
            }
        };

        WorkflowResult result;
        try (WorkflowRunner runner = WorkflowRunner.builder().registry(registry).listener(threads).build()) {
            result = runner.run(workflow, JSON.readTree("{}"));
        }

        assertThat(result.succeeded()).as(String.valueOf(result.failure())).isTrue();
        assertThat(result.step("slow").orElseThrow().error()).isEqualTo("node 'test_hang' did not answer within 20 ms");
        assertThat(finishedOn).containsOnlyKeys("a", "b", "group", "slow");
        assertThat(finishedOn.get("a")).startsWith("onex-step-");
        assertThat(startedOn.get("b")).startsWith("onex-step-");
        assertThat(finishedOn.get("slow")).startsWith("onex-step-");
    }

    @Test
    void anOutputWhosePartitionOrOffsetDoesNotFitIsNoPublishedEvent() {
        StepResult huge = new StepResult("p", null, false, StepResult.Status.SUCCEEDED, "n", 1, Duration.ZERO, null,
                JSON.readTree("{\"topic\": \"t\", \"partition\": 3000000000, \"offset\": 1e30}"), null, null, false);
        StepResult big = new StepResult("p", null, false, StepResult.Status.SUCCEEDED, "n", 1, Duration.ZERO, null,
                JSON.readTree("{\"topic\": \"t\", \"partition\": 1, \"offset\": 100000000000000000000}"), null, null, false);

        assertThat(huge.published()).isEmpty();
        assertThat(big.published()).isEmpty();
    }

    @Test
    void nodeMetricsAreCollectedForTheNodesUsed() {
        WorkflowResult result = run("""
                name: m
                version: {major: 1, minor: 0, patch: 0}
                steps: [{name: a, type: compute, compute_node: test_echo}]
                """, "{}");

        assertThat(result.nodeMetrics()).containsOnlyKeys("test_echo");
    }
}
