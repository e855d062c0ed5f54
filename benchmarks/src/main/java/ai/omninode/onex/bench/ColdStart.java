package ai.omninode.onex.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * (f) {@code onex run examples/document_ingestion.yaml} as a new process against the running broker: wall time from
 * spawning it to its DOCUMENT_INGESTED event being appended (the topic uses LogAppendTime, stamped by the broker in
 * this JVM, so both ends read the same clock), and to the process exiting.
 */
final class ColdStart {
    static final String TOPIC_PREFIX = "coldstart";
    static final String TOPIC = TOPIC_PREFIX + ".enrichment.completed.v1";

    private ColdStart() {
    }

    static Report.ColdStartResult run(Path repo, String bootstrap, int runs, EmbeddedBrokerTopics topics) throws Exception {
        Path onex = repo.resolve("workflow-runner/target/onex/bin/onex");
        if (!Files.isExecutable(onex)) {
            System.err.println("(f) skipped: " + onex + " is missing; build it with ./mvnw -B -q package -DskipTests");
            return null;
        }
        topics.create(TOPIC, Map.of("message.timestamp.type", "LogAppendTime"));
        List<String> command = List.of(onex.toString(), "run", "examples/document_ingestion.yaml", "--input-file",
                "examples/document_ingestion.input.json");
        System.err.printf("(f) CLI cold start: %d runs of %s%n", runs, String.join(" ", command));
        List<Double> toPublish = new ArrayList<>();
        List<Double> toExit = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        int failures = 0;
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("key.deserializer", ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> parts = new ArrayList<>();
            consumer.partitionsFor(TOPIC).forEach(p -> parts.add(new TopicPartition(TOPIC, p.partition())));
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            parts.forEach(consumer::position);
            for (int i = -1; i < runs; i++) { // one warm-up run: the page cache, not the JVM, is what it warms
                ProcessBuilder pb = new ProcessBuilder(command).directory(repo.toFile()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
                pb.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
                pb.environment().put("KAFKA_TOPIC_PREFIX", TOPIC_PREFIX);
                double cpu0 = MachineLoad.childrenCpuSeconds();
                long spawnedAt = System.currentTimeMillis();
                long t0 = System.nanoTime();
                Process p = pb.start();
                ConsumerRecord<byte[], byte[]> event = null;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (event == null && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(20))) {
                        event = event == null ? rec : event;
                    }
                }
                boolean exited = p.waitFor(30, TimeUnit.SECONDS);
                double exitMs = (System.nanoTime() - t0) / 1e6;
                double cpuS = MachineLoad.childrenCpuSeconds() - cpu0;
                if (!exited) {
                    p.destroyForcibly();
                }
                if (event == null || !exited || p.exitValue() != 0) {
                    failures++;
                    System.err.printf("  cold start run %d failed (event %s, exit %s)%n", i + 1, event != null,
                            exited ? p.exitValue() : "none");
                    continue;
                }
                double publishMs = event.timestamp() - spawnedAt;
                if (i >= 0) {
                    toPublish.add(publishMs);
                    toExit.add(exitMs);
                    cpu.add(cpuS * 1000);
                }
                System.err.printf("  cold start run %d/%d: event appended after %.0f ms, exit after %.0f ms, %.2f s CPU%n",
                        i + 1, runs, publishMs, exitMs, cpuS);
            }
        }
        return new Report.ColdStartResult(toPublish, toExit, cpu, failures, "KAFKA_BOOTSTRAP_SERVERS=<broker> KAFKA_TOPIC_PREFIX="
                + TOPIC_PREFIX + " " + repo.relativize(onex) + " run examples/document_ingestion.yaml --input-file "
                + "examples/document_ingestion.input.json");
    }

    /** Creates topics on the benchmark's broker. */
    interface EmbeddedBrokerTopics {
        void create(String topic, Map<String, String> config);
    }
}
