package ai.omninode.onex.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.contract.ContractLoader;
import ai.omninode.onex.contract.JsonSchema;
import ai.omninode.onex.contract.Violation;
import ai.omninode.onex.kafka.ModelKafkaEventConfig;
import ai.omninode.onex.kafka.ModelKafkaEventInput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The fast path of input validation against the JSON Schema validator, over a corpus of valid and invalid inputs
 * (every field at and around its limits, Unicode whitespace and surrogate pairs, line terminators around patterns,
 * wrong types, missing and unknown fields) and a seeded random mix of them: identical accept/reject, identical
 * violations.
 */
class FastInputCheckTest {
    private static final InputValidator VALIDATOR = new InputValidator(contractInputSchema(), EnvelopeCodec.MAPPER);
    private static final String SMILE = "\uD83D\uDE00"; // one code point, two chars
    private static final String UUID_TEXT = "123e4567-e89b-42d3-a456-426614174000";

    private static JsonSchema contractInputSchema() {
        return new ContractLoader().load(Objects.requireNonNull(ModelKafkaEventConfig.class.getResource("effect_contract.yaml")))
                .input().orElseThrow();
    }

    static List<String> topics() {
        return List.of("t", "quality.assessed.v1", "a_b-c.D9", "t".repeat(248), "t".repeat(249), "t".repeat(250),
                "", " ", "a b", "a/b", "a\n", "\na", "a\r\n", "a\u0000", "é", "a" + SMILE, "..", ".", "-", "_",
                "A-Z", "a$", "^a", "a\u2028", "ａ", "a\t");
    }

    static List<String> eventTypes() {
        return List.of("X", "DOCUMENT_INGESTED", "with space", "  x  ", "", " ", "\t", "\n", "\r\n", "\u000B", "\f",
                " \t\n\u000B\f\r", "\u00A0", "\u2003", "\u3000", "\u0085", "\u001C", "\u2028", "\u200B", "\uFEFF",
                SMILE, "e".repeat(255), "e".repeat(256), SMILE.repeat(255), SMILE.repeat(256), SMILE.repeat(127) + "e",
                "e".repeat(254) + SMILE, "e".repeat(255) + SMILE, " ".repeat(255), "\u00e9".repeat(255),
                "\uD83D", "\uDE00", "x\uD83D");
    }

    static List<String> keys() {
        return Arrays.asList(null, "", "k", "k".repeat(4096), "k".repeat(4097), SMILE.repeat(4096), SMILE.repeat(4097),
                "k".repeat(4095) + SMILE, "k".repeat(4096) + SMILE, " \n");
    }

    static List<Map<String, String>> headers() {
        List<Map<String, String>> out = new ArrayList<>();
        out.add(null);
        out.add(Map.of());
        out.add(Map.of("trace", "abc"));
        out.add(Map.of("", "v"));
        out.add(Map.of("h".repeat(255), "v"));
        out.add(Map.of("h".repeat(256), "v"));
        out.add(Map.of(SMILE.repeat(255), "v"));
        out.add(Map.of(SMILE.repeat(256), "v"));
        out.add(Map.of(" ", ""));
        out.add(Map.of("a", "b", "c", ""));
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("h", null);
        out.add(nullValue);
        Map<String, String> nullName = new HashMap<>();
        nullName.put(null, "v");
        out.add(nullName);
        return out;
    }

    static List<Map<String, Object>> payloads() {
        return Arrays.asList(null, Map.of(), Map.of("document_id", "doc-1", "n", 1), new LinkedHashMap<>(Map.of("x", List.of(1, 2))));
    }

    static List<String> correlationIds() {
        return List.of(UUID_TEXT, UUID_TEXT.toUpperCase(), UUID.randomUUID().toString(), UUID_TEXT + "\n",
                "\n" + UUID_TEXT, UUID_TEXT.replace('-', '_'), UUID_TEXT.substring(1), UUID_TEXT + "0",
                "g23e4567-e89b-42d3-a456-426614174000", "", "not-a-uuid", "123e4567e89b42d3a456426614174000");
    }

    private static List<Violation> bySchema(ModelKafkaEventInput in, String correlationId) {
        return VALIDATOR.validateBySchema(in, correlationId);
    }

    private static void check(ModelKafkaEventInput in, String correlationId) {
        List<Violation> expected = bySchema(in, correlationId);
        boolean fast = FastInputCheck.accepts(in, correlationId);
        assertThat(fast).as("fast path on %s / %s; schema says %s", in, correlationId, expected).isEqualTo(expected.isEmpty());
        assertThat(VALIDATOR.validate(in, correlationId)).as("violations of %s", in).isEqualTo(expected);
    }

    private static void check(Map<String, Object> in) {
        List<Violation> expected = VALIDATOR.validateBySchema(in);
        if (FastInputCheck.accepts(in)) {
            assertThat(expected).as("fast path accepted %s", in).isEmpty();
        }
        assertThat(VALIDATOR.validate(in)).as("violations of %s", in).isEqualTo(expected);
    }

    @Test
    void theShippedSchemaIsTheOneTheFastPathImplements() {
        assertThat(VALIDATOR.fastPath()).isTrue();
    }

