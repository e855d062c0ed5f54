package ai.omninode.onex.bench;

import ai.omninode.onex.kafka.ModelKafkaEventConfig;
import ai.omninode.onex.kafka.ModelKafkaEventInput;
import ai.omninode.onex.kafka.NodeKafkaEventEffect;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.serializer.JacksonJsonSerializer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * (g) The node next to what a Java team would otherwise use, in the same interleaved rounds, pipelined and one at a
 * time: Spring Kafka's {@code KafkaTemplate} with its Jackson 3 JSON serializer (observation off, and on through a
 * Micrometer {@code SimpleMeterRegistry}), a hand-written Jackson + {@code KafkaProducer} sender, and the raw producer
 * with pre-serialized envelopes (the limit). Every sender uses the node's producer settings and its own topic; before
 * any round, one event of each is read back from the broker and compared with the node's (see {@link #check}).
 */
final class Peers {
    static final String NODE = "node";
    static final String TEMPLATE = "KafkaTemplate";
    static final String TEMPLATE_OBSERVED = "KafkaTemplate observed";
    static final String JACKSON = "hand-written Jackson";
    static final String RAW = "raw pre-serialized";
    /** Not run unless named in {@code --senders}: the node as the runner calls it (idempotency key, deadline). */
    static final String NODE_CONTEXT = "node with context";
    /**
     * The senders in the order of the tables, each with its topic (under {@link BenchMain#PREFIX}); the names are what
     * {@code --senders} takes (no commas).
     */
    static final Map<String, String> TOPICS = topics();

    record Result(Map<String, BrokerBench.Series> pipelined, int n, int window, Map<String, BrokerBench.Series> sequential,
            List<String> check, String observed, String nodeMetrics) {
    }

    private Peers() {
    }

    private static Map<String, String> topics() {
        Map<String, String> t = new LinkedHashMap<>();
        t.put(NODE, "peer-node");
        t.put(TEMPLATE, "peer-template");
        t.put(TEMPLATE_OBSERVED, "peer-template-observed");
        t.put(JACKSON, "peer-jackson");
        t.put(RAW, "peer-raw");
        t.put(NODE_CONTEXT, "peer-node-context");
        return t;
    }

    /**
     * Runs the senders named in {@code only} (all when empty; the node always, as the reference), the envelope check
     * first, then the pipelined and the one-at-a-time rounds.
     */
    static Result run(ModelKafkaEventConfig nodeConfig, Consumer<String> createTopic, int rounds, boolean quick,
            boolean pipelined, boolean sequential, List<String> only) throws Exception {
        List<String> names = new ArrayList<>();
        for (String name : TOPICS.keySet()) {
            if ((only.isEmpty() && !name.equals(NODE_CONTEXT)) || only.contains(name) || name.equals(NODE)) {
                names.add(name);
            }
        }
        for (String name : names) {
            createTopic.accept(full(name));
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        List<Sink> sinks = new ArrayList<>();
        try {
            for (String name : names) {
                sinks.add(sink(name, nodeConfig, meters));
            }

            System.err.println("(g) peers: one event of each sender read back from the broker and compared ...");
            List<String> check = check(sinks, nodeConfig.bootstrapServers());
            check.forEach(line -> System.err.println("    " + line));

            BrokerBench.verbose = true;
            Map<String, BrokerBench.Series> pipe = null;
            int n = quick ? 100_000 : 300_000;
            int window = 10_000;
            if (pipelined) {
                System.err.printf("(g) peers pipelined: %d events per round, %d in flight, %d rounds%n", n, window, rounds);
                pipe = BrokerBench.pipelined(sinks, rounds, 3, n, window);
            }
            Map<String, BrokerBench.Series> seq = null;
            if (sequential) {
                long maxMs = quick ? 400 : 800;
                System.err.printf("(g) peers one at a time: up to 4000 awaited events or %d ms per round, %d rounds%n",
                        maxMs, rounds);
                seq = BrokerBench.sequential(sinks, rounds, 3, 4000, maxMs);
            }
            BrokerBench.verbose = false;
            Timer timer = meters.find("spring.kafka.template").timer();
            String observed = timer == null ? "no spring.kafka.template timer in the SimpleMeterRegistry"
                    : String.format(Locale.ROOT, "the observed template's `spring.kafka.template` timer counted "
                            + "%,d sends (%s)", timer.count(), timer.getId().getTags());
            StringBuilder nodeMetrics = new StringBuilder();
            for (Sink s : sinks) {
                if (s instanceof Sink.Node node) {
                    Map<String, Object> m = node.node().getMetrics();
                    nodeMetrics.append(String.format(Locale.ROOT, "%s: events_published=%s, events_failed=%s, "
                            + "retries_attempted=%s, events_sent_to_dlq=%s, circuit_breaker_status=%s; ", s.name(),
                            m.get("events_published"), m.get("events_failed"), m.get("retries_attempted"),
                            m.get("events_sent_to_dlq"), m.get("circuit_breaker_status")));
                }
            }
            return new Result(pipe, n, window, seq, check, observed, nodeMetrics.toString().trim());
        } finally {
            for (Sink s : sinks) {
                s.close();
            }
        }
    }

    /** The sender {@code name} (one of {@link #TOPICS}' keys) on its own topic; {@code meters} for the observed one. */
    static Sink sink(String name, ModelKafkaEventConfig nodeConfig, SimpleMeterRegistry meters) {
        return switch (name) {
            case NODE -> BenchMain.nodeSink(NODE, nodeConfig, TOPICS.get(NODE));
            case TEMPLATE -> template(TEMPLATE, nodeConfig, null);
            case TEMPLATE_OBSERVED -> template(TEMPLATE_OBSERVED, nodeConfig, meters);
            case JACKSON -> Sink.Raw.jackson(JACKSON, BenchMain.producer(nodeConfig, Map.of("client.id", "bench-jackson")),
                    JsonMapper.builder().build(), new EnvelopeMap(UUID.randomUUID().toString()),
                    Events.inputs(TOPICS.get(JACKSON)), full(JACKSON));
            case NODE_CONTEXT -> {
                NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, nodeConfig);
                node.initialize();
                String[] keys = new String[Events.COUNT];
                for (int i = 0; i < keys.length; i++) {
                    keys[i] = Events.idempotencyKey(i);
                }
                yield new Sink.Node(NODE_CONTEXT, node, Events.inputs(TOPICS.get(NODE_CONTEXT)), keys);
            }
            case RAW -> new Sink.Raw(RAW, BenchMain.producer(nodeConfig, Map.of("client.id", "bench-raw")),
                    Events.records(Events.inputs(TOPICS.get(RAW)), full(RAW)));
            default -> throw new IllegalArgumentException("no sender " + name);
        };
    }

