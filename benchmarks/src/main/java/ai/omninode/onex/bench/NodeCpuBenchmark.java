package ai.omninode.onex.bench;

import ai.omninode.onex.kafka.ModelKafkaEventConfig;
import ai.omninode.onex.kafka.ModelKafkaEventInput;
import ai.omninode.onex.kafka.ModelKafkaEventOutput;
import ai.omninode.onex.kafka.NodeKafkaEventEffect;
import ai.omninode.onex.node.ExecutionContext;
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
 * The node's whole CPU cost per event, without a broker: {@code executeEffect} on a producer that acknowledges at
 * once. Validation, envelope, ids, timestamp, breaker, record, headers, future, output and metrics are all in it;
 * the Kafka client's own work (partitioning, batching, I/O) is not, since the raw producer pays that too.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class NodeCpuBenchmark {
    private NodeKafkaEventEffect node;
    private ModelKafkaEventInput[] inputs;
    private String[] idempotencyKeys;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        ModelKafkaEventConfig config = ModelKafkaEventConfig.builder()
                .bootstrapServers("noop:9092")
                .topicPrefix("bench")
                .topicCreation(ModelKafkaEventConfig.TopicCreation.BROKER)
                .build();
        node = new NodeKafkaEventEffect(null, config, props -> new NoopProducer());
        node.initialize();
        inputs = Events.inputs("events");
        idempotencyKeys = new String[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            idempotencyKeys[i] = Events.idempotencyKey(i);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        long published = ((Number) node.getMetrics().get("events_published")).longValue();
        node.shutdown();
        // executeEffectInTheHost runs on Bound's node: this instance's own node is then never called
        if (next > 0 && published == 0) {
            throw new IllegalStateException("nothing was published");
        }
    }

    @Benchmark
    public ModelKafkaEventOutput executeEffect() {
        return check(node.executeEffect(inputs[next++ & (Events.COUNT - 1)]).join());
    }

    /** With a deadline (the runner's 30 s): what the timer that answers at the deadline costs. */
    @Benchmark
    public ModelKafkaEventOutput executeEffectWithDeadline() {
        return check(node.executeEffect(inputs[next++ & (Events.COUNT - 1)],
                ExecutionContext.builder().deadlineAfter(Sink.RUNNER_DEADLINE).build()).join());
    }

    /** As the runner calls it: a deadline and an idempotency key (the event id derives from it). */
    @Benchmark
    public ModelKafkaEventOutput executeEffectAsTheRunnerCalls() {
        int i = next++ & (Events.COUNT - 1);
        return check(node.executeEffect(inputs[i], ExecutionContext.builder().idempotencyKey(idempotencyKeys[i])
                .deadlineAfter(Sink.RUNNER_DEADLINE).build()).join());
    }

    /**
     * The node with a Prometheus registry bound, as {@code onex serve} binds one: its events counted and its publish
     * timer (decaying percentiles) recorded in that registry as well as in the node's own.
     */
    @State(Scope.Thread)
    public static class Bound {
        private final NodeCpuBenchmark inner = new NodeCpuBenchmark();

        @Setup(Level.Trial)
        public void setUp() {
            inner.setUp();
            inner.node.bindTo(new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                    io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            inner.tearDown();
        }
    }

    /** {@link #executeEffectAsTheRunnerCalls} with a Prometheus registry bound: the host's case, meters on. */
    @Benchmark
    public ModelKafkaEventOutput executeEffectInTheHost(Bound bound) {
        return bound.inner.executeEffectAsTheRunnerCalls();
    }

    private static ModelKafkaEventOutput check(ModelKafkaEventOutput out) {
        if (!out.success()) {
            throw new IllegalStateException(out.error());
        }
        return out;
    }
}