    @Test
    void anySchemaWithOtherConstraintsTurnsTheFastPathOff() {
        ObjectNode changed = (ObjectNode) contractInputSchema().schemaNode().deepCopy();
        ((ObjectNode) changed.at("/properties/topic")).put("maxLength", 200);
        assertThat(new InputValidator(JsonSchema.of(changed, "changed"), EnvelopeCodec.MAPPER).fastPath()).isFalse();

        ObjectNode extraField = (ObjectNode) contractInputSchema().schemaNode().deepCopy();
        ((ObjectNode) extraField.at("/properties")).putObject("priority").put("type", "integer");
        assertThat(new InputValidator(JsonSchema.of(extraField, "extra"), EnvelopeCodec.MAPPER).fastPath()).isFalse();

        ObjectNode annotated = (ObjectNode) contractInputSchema().schemaNode().deepCopy();
        ((ObjectNode) annotated.at("/properties/key")).put("description", "changed words only");
        assertThat(new InputValidator(JsonSchema.of(annotated, "annotated"), EnvelopeCodec.MAPPER).fastPath()).isTrue();
    }

    @Test
    void typedInputsAreAcceptedAndRejectedExactlyAsTheSchemaValidatorDoes() {
        int n = 0;
        for (String topic : topics()) {
            check(new ModelKafkaEventInput(topic, "X", Map.of(), null, null, null), UUID_TEXT);
            n++;
        }
        check(new ModelKafkaEventInput(null, "X", Map.of(), null, null, null), UUID_TEXT);
        for (String type : eventTypes()) {
            check(new ModelKafkaEventInput("t", type, Map.of(), null, null, null), UUID_TEXT);
            n++;
        }
        check(new ModelKafkaEventInput("t", null, Map.of(), null, null, null), UUID_TEXT);
        for (String key : keys()) {
            check(new ModelKafkaEventInput("t", "X", Map.of(), null, key, null), UUID_TEXT);
            n++;
        }
        for (Map<String, String> h : headers()) {
            check(new ModelKafkaEventInput("t", "X", Map.of(), null, null, h), UUID_TEXT);
            n++;
        }
        for (Map<String, Object> p : payloads()) {
            check(new ModelKafkaEventInput("t", "X", p, null, null, null), UUID_TEXT);
            n++;
        }
        for (String c : correlationIds()) {
            check(new ModelKafkaEventInput("t", "X", Map.of(), null, null, null), c);
            n++;
        }
        assertThat(n).isGreaterThan(90);
    }

    @Test
    void aSeededRandomMixOfFieldsGetsTheSameAnswersAsTheSchemaValidator() {
        Random r = new Random(6);
        List<String> topics = topics();
        List<String> types = eventTypes();
        List<String> keys = keys();
        List<Map<String, String>> headers = headers();
        List<Map<String, Object>> payloads = payloads();
        int accepted = 0;
        for (int i = 0; i < 3000; i++) {
            ModelKafkaEventInput in = new ModelKafkaEventInput(pick(r, topics), pick(r, types), pick(r, payloads), null,
                    pick(r, keys), pick(r, headers));
            String correlation = r.nextInt(4) == 0 ? pick(r, correlationIds()) : in.correlationId().toString();
            check(in, correlation);
            if (bySchema(in, correlation).isEmpty()) {
                accepted++;
            }
        }
        assertThat(accepted).as("the mix holds valid inputs too").isGreaterThan(100);
    }

    @Test
    void plainDataInputsGetTheSchemaValidatorsViolationsAndTheFastPathNeverAcceptsWhatItRejects() {
        Random r = new Random(7);
        List<Object> values = new ArrayList<>(Arrays.asList(null, 1, true, 2.5, List.of(), Map.of(), UUID.fromString(UUID_TEXT),
                new StringBuilder("t")));
        values.addAll(topics());
        values.addAll(eventTypes());
        values.addAll(correlationIds());
        values.addAll(headers());
        values.add(Map.of("h", 1));
        List<String> names = List.of("topic", "event_type", "payload", "correlation_id", "key", "headers", "extra");
        int fastAccepted = 0;
        for (int i = 0; i < 3000; i++) {
            Map<String, Object> in = new LinkedHashMap<>();
            in.put("topic", pick(r, topics()));
            in.put("event_type", pick(r, eventTypes()));
            in.put("payload", pick(r, payloads()));
            if (r.nextBoolean()) {
                in.put("correlation_id", pick(r, correlationIds()));
            }
            if (r.nextBoolean()) {
                in.put("key", pick(r, keys()));
            }
            if (r.nextBoolean()) {
                in.put("headers", pick(r, headers()));
            }
            for (String name : names) {
                int dice = r.nextInt(12);
                if (dice == 0) {
                    in.put(name, pick(r, values));
                } else if (dice == 1) {
                    in.remove(name);
                }
            }
            check(in);
            if (FastInputCheck.accepts(in)) {
                fastAccepted++;
            }
        }
        Map<String, Object> valid = new LinkedHashMap<>(Map.of("topic", "t", "event_type", "X", "payload", Map.of(),
                "correlation_id", UUID_TEXT, "key", "k", "headers", Map.of("a", "b")));
        check(valid);
        assertThat(FastInputCheck.accepts(valid)).isTrue();
        assertThat(fastAccepted).as("the mix holds inputs the fast path takes").isGreaterThan(50);
    }

    private static <T> T pick(Random r, List<T> from) {
        return from.get(r.nextInt(from.size()));
    }

    @Test
    void theSchemaTextInTheFastPathParses() {
        assertThat(JsonMapper.builder().build().readTree(FastInputCheck.SCHEMA).isObject()).isTrue();
    }
}
