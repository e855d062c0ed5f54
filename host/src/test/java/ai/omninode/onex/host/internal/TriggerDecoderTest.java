package ai.omninode.onex.host.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.contract.JsonSchema;
import ai.omninode.onex.host.internal.TriggerDecoder.Kind;
import ai.omninode.onex.host.internal.TriggerDecoder.Poison;
import ai.omninode.onex.host.internal.TriggerDecoder.Run;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class TriggerDecoderTest {
    private static final JsonSchema SCHEMA = JsonSchema.of(JsonMapper.builder().build().readTree(
            "{\"type\":\"object\",\"required\":[\"document_id\"],\"properties\":{\"document_id\":{\"type\":\"string\"}}}"),
            "test");
    private final TriggerDecoder decoder = new TriggerDecoder("flow", SCHEMA, 1000);

    private static final long SENT_AT = 1764604800123L;

    private static ConsumerRecord<byte[], byte[]> record(byte[] value, RecordHeaders headers) {
        return new ConsumerRecord<>("t.in", 2, 41, SENT_AT, TimestampType.CREATE_TIME, 0, value == null ? 0 : value.length,
                "k".getBytes(StandardCharsets.UTF_8), value, headers, Optional.empty());
    }

    private TriggerDecoder.Trigger decode(String value) {
        return decoder.decode(record(value.getBytes(StandardCharsets.UTF_8), new RecordHeaders()));
    }

    private static Kind kind(TriggerDecoder.Trigger t) {
        assertThat(t).isInstanceOf(Poison.class);
        return ((Poison) t).kind();
    }

    @Test
    void anEnvelopesPayloadIsTheInputAndItsEventIdNamesTheRun() {
        String id = "0b5b5b8e-2f56-5a4c-9d2e-111111111111";
        String correlation = "6f1c2b9e-4d3a-4e8f-9b71-2a5c8d0e4f13";
        Run run = (Run) decode("{\"event_id\":\"" + id + "\",\"event_type\":\"REQ\",\"correlation_id\":\"" + correlation
                + "\",\"timestamp\":1.5,\"version\":\"1.0.0\",\"source\":{},\"payload\":{\"document_id\":\"d1\"}}");

        assertThat(run.runKey()).isEqualTo("flow:" + id);
        assertThat(run.correlationId()).isEqualTo(UUID.fromString(correlation));
        assertThat(run.input().toString()).isEqualTo("{\"document_id\":\"d1\",\"correlation_id\":\"" + correlation + "\"}");
        assertThat(run.trace()).isNull();
    }

    /** An input as deep as onex run takes one (200 levels) runs, bare or in an envelope; one level more is poison. */
    @Test
    void aTriggerMayNestAsDeepAsOnexRunTakesAnInputPlusItsEnvelope() {
        TriggerDecoder roomy = new TriggerDecoder("flow", SCHEMA, 1 << 20);
        java.util.function.IntFunction<String> envelope = levels -> "{\"event_id\":\"" + UUID.randomUUID()
                + "\",\"event_type\":\"REQ\",\"version\":\"1.0.0\",\"payload\":"
                + "{\"document_id\":\"d\",\"deep\":" + "[".repeat(levels - 1) + "]".repeat(levels - 1) + "}}";

        assertThat(roomy.decode(record(envelope.apply(200).getBytes(StandardCharsets.UTF_8), new RecordHeaders())))
                .isInstanceOf(Run.class);
        assertThat(kind(roomy.decode(record(envelope.apply(201).getBytes(StandardCharsets.UTF_8), new RecordHeaders()))))
                .isEqualTo(Kind.NOT_JSON);
        java.util.function.IntFunction<String> bare = levels -> "{\"document_id\":\"d\",\"deep\":"
                + "[".repeat(levels - 1) + "]".repeat(levels - 1) + "}";
        assertThat(roomy.decode(record(bare.apply(200).getBytes(StandardCharsets.UTF_8), new RecordHeaders())))
                .isInstanceOf(Run.class);
        Poison deep = (Poison) roomy.decode(record(bare.apply(201).getBytes(StandardCharsets.UTF_8), new RecordHeaders()));
        assertThat(deep.kind()).isEqualTo(Kind.NOT_JSON);
        assertThat(deep.reason()).contains("deeper than 200 levels");
    }

    @Test
    void aPlainObjectIsTheInputAndItsPlaceNamesTheRun() {
        Run run = (Run) decode("{\"document_id\":\"d1\"}");

        assertThat(run.runKey()).isEqualTo("flow:t.in/2/41@1764604800123");
        UUID derived = UUID.nameUUIDFromBytes("flow:t.in/2/41@1764604800123".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(run.correlationId()).as("one of its own, the same on every redelivery").isEqualTo(derived);
        assertThat(run.input().toString()).isEqualTo("{\"document_id\":\"d1\",\"correlation_id\":\"" + derived + "\"}");
    }

    @Test
    void anEnvelopeWithoutAValidEventIdIsNamedByItsPlace() {
        Run run = (Run) decoder.decode(record(("{\"event_id\":\"nope\",\"event_type\":\"REQ\",\"payload\":"
                + "{\"document_id\":\"d1\"}}").getBytes(StandardCharsets.UTF_8), nodeHeaders()));

        assertThat(run.runKey()).isEqualTo("flow:t.in/2/41@1764604800123");
        assertThat(run.input().get("document_id").asString()).as("an envelope by the node's header").isEqualTo("d1");
    }

    /** The Kafka node's header on every event it writes. */
    private static RecordHeaders nodeHeaders() {
        RecordHeaders h = new RecordHeaders();
        h.add("event_type", "REQ".getBytes(StandardCharsets.UTF_8));
        return h;
    }

    /**
     * The probe's relay workflow: a plain trigger that has event_type and payload fields of its own was taken for an
     * envelope and only its payload run (dead-lettered: the input lacked event_type), though onex run takes it whole.
     */
    @Test
    void aPlainObjectWithEventTypeAndPayloadFieldsIsTheInputItselfNotAnEnvelope() {
        TriggerDecoder relay = new TriggerDecoder("relay", null, 1000);

        Run plain = (Run) relay.decode(record("{\"event_type\":\"ORDER_PLACED\",\"payload\":{\"order_id\":\"o-1\"}}"
                .getBytes(StandardCharsets.UTF_8), new RecordHeaders()));
        Run uuidAlone = (Run) relay.decode(record(("{\"event_id\":\"" + UUID.randomUUID() + "\",\"event_type\":"
                + "\"ORDER_PLACED\",\"payload\":{\"order_id\":\"o-1\"}}").getBytes(StandardCharsets.UTF_8),
                new RecordHeaders()));

        assertThat(plain.input().get("event_type").asString()).isEqualTo("ORDER_PLACED");
        assertThat(plain.input().get("payload").get("order_id").asString()).isEqualTo("o-1");
        assertThat(plain.runKey()).isEqualTo("relay:t.in/2/41@1764604800123");
        assertThat(uuidAlone.input().has("payload")).as("an event_id without the node's timestamp or version").isTrue();
    }

    @Test
    void theCorrelationHeaderAndTraceparentCarryIntoTheRun() {
        RecordHeaders h = new RecordHeaders();
        h.add("correlation_id", "6f1c2b9e-4d3a-4e8f-9b71-2a5c8d0e4f13".getBytes(StandardCharsets.UTF_8));
        h.add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".getBytes(StandardCharsets.UTF_8));
        Run run = (Run) decoder.decode(record("{\"document_id\":\"d1\"}".getBytes(StandardCharsets.UTF_8), h));

        assertThat(run.correlationId()).hasToString("6f1c2b9e-4d3a-4e8f-9b71-2a5c8d0e4f13");
        assertThat(run.trace().traceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(run.trace().spanId()).isEqualTo("b7ad6b7169203331");
    }

    @Test
    void poisonTriggersSayWhatIsWrongWithThem() {
        assertThat(kind(decoder.decode(record(null, new RecordHeaders())))).isEqualTo(Kind.TOMBSTONE);
        assertThat(kind(decode("x".repeat(1001)))).isEqualTo(Kind.TOO_LARGE);
        assertThat(kind(decoder.decode(record(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '"', '}'},
                new RecordHeaders())))).isEqualTo(Kind.NOT_UTF8);
        assertThat(kind(decode("not json"))).isEqualTo(Kind.NOT_JSON);
        assertThat(kind(decode(""))).isEqualTo(Kind.NOT_JSON);
        assertThat(kind(decode("{\"document_id\":\"a\"} trailing"))).isEqualTo(Kind.NOT_JSON);
        assertThat(kind(decode("{\"document_id\":\"a\",\"document_id\":\"b\"}"))).isEqualTo(Kind.NOT_JSON);
        assertThat(kind(decode("{\"document_id\":NaN}"))).isEqualTo(Kind.NOT_JSON);
        assertThat(kind(decode("[" .repeat(600)))).isEqualTo(Kind.NOT_JSON);
        assertThat(kind(decode("[{\"document_id\":\"a\"}]"))).isEqualTo(Kind.NOT_AN_OBJECT);
        assertThat(kind(decode("\"text\""))).isEqualTo(Kind.NOT_AN_OBJECT);
        String node = "{\"event_id\":\"0b5b5b8e-2f56-5a4c-9d2e-111111111111\",\"timestamp\":1.5,";
        assertThat(kind(decode(node + "\"event_type\":\"X\",\"payload\":[1]}"))).isEqualTo(Kind.BAD_ENVELOPE);
        assertThat(kind(decode(node + "\"event_type\":\"X\",\"correlation_id\":\"zz\",\"payload\":"
                + "{\"document_id\":\"a\"}}"))).isEqualTo(Kind.BAD_ENVELOPE);
        assertThat(kind(decoder.decode(record("{\"event_type\":7,\"payload\":{\"document_id\":\"a\"}}"
                .getBytes(StandardCharsets.UTF_8), nodeHeaders())))).isEqualTo(Kind.BAD_ENVELOPE);
        assertThat(kind(decode("{}"))).isEqualTo(Kind.INPUT_SCHEMA);
        assertThat(kind(decode("{\"document_id\":7}"))).isEqualTo(Kind.INPUT_SCHEMA);
        assertThat(((Poison) decode("{\"document_id\":7}")).reason())
                .contains("does not match the workflow's input_schema").contains("/document_id");
    }

    /** Content after the object is said in a user's words, where it starts; no Jackson class or feature name. */
    @Test
    void trailingContentIsSaidWithItsLineAndColumnNotJacksonsWords() {
        String reason = ((Poison) decode("{\"document_id\":\"a\"}\n  {}")).reason();
        String garbage = ((Poison) decode("{\"document_id\":\"a\"} trailing")).reason();
        String broken = ((Poison) decode("{\"document_id\":\n\"a\" \"b\"}")).reason();

        assertThat(reason).isEqualTo("the value is not one JSON object: more content follows it at line 2, column 3");
        assertThat(garbage).startsWith("the value is not JSON: ").contains("line 1, column 21");
        assertThat(broken).startsWith("the value is not JSON: ").contains("line 2, column 5");
        for (String r : java.util.List.of(reason, garbage, broken)) {
            assertThat(r).doesNotContain("jackson", "Jackson", "FAIL_ON", "JsonNode", "JsonToken");
        }
    }

    /**
     * The probe's strict workflow: every trigger was dead-lettered with "unknown field 'correlation_id'", the field the
     * host had added, though onex run took the same input. Now the input runs as sent; the run keeps its correlation id.
     */
    @Test
    void aSchemaThatAllowsNoOtherFieldTakesTheInputAsSentAsOnexRunDoes() {
        JsonSchema strict = JsonSchema.of(JsonMapper.builder().build().readTree("{\"type\":\"object\","
                + "\"additionalProperties\":false,\"required\":[\"order_id\"],\"properties\":{\"order_id\":"
                + "{\"type\":\"string\"}}}"), "strict");
        TriggerDecoder orders = new TriggerDecoder("orders", strict, 1000);

        Run run = (Run) orders.decode(record("{\"order_id\":\"o-3\"}".getBytes(StandardCharsets.UTF_8),
                new RecordHeaders()));
        Poison missing = (Poison) orders.decode(record("{\"order\":\"o-3\"}".getBytes(StandardCharsets.UTF_8),
                new RecordHeaders()));

        assertThat(run.input().toString()).isEqualTo("{\"order_id\":\"o-3\"}");
        assertThat(run.correlationId()).isNotNull();
        assertThat(missing.reason()).as("what onex run would say of it").contains("order_id", "/")
                .doesNotContain("correlation_id");
        Run schemaWantsIt = (Run) decode("{\"document_id\":\"d1\"}");
        assertThat(schemaWantsIt.input().has("correlation_id")).as("added where the schema allows it").isTrue();
    }

    /**
     * The probe's log lines carried an id no event had: a plain trigger's own correlation_id went on its events, while
     * the run (and so the MDC) had one derived from the trigger's place. The input's UUID is the run's, as onex run.
     */
    @Test
    void theInputsOwnCorrelationIdIsTheRunsAsOnexRunTakesIt() {
        String own = "11111111-2222-4333-8444-555555555555";
        RecordHeaders h = new RecordHeaders();
        h.add("correlation_id", "6f1c2b9e-4d3a-4e8f-9b71-2a5c8d0e4f13".getBytes(StandardCharsets.UTF_8));
        Run plain = (Run) decoder.decode(record(("{\"document_id\":\"d1\",\"correlation_id\":\"" + own + "\"}")
                .getBytes(StandardCharsets.UTF_8), h));
        Run enveloped = (Run) decode("{\"event_id\":\"" + UUID.randomUUID() + "\",\"event_type\":\"REQ\","
                + "\"correlation_id\":\"6f1c2b9e-4d3a-4e8f-9b71-2a5c8d0e4f13\",\"timestamp\":1.5,\"payload\":"
                + "{\"document_id\":\"d1\",\"correlation_id\":\"" + own + "\"}}");
        Run notAUuid = (Run) decoder.decode(record("{\"document_id\":\"d1\",\"correlation_id\":\"abc\"}"
                .getBytes(StandardCharsets.UTF_8), h));

        assertThat(plain.correlationId()).hasToString(own);
        assertThat(enveloped.correlationId()).as("what the events get through ${input.correlation_id}").hasToString(own);
        assertThat(notAUuid.correlationId()).as("not a UUID: the header's").hasToString(
                "6f1c2b9e-4d3a-4e8f-9b71-2a5c8d0e4f13");
        assertThat(notAUuid.input().get("correlation_id").asString()).isEqualTo("abc");
    }

    /**
     * By place alone, a topic deleted and created again (or another cluster's of that name) gave its new records the
     * old ones' run keys, and so their event ids; a record without a timestamp keeps the key by place.
     */
    @Test
    void theRunKeyOfAPlainTriggerHasTheRecordsTimestampSoARecreatedTopicDoesNotRepeatIt() {
        byte[] value = "{\"document_id\":\"d1\"}".getBytes(StandardCharsets.UTF_8);
        Run first = (Run) decoder.decode(new ConsumerRecord<>("t.in", 0, 0, 1000L, TimestampType.CREATE_TIME, 0,
                value.length, null, value, new RecordHeaders(), Optional.empty()));
        Run recreated = (Run) decoder.decode(new ConsumerRecord<>("t.in", 0, 0, 2000L, TimestampType.CREATE_TIME, 0,
                value.length, null, value, new RecordHeaders(), Optional.empty()));
        Run redelivered = (Run) decoder.decode(new ConsumerRecord<>("t.in", 0, 0, 1000L, TimestampType.CREATE_TIME, 0,
                value.length, null, value, new RecordHeaders(), Optional.empty()));
        Run untimed = (Run) decoder.decode(new ConsumerRecord<>("t.in", 0, 0, value, value));

        assertThat(first.runKey()).isEqualTo("flow:t.in/0/0@1000").isEqualTo(redelivered.runKey());
        assertThat(recreated.runKey()).isEqualTo("flow:t.in/0/0@2000");
        assertThat(recreated.correlationId()).isNotEqualTo(first.correlationId());
        assertThat(untimed.runKey()).isEqualTo("flow:t.in/0/0");
    }

    @Test
    void severalTraceparentHeadersAreNoValidOneAndTheRunStartsATrace() {
        RecordHeaders h = new RecordHeaders();
        h.add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".getBytes(StandardCharsets.UTF_8));
        h.add("traceparent", "00-1af7651916cd43dd8448eb211c80319c-c7ad6b7169203331-01".getBytes(StandardCharsets.UTF_8));
        RecordHeaders one = new RecordHeaders();
        one.add("traceparent", "00-1af7651916cd43dd8448eb211c80319c-c7ad6b7169203331-01".getBytes(StandardCharsets.UTF_8));

        Run twice = (Run) decoder.decode(record("{\"document_id\":\"d1\"}".getBytes(StandardCharsets.UTF_8), h));
        Run once = (Run) decoder.decode(record("{\"document_id\":\"d1\"}".getBytes(StandardCharsets.UTF_8), one));

        assertThat(twice.trace()).isNull();
        assertThat(once.trace().traceId()).isEqualTo("1af7651916cd43dd8448eb211c80319c");
    }
}
