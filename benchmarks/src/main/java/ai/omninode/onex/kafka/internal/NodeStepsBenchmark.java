package ai.omninode.onex.kafka.internal;

import ai.omninode.onex.bench.Events;
import ai.omninode.onex.bench.NoopProducer;
import ai.omninode.onex.contract.ContractLoader;
import ai.omninode.onex.contract.Violation;
import ai.omninode.onex.kafka.ModelKafkaEventConfig;
import ai.omninode.onex.kafka.ModelKafkaEventInput;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The steps of one publish, each on its own, to see where {@code executeEffect}'s time goes. Lives in the node's
 * internal package to reach what the node keeps package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class NodeStepsBenchmark {
    private InputValidator validator;
    private EnvelopeCodec codec;
    private EventPublisher publisher;
    private NodeMeters metrics;
    private NodeMeters.TopicMeters topic;
    private ModelKafkaEventInput[] inputs;
    private byte[][] correlationIds;
    private byte[] eventTypeJson;
    private String[] idempotencyKeys;
    private final Clock clock = Clock.systemUTC();
    private static final byte[] EVENT_ID = Ascii.uuid(java.util.UUID.fromString("5c3b1f0e-8f6a-4c1e-9d2b-7a6e5f4d3c2b"));
    private static final java.time.Instant TIME = java.time.Instant.ofEpochSecond(1764184352, 123_456_000);
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        var contract = new ContractLoader().load(Objects.requireNonNull(
                ModelKafkaEventConfig.class.getResource("effect_contract.yaml"), "node contract"));
        validator = new InputValidator(contract.input().orElseThrow(), EnvelopeCodec.MAPPER);
        String nodeId = Uuids.random().toString();
        codec = new EnvelopeCodec(EnvelopeCodec.MAPPER, Events.SERVICE, nodeId);
        metrics = new NodeMeters();
        topic = metrics.topic("dev.archon-intelligence.events");
        ModelKafkaEventConfig config = ModelKafkaEventConfig.builder().bootstrapServers("noop:9092")
                .topicCreation(ModelKafkaEventConfig.TopicCreation.BROKER).build();
        publisher = EventPublisher.start(config, nodeId, props -> new NoopProducer(), null, clock, validator, metrics);
        inputs = Events.inputs("events");
        correlationIds = new byte[inputs.length][];
        idempotencyKeys = new String[inputs.length];
        eventTypeJson = codec.eventTypeJson(inputs[0].eventType());
        for (int i = 0; i < inputs.length; i++) {
            correlationIds[i] = Ascii.uuid(inputs[i].correlationId());
            idempotencyKeys[i] = Events.idempotencyKey(i);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        publisher.close();
    }

    @Benchmark
    public List<Violation> validate() {
        return validator.validate(inputs[next++ & (Events.COUNT - 1)]);
    }

    /** The envelope from the ids' bytes, the event type's cached JSON and the time, as the node writes it. */
    @Benchmark
    public byte[] envelope() {
        int i = next++ & (Events.COUNT - 1);
        ModelKafkaEventInput in = inputs[i];
        return codec.envelope(EVENT_ID, in.eventType(), eventTypeJson, correlationIds[i], TIME, in.payload());
    }

    /** A random event id as the bytes the envelope and its header carry, and the time the envelope is stamped with. */
    @Benchmark
    public Object eventIdAndTimestamp() {
        return Ascii.uuid(Uuids.random()).length + clock.instant().getNano();
    }

    /** The event id a caller's idempotency key gives (a version 5 UUID, SHA-1): what every runner step pays. */
    @Benchmark
    public java.util.UUID eventIdFromIdempotencyKey() {
        return Uuids.eventId(idempotencyKeys[next++ & (Events.COUNT - 1)]);
    }

    @Benchmark
    public boolean breakerPermit() {
        return publisher.breaker.tryAcquirePermission();
    }

    /** What a published event costs the meters: counts, and the latency timer with its decaying percentiles. */
    @Benchmark
    public void metrics() {
        topic.published(180_000 + (next++ & 1023));
    }

    /** The W3C trace context of an event with none given: a new trace id and span id, written as a header. */
    @Benchmark
    public byte[] traceparent() {
        return Ascii.traceparent(EventTaskState.parentOf(ai.omninode.onex.node.ExecutionContext.none(), null));
    }
}
