package ai.omninode.onex.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.omninode.onex.node.NodeExecutionException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every input is checked against the contract's input schema (and Kafka's topic rules) before anything is sent; a bad
 * one is a failed output naming the JSON pointer and the rule, and is neither sent nor dead-lettered, only counted.
 */
class InputValidationTest {
    private MockNode m;

    @BeforeEach
    void start() {
        m = new MockNode(MockNode.config().topicPrefix("dev.archon-intelligence").build(), true);
    }

    @AfterEach
    void stop() {
        m.close();
    }

    private ModelKafkaEventOutput publish(ModelKafkaEventInput.Builder input) throws Exception {
        return m.node.executeEffect(input.build()).get();
    }

    private static ModelKafkaEventInput.Builder valid() {
        return ModelKafkaEventInput.builder().topic("quality.assessed.v1").eventType("QUALITY_ASSESSED")
                .payload("quality_score", 0.87);
    }

    private void assertRejectedAndNothingSent(ModelKafkaEventOutput out) {
        assertThat(out.success()).isFalse();
        assertThat(out.errorType()).isEqualTo(ModelKafkaEventOutput.INVALID_INPUT);
        assertThat(out.deadLettered()).isFalse();
        assertThat(out.partition()).isNull();
        assertThat(m.producer.history()).isEmpty();
        assertThat(m.metrics()).containsEntry("events_rejected", 1L).containsEntry("events_failed", 0L)
                .containsEntry("events_sent_to_dlq", 0L).containsEntry("current_failures", 0L);
    }

    @Test
    void aValidInputIsPublished() throws Exception {
        assertThat(publish(valid()).success()).isTrue();
        assertThat(m.metrics()).containsEntry("events_rejected", 0L);
    }

    @Test
    void aTopicWithIllegalCharactersIsRejectedNamingThePointerAndRule() throws Exception {
        ModelKafkaEventOutput out = publish(valid().topic("quality assessed/v1"));

        assertRejectedAndNothingSent(out);
        assertThat(out.error()).startsWith("invalid input, not published: ")
                .contains("'/topic' does not match the regex pattern ^[A-Za-z0-9._-]+$, found \"quality assessed/v1\"")
                .contains("[pattern at /topic]");
    }

    @Test
    void aTopicLongerThanKafkaAllowsIsRejected() throws Exception {
        ModelKafkaEventOutput out = publish(valid().topic("t".repeat(250)));

        assertRejectedAndNothingSent(out);
        assertThat(out.error()).contains("[maxLength at /topic]");
    }

    @Test
    void aTopicThatOnlyTheDeadLetterSuffixMakesTooLongIsRejected() throws Exception {
        // "dev.archon-intelligence." is 24 characters: 24 + 224 = 248 fits, 248 + ".dlq" does not
        ModelKafkaEventOutput out = publish(valid().topic("t".repeat(224)));

        assertRejectedAndNothingSent(out);
        assertThat(out.error()).contains("with its dead-letter suffix").contains("252 characters long; Kafka allows at most 249")
                .contains("[maxLength at /topic]");
    }

    @Test
    void withoutDeadLettersTheSameTopicFits() throws Exception {
        try (MockNode noDlq = new MockNode(MockNode.config().topicPrefix("dev.archon-intelligence").enableDlq(false).build(), true)) {
            assertThat(noDlq.node.executeEffect(valid().topic("t".repeat(224)).build()).get().success()).isTrue();
        }
    }

    @Test
    void anEmptyOrBlankEventTypeIsRejected() throws Exception {
        ModelKafkaEventOutput empty = publish(valid().eventType(""));
        assertRejectedAndNothingSent(empty);
        assertThat(empty.error()).contains("[minLength at /event_type]");

        ModelKafkaEventOutput blank = publish(valid().eventType("   "));
        assertThat(blank.error()).contains("[pattern at /event_type]");
    }

    @Test
    void aMissingEventTypeOrPayloadIsRejected() throws Exception {
        ModelKafkaEventOutput out = m.node.executeEffect(new ModelKafkaEventInput("t", null, null)).get();

        assertRejectedAndNothingSent(out);
        assertThat(out.error()).contains("missing required field 'event_type' [required at /event_type]")
                .contains("missing required field 'payload' [required at /payload]");
    }

    @Test
    void aNullHeaderValueIsRejected() throws Exception {
        Map<String, String> headers = new HashMap<>();
        headers.put("trace", null);
        ModelKafkaEventOutput out = publish(valid().headers(headers));

        assertRejectedAndNothingSent(out);
        assertThat(out.error()).contains("'/headers/trace' must be a string, found null [type at /headers/trace]");
    }

    @Test
    void aPayloadWithoutJsonFormIsRejected() throws Exception {
        ModelKafkaEventOutput out = publish(valid().payload("thing", new Object()));

        assertRejectedAndNothingSent(out);
        assertThat(out.error()).contains("'/payload/thing' cannot be written as JSON").contains("[type at /payload/thing]");
    }

    @Test
    void wrongTypesThroughTheSpiAreRejectedWithTheirPointers() {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("topic", 42);
        in.put("event_type", "E");
        in.put("payload", "not an object");
        in.put("headers", Map.of("retries", 3));
        in.put("correlation_id", "not-a-uuid");

        assertThatThrownBy(() -> m.node.execute(in).toCompletableFuture().get())
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(NodeExecutionException.class)
                .hasMessageContaining("'/topic' must be a string, found integer 42 [type at /topic]")
                .hasMessageContaining("'/payload' must be an object (mapping), found string \"not an object\" [type at /payload]")
                .hasMessageContaining("'/headers/retries' must be a string, found integer 3 [type at /headers/retries]")
                .hasMessageContaining("[pattern at /correlation_id]")
                .satisfies(e -> {
                    NodeExecutionException n = (NodeExecutionException) e;
                    assertThat(n.retriable()).isFalse();
                    assertThat(n.details()).containsEntry("error_type", "invalid_input")
                            .containsEntry("correlation_id", "not-a-uuid");
                });
        assertThat(m.producer.history()).isEmpty();
        assertThat(m.metrics()).containsEntry("events_rejected", 1L);
    }

    @Test
    void anUnknownFieldThroughTheSpiIsRejected() {
        Map<String, Object> in = Map.of("topic", "t", "event_type", "E", "payload", Map.of(), "partition_key", "k");

        assertThatThrownBy(() -> m.node.execute(in).toCompletableFuture().get())
                .cause().hasMessageContaining("unknown field 'partition_key'");
    }
}
