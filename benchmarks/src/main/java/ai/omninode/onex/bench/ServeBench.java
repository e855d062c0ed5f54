package ai.omninode.onex.bench;

import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Trigger to event through {@code onex serve}: one in-process broker here, {@code instances} serve processes from the
 * installation ({@code workflow-runner/target/onex}) serving {@code examples/document_ingestion.yaml}; triggers (ONEX
 * envelopes, distinct keys) are sent from here and their DOCUMENT_INGESTED events read back here.
 *
 * <ul>
 *   <li><b>throughput</b>: {@code --triggers} sent at once (after a warm-up of the same size), runs/s from the first
 *       send to the last event read;</li>
 *   <li><b>latency</b>: an open-loop load at {@code --rate} triggers/s (default half the measured throughput), first
 *       for {@code --steady-warm-up} seconds not measured (default 60: the JIT recompiles for the open-loop load for
 *       about a minute, see below), then for {@code --seconds} measured; each trigger's latency is its event's broker
 *       timestamp (LogAppendTime) minus its own send time (both from this JVM's clock; millisecond resolution), p50
 *       and p99.</li>
 * </ul>
 *
 * Also printed: the serve processes' CPU time per run during the throughput phase (from /proc), which depends
 * far less on what else runs on the machine than the rates do.
 *
 * {@code java -cp benchmarks/target/onex-benchmarks.jar ai.omninode.onex.bench.ServeBench --instances 1
 * --concurrency 32 --triggers 20000}
 */
public final class ServeBench {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>(Map.of("--instances", "1", "--concurrency", "32", "--triggers", "20000",
                "--seconds", "20", "--steady-warm-up", "60", "--partitions", "6", "--rate", "0", "--repo", ".",
                "--serve-opts", ""));
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i], args[i + 1]);
        }
        Path repo = Path.of(opt.get("--repo")).toAbsolutePath().normalize();
        Path onex = repo.resolve("workflow-runner/target/onex/bin/onex");
        int instances = Integer.parseInt(opt.get("--instances"));
        int triggers = Integer.parseInt(opt.get("--triggers"));
        int partitions = Integer.parseInt(opt.get("--partitions"));
        System.err.println("starting the broker");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
            String prefix = "bench" + UUID.randomUUID().toString().substring(0, 6);
            String requests = prefix + ".documents.ingest.requested.v1";
            String completed = prefix + ".enrichment.completed.v1";
            broker.createTopic(requests, partitions);
            broker.createTopic(completed, 3, Map.of("message.timestamp.type", "LogAppendTime"));
            List<Process> serves = new ArrayList<>();
            List<Path> outs = new ArrayList<>();
            for (int i = 0; i < instances; i++) {
                Path out = Files.createTempFile("serve-" + i, ".out");
                List<String> cmd = new ArrayList<>(List.of(onex.toString(), "serve", "examples/document_ingestion.yaml",
                        "--concurrency", opt.get("--concurrency")));
                ProcessBuilder pb = new ProcessBuilder(cmd).directory(repo.toFile()).redirectOutput(out.toFile())
                        .redirectError(ProcessBuilder.Redirect.INHERIT);
                pb.environment().put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
                pb.environment().put("KAFKA_TOPIC_PREFIX", prefix);
                pb.environment().put("ONEX_OPTS", opt.get("--serve-opts"));
                serves.add(pb.start());
                outs.add(out);
            }
            try {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                for (Path out : outs) {
                    while (!Files.readString(out).contains(" assigned ")) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("serve did not join: " + Files.readString(out));
                        }
                        Thread.sleep(100); // a benchmark harness waiting for a process's output
                    }
                }
                try (KafkaProducer<byte[], byte[]> producer = producer(broker.bootstrapServers());
                        Events events = new Events(broker.bootstrapServers(), completed)) {
                    MachineLoad load = MachineLoad.start();
                    String before = MachineLoad.loadAverage();
                    System.err.println("warm-up: " + triggers + " triggers");
                    burst(producer, events, requests, 0, triggers);
                    System.err.println("throughput: " + triggers + " triggers");
                    double cpu0 = cpuSeconds(serves);
                    Map<String, Long> threads0 = threadTicks(serves);
                    double runsPerSecond = burst(producer, events, requests, triggers, 2 * triggers);
                    double cpuPerRunMs = (cpuSeconds(serves) - cpu0) * 1000 / triggers;
                    printThreadCpu(threads0, threadTicks(serves), triggers);
                    int rate = Integer.parseInt(opt.get("--rate"));
                    if (rate <= 0) {
                        rate = (int) (runsPerSecond / 2);
                    }
                    int seconds = Integer.parseInt(opt.get("--seconds"));
                    int warmSeconds = Integer.parseInt(opt.get("--steady-warm-up"));
                    int next = 2 * triggers;
                    if (warmSeconds > 0) {
                        // the same load, not measured: the bursts above leave the JIT profiles of a batched load and
                        // the open-loop load recompiles; on two cores C2 took 0.26-0.46 of a core for a minute, and p99
                        // at 1,000 runs/s was 52-153 ms in the first 20 s against 19-25 ms after a minute
                        System.err.println("latency warm-up: " + rate + " triggers/s for " + warmSeconds + " s");
                        steady(producer, events, requests, next, rate, warmSeconds);
                        next += rate * warmSeconds;
                    }
                    System.err.println("latency: " + rate + " triggers/s for " + seconds + " s");
                    MachineLoad steadyLoad = MachineLoad.start();
                    double steadyCpu0 = cpuSeconds(serves);
                    Map<String, Long> steadyThreads0 = threadTicks(serves);
                    long[] lat = steady(producer, events, requests, next, rate, seconds);
                    printThreadCpu(steadyThreads0, threadTicks(serves), rate * seconds);
                    double[] steadyUsed = steadyLoad.since();
                    if (steadyUsed != null) {
                        System.err.printf("latency phase: machine %.0f %% busy (of all cores), this JVM (broker, sender,"
                                + " reader) %.0f %%, serve %.2f ms CPU per run%n", steadyUsed[0],
                                steadyUsed[0] - steadyUsed[1],
                                (cpuSeconds(serves) - steadyCpu0) * 1000 / ((double) rate * seconds));
                    }
                    double[] used = load.since();
                    System.out.printf("| %d | %s | %,d | %,.0f | %.2f | %,d | %d | %d | %d | %s | %s |%n", instances,
                            opt.get("--concurrency"), triggers, runsPerSecond, cpuPerRunMs, rate, pct(lat, 50), pct(lat, 99),
                            lat[lat.length - 1], used == null ? "?" : String.format("%.0f %%", used[0]),
                            before + " / " + MachineLoad.loadAverage());
                }
            } finally {
                for (Process p : serves) {
                    p.destroy();
                }
                for (Process p : serves) {
                    if (!p.waitFor(60, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                }
            }
        }
    }

    /** CPU seconds (user + system) the serve processes used so far, from /proc. */
    private static double cpuSeconds(List<Process> serves) {
        double total = 0;
        for (Process p : serves) {
            try {
                String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                total += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // clock ticks (USER_HZ = 100)
            } catch (java.io.IOException | RuntimeException e) {
                return Double.NaN;
            }
        }
        return total;
    }

    /**
     * CPU clock ticks of the serve processes' threads so far, by thread group: the name without its trailing number
     * ("onex-step-12" counts as "onex-step-"), from /proc/PID/task.
     */
    private static Map<String, Long> threadTicks(List<Process> serves) {
        Map<String, Long> ticks = new java.util.TreeMap<>();
        for (Process p : serves) {
            try (var tasks = Files.list(Path.of("/proc/" + p.pid() + "/task"))) {
                for (Path task : (Iterable<Path>) tasks::iterator) {
                    try {
                        String stat = Files.readString(task.resolve("stat"));
                        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        ticks.merge(name.replaceAll("[0-9]+$", ""), Long.parseLong(f[11]) + Long.parseLong(f[12]),
                                Long::sum);
                    } catch (java.io.IOException | RuntimeException gone) {
                        // the thread ended between the listing and the read
                    }
                }
            } catch (java.io.IOException e) {
                return Map.of();
            }
        }
        return ticks;
    }

    /** The CPU ms per run of each thread group during the throughput phase, largest first, on stderr. */
    private static void printThreadCpu(Map<String, Long> before, Map<String, Long> after, int runs) {
        List<Map.Entry<String, Long>> used = new ArrayList<>();
        after.forEach((name, t) -> used.add(Map.entry(name, t - before.getOrDefault(name, 0L))));
        used.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        StringBuilder out = new StringBuilder("CPU ms per run by serve thread (threads that ended are not counted):");
        for (Map.Entry<String, Long> e : used) {
            if (e.getValue() > 0) {
                out.append(String.format(" %s %.3f;", e.getKey(), e.getValue() * 10.0 / runs));
            }
        }
        System.err.println(out);
    }

    private static double burst(KafkaProducer<byte[], byte[]> producer, Events events, String topic, int from, int to)
            throws Exception {
        long t0 = System.nanoTime();
        for (int i = from; i < to; i++) {
            send(producer, events, topic, i);
        }
        producer.flush();
        events.awaitCount(to, Duration.ofMinutes(10));
        return (to - from) / ((System.nanoTime() - t0) / 1e9);
    }

    private static long[] steady(KafkaProducer<byte[], byte[]> producer, Events events, String topic, int from, int rate,
            int seconds) throws Exception {
        int n = rate * seconds;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long due = t0 + (long) (i * 1e9 / rate);
            // parked, not spinning: on two cores a spinning sender takes one whole core from the broker and the host
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            send(producer, events, topic, from + i);
        }
        producer.flush();
        events.awaitCount(from + n, Duration.ofMinutes(10));
        long[] lat = new long[n];
        for (int i = 0; i < n; i++) {
            lat[i] = events.latencyMs.get("doc-" + (from + i));
        }
        Arrays.sort(lat);
        return lat;
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, Events events, String topic, int i) {
        String id = "doc-" + i;
        long now = System.currentTimeMillis();
        events.sentAt.put(id, now);
        String correlation = UUID.randomUUID().toString();
        // the payload is the workflow's input, which its input_schema checks: correlation_id is required there
        String value = "{\"event_id\":\"" + UUID.randomUUID() + "\",\"event_type\":\"DOCUMENT_INGEST_REQUESTED\","
                + "\"correlation_id\":\"" + correlation + "\",\"timestamp\":" + now / 1000.0 + ",\"version\":"
                + "\"1.0.0\",\"source\":{\"service\":\"bench\",\"node_type\":\"kafka_event_effect\",\"node_id\":\"b\"},"
                + "\"payload\":{\"document_id\":\"" + id + "\",\"correlation_id\":\"" + correlation + "\",\"content\":\"Ada Lovelace worked with Charles Babbage"
                + " on the Analytical Engine in London. In 1843 she published the first algorithm meant for a machine."
                + "\",\"metadata\":{\"title\":\"Ada\",\"language\":\"en\"}}}";
        producer.send(new ProducerRecord<>(topic, null, now, id.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8)));
    }

    private static long pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", bootstrap);
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("linger.ms", 0);
        return new KafkaProducer<>(p);
    }

    /** Reads DOCUMENT_INGESTED events on its own thread and keeps each document's first latency. */
    private static final class Events implements AutoCloseable {
        final Map<String, Long> sentAt = new ConcurrentHashMap<>();
        final Map<String, Long> latencyMs = new ConcurrentHashMap<>();
        final AtomicInteger count = new AtomicInteger();
        private final Thread thread;
        private volatile boolean running = true;

        Events(String bootstrap, String topic) {
            Map<String, Object> p = new HashMap<>();
            p.put("bootstrap.servers", bootstrap);
            p.put("key.deserializer", ByteArrayDeserializer.class.getName());
            p.put("value.deserializer", ByteArrayDeserializer.class.getName());
            KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p);
            List<TopicPartition> parts = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            thread = new Thread(() -> {
                try (consumer) {
                    while (running) {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                            JsonNode e = JSON.readTree(r.value());
                            String doc = e.at("/payload/document_id").asString();
                            Long sent = sentAt.get(doc);
                            if (sent != null && latencyMs.putIfAbsent(doc, r.timestamp() - sent) == null) {
                                count.incrementAndGet();
                            }
                        }
                    }
                }
            }, "bench-events");
            thread.start();
        }

        void awaitCount(int n, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            int seen = count.get();
            long progressed = System.nanoTime();
            while (count.get() < n) {
                if (count.get() != seen) {
                    seen = count.get();
                    progressed = System.nanoTime();
                }
                // no event for a minute: the triggers are not running (dead-lettered, say); do not wait the full time
                if (System.nanoTime() > deadline || System.nanoTime() - progressed > TimeUnit.SECONDS.toNanos(60)) {
                    throw new IllegalStateException("only " + count.get() + " of " + n + " events arrived");
                }
                Thread.sleep(5); // a benchmark harness polling a counter
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join();
        }
    }

    private ServeBench() {
    }

}