    private static String full(String sender) {
        return BenchMain.PREFIX + "." + TOPICS.get(sender);
    }

    /**
     * A {@code KafkaTemplate} as a team without Spring Boot builds it: a {@code DefaultKafkaProducerFactory} with the
     * node's producer settings, {@code StringSerializer} keys, {@code JacksonJsonSerializer} values without type
     * headers; with {@code meters}, observation on, recorded by a {@code DefaultMeterObservationHandler}.
     */
    private static Sink template(String name, ModelKafkaEventConfig nodeConfig, SimpleMeterRegistry meters) {
        Map<String, Object> props = new HashMap<>(nodeConfig.kafkaProperties());
        props.put("client.id", meters == null ? "bench-template" : "bench-template-observed");
        DefaultKafkaProducerFactory<String, Map<String, Object>> factory = new DefaultKafkaProducerFactory<>(props,
                new StringSerializer(), new JacksonJsonSerializer<Map<String, Object>>().noTypeInfo());
        KafkaTemplate<String, Map<String, Object>> template = new KafkaTemplate<>(factory);
        if (meters != null) {
            ObservationRegistry registry = ObservationRegistry.create();
            registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
            template.setObservationRegistry(registry);
            template.setObservationEnabled(true);
        }
        return new Sink.Template(name, template, factory, new EnvelopeMap(UUID.randomUUID().toString()),
                Events.inputs(TOPICS.get(name)), full(name));
    }

