package ai.omninode.onex.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import ai.omninode.onex.node.ExecutionContext;
import ai.omninode.onex.node.TraceContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/** W3C trace context on what a plain consumer reads: events and their dead letters. */
class TraceContextIT {
    private static final String CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final String WELL_FORMED = "00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]";

    private static List<String> traceparents(ConsumerRecord<byte[], byte[]> r) {
        List<String> values = new ArrayList<>();
        for (Header h : r.headers().headers("traceparent")) {
            values.add(new String(h.value(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return values;
    }

    @Test
    void everyEventAndDeadLetterCarriesOneTraceparentThatContinuesTheCallersTrace() throws Exception {
        EmbeddedKafkaBroker broker = SharedKafkaBroker.get();
        String prefix = Topics.unique("trace");
        broker.createTopic(prefix + ".ok", 1);
        broker.createTopic(prefix + ".small", 1, Map.of("max.message.bytes", "1024"));
        broker.createTopic(prefix + ".small.dlq", 1);
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, ModelKafkaEventConfig.builder()
                .bootstrapServers(broker.bootstrapServers()).topicPrefix(prefix).build());
        node.initialize();
        TraceContext run = TraceContext.parse(CALLER, "vendor=abc").orElseThrow();
        try {
            // 1: the host's trace in the execution context, and a caller header that must not pile up next to it
            node.executeEffect(ModelKafkaEventInput.builder().topic("ok").eventType("A").payload("n", 1)
                    .headers(Map.of("traceparent", "00-11111111111111111111111111111111-2222222222222222-01")).build(),
                    ExecutionContext.builder().traceContext(run).build()).get(30, TimeUnit.SECONDS);
            // 2: a Java caller's own traceparent header, continued
            node.executeEffect(ModelKafkaEventInput.builder().topic("ok").eventType("B").payload("n", 2)
                    .headers(Map.of("traceparent", CALLER)).build()).get(30, TimeUnit.SECONDS);
            // 3: no trace given: a new one
            node.executeEffect(ModelKafkaEventInput.builder().topic("ok").eventType("C").payload("n", 3).build())
                    .get(30, TimeUnit.SECONDS);
            // 4: a dead letter, in the context's trace
            ModelKafkaEventOutput dead = node.executeEffect(ModelKafkaEventInput.builder().topic("small").eventType("D")
                    .payload("text", KafkaEventEffectIT.incompressible(4000)).build(), ExecutionContext.builder().traceContext(run).build())
                    .get(30, TimeUnit.SECONDS);
            assertThat(dead.deadLettered()).isTrue();
        } finally {
            node.shutdown();
        }

        List<ConsumerRecord<byte[], byte[]>> events = Consumers.readAll(broker.bootstrapServers(), prefix + ".ok", 3,
                Duration.ofSeconds(30));
        List<ConsumerRecord<byte[], byte[]>> deadLetters = Consumers.readAll(broker.bootstrapServers(),
                prefix + ".small.dlq", 1, Duration.ofSeconds(30));
        assertThat(events).hasSize(3);
        assertThat(deadLetters).hasSize(1);
        for (ConsumerRecord<byte[], byte[]> r : concat(events, deadLetters)) {
            assertThat(traceparents(r)).as("exactly one, well formed").singleElement()
                    .satisfies(t -> assertThat(t).matches(WELL_FORMED));
        }
        TraceContext first = TraceContext.parse(traceparents(events.get(0)).get(0)).orElseThrow();
        assertThat(first.traceId()).as("the context's trace continued").isEqualTo(run.traceId());
        assertThat(first.spanId()).as("with a span of its own").isNotEqualTo(run.spanId());
        assertThat(Consumers.headers(events.get(0))).containsEntry("tracestate", "vendor=abc");
        assertThat(TraceContext.parse(traceparents(events.get(1)).get(0)).orElseThrow().traceId())
                .as("the caller's header continued").isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(TraceContext.parse(traceparents(events.get(2)).get(0)).orElseThrow().traceId())
                .as("a new trace").isNotIn(run.traceId(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(TraceContext.parse(traceparents(deadLetters.get(0)).get(0)).orElseThrow().traceId())
                .as("the dead letter stays in the event's trace").isEqualTo(run.traceId());
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