    /**
     * Sends event 0 of every sender, awaited, reads each back from its topic and holds it to the node's: the same
     * header names in the same order, the key equal to the {@code correlation_id} header, the headers equal to the
     * envelope's fields, the envelope's keys (and {@code source}'s) in the same order, the same JSON once the values
     * that differ by design (ids and time) are set aside, and the same number of bytes. Throws if any differs.
     */
    static List<String> check(List<Sink> sinks, String bootstrap) throws Exception {
        for (Sink s : sinks) {
            s.sendAwait(0);
        }
        Map<String, ConsumerRecord<byte[], byte[]>> read = readOne(bootstrap, sinks.stream().map(Sink::name).toList());
        JsonMapper json = JsonMapper.builder().build();
        ConsumerRecord<byte[], byte[]> nodeRecord = Objects.requireNonNull(read.get(NODE), "no record of the node");
        Shape reference = shape(nodeRecord, json, NODE);
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "node: key = correlation_id header, headers %s, envelope keys %s, "
                + "source keys %s, %d bytes", reference.headers, reference.keys, reference.sourceKeys, reference.bytes));
        for (Sink s : sinks) {
            if (s.name().equals(NODE)) {
                continue;
            }
            ConsumerRecord<byte[], byte[]> r = Objects.requireNonNull(read.get(s.name()), "no record of " + s.name());
            Shape shape = shape(r, json, s.name());
            List<String> diffs = new ArrayList<>();
            if (!shape.headers.equals(reference.headers)) {
                diffs.add("headers " + shape.headers);
            }
            if (!shape.keys.equals(reference.keys)) {
                diffs.add("envelope keys " + shape.keys);
            }
            if (!shape.sourceKeys.equals(reference.sourceKeys)) {
                diffs.add("source keys " + shape.sourceKeys);
            }
            if (!shape.masked.equals(reference.masked)) {
                diffs.add("envelope " + shape.masked + " against the node's " + reference.masked);
            }
            if (shape.bytes != reference.bytes) {
                diffs.add(shape.bytes + " bytes against the node's " + reference.bytes + ": "
                        + new String(r.value(), StandardCharsets.UTF_8));
            }
            if (!diffs.isEmpty()) {
                throw new IllegalStateException(s.name() + " does not send the node's envelope: " + String.join("; ", diffs));
            }
            lines.add(s.name() + ": the same (key, headers, keys in order, JSON with ids and time set aside, "
                    + shape.bytes + " bytes)");
        }
        return lines;
    }

    private record Shape(List<String> headers, List<String> keys, List<String> sourceKeys, JsonNode masked, int bytes) {
    }

    private static Shape shape(ConsumerRecord<byte[], byte[]> r, JsonMapper json, String sender) {
        Map<String, String> headers = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (Header h : r.headers()) {
            names.add(h.key());
            headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
        }
        JsonNode tree = json.readTree(r.value());
        String correlation = tree.path("correlation_id").asString();
        String key = new String(r.key(), StandardCharsets.UTF_8);
        List<String> problems = new ArrayList<>();
        if (!key.equals(correlation) || !correlation.equals(headers.get("correlation_id"))) {
            problems.add("key " + key + ", correlation_id header " + headers.get("correlation_id") + ", envelope "
                    + correlation);
        }
        if (!tree.path("event_id").asString().equals(headers.get("event_id"))) {
            problems.add("event_id header " + headers.get("event_id") + " against " + tree.path("event_id"));
        }
        if (!tree.path("event_type").asString().equals(headers.get("event_type"))) {
            problems.add("event_type header " + headers.get("event_type") + " against " + tree.path("event_type"));
        }
        if (!tree.path("timestamp").isNumber()) {
            problems.add("timestamp is not a number: " + tree.path("timestamp"));
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(sender + ": " + String.join("; ", problems));
        }
        List<String> keys = new ArrayList<>();
        tree.properties().forEach(e -> keys.add(e.getKey()));
        List<String> sourceKeys = new ArrayList<>();
        tree.path("source").properties().forEach(e -> sourceKeys.add(e.getKey()));
        ObjectNode masked = ((ObjectNode) tree).deepCopy();
        for (String differs : List.of("event_id", "correlation_id", "timestamp")) {
            masked.put(differs, "(differs)");
        }
        ((ObjectNode) masked.get("source")).put("node_id", "(differs)");
        return new Shape(names, keys, sourceKeys, masked, r.value().length);
    }

    /** The first record of every sender's topic (each holds only the check's record at this point). */
    private static Map<String, ConsumerRecord<byte[], byte[]>> readOne(String bootstrap, List<String> senders) {
        Map<String, String> senderOf = new HashMap<>();
        senders.forEach(sender -> senderOf.put(full(sender), sender));
        Map<String, Object> props = Map.of("bootstrap.servers", bootstrap, "enable.auto.commit", false,
                "key.deserializer", ByteArrayDeserializer.class, "value.deserializer", ByteArrayDeserializer.class);
        Map<String, ConsumerRecord<byte[], byte[]>> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : senderOf.keySet()) {
                for (int p = 0; p < BenchMain.PARTITIONS; p++) {
                    partitions.add(new TopicPartition(topic, p));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < senders.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.putIfAbsent(senderOf.get(r.topic()), r);
                }
            }
        }
        if (out.size() < senders.size()) {
            List<String> missing = new ArrayList<>(senders);
            missing.removeAll(out.keySet());
            throw new IllegalStateException("no record read back within 30 s from " + Arrays.toString(missing.toArray()));
        }
        return out;
    }
}
