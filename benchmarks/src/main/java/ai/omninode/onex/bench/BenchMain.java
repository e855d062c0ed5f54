package ai.omninode.onex.bench;

import ai.omninode.onex.kafka.ModelKafkaEventConfig;
import ai.omninode.onex.kafka.ModelKafkaEventInput;
import ai.omninode.onex.kafka.NodeKafkaEventEffect;
import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.utils.internals.AppInfoParser;

/**
 * Runs every benchmark and prints one table (Markdown). Usage:
 * <pre>java -jar benchmarks/target/onex-benchmarks.jar [--quick] [--rounds N] [--skip jmh,pipelined,sequential,peers,peers-pipelined,peers-sequential,sweep,runner,cli]</pre>
 * ({@code --peers} runs only (g), the node against KafkaTemplate and hand-written senders, in a few minutes;
 * {@code --broker} only starts the broker and prints its address; {@code --profile-node}, {@code --profile-raw},
 * {@code --profile-jackson}, {@code --profile-template} run one sender pipelined for a minute, for a profiler.)
 * Run it from the repository root: (e) and (f) use {@code examples/} and {@code workflow-runner/target/onex}.
 * JMH runs first, in a forked JVM, while nothing else runs; then one in-process broker starts and the broker-bound
 * scenarios run in interleaved rounds after warm-up rounds.
 */
public final class BenchMain {
    static final int PARTITIONS = 3;
    static final String PREFIX = "bench";

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        // the first ListOffsets right after CreateTopics is answered with UNKNOWN_TOPIC_OR_PARTITION: harmless
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka.clients.admin.internals", "off");
        boolean quick = false;
        String profile = null;
        int rounds = -1;
        Set<String> skip = new HashSet<>();
        List<String> senders = new ArrayList<>();
        String usage = "usage: onex-benchmarks [--quick] [--rounds N] [--skip jmh,pipelined,sequential,peers,peers-pipelined,peers-sequential,sweep,runner,cli]"
                + " | --peers [--quick] [--rounds N] [--senders NAME,...] | --broker | --profile-node | --profile-raw | --profile-jackson"
                + " | --profile-template";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--skip" -> skip.addAll(Arrays.asList(args[++i].split(",")));
                case "--profile-node" -> profile = "node";
                case "--profile-raw" -> profile = "raw";
                case "--profile-jackson" -> profile = "jackson";
                case "--profile-template" -> profile = "template";
                case "--broker" -> profile = "broker";
                // (g) alone: the peers, pipelined and one at a time, nothing else
                case "--peers" -> skip.addAll(List.of("jmh", "pipelined", "sequential", "sweep", "runner", "cli"));
                // (g) with some of its senders (and the node): names as in Peers.TOPICS, e.g. "node,hand-written Jackson"
                case "--senders" -> senders.addAll(Arrays.asList(args[++i].split(",")));
                case "--help", "-h" -> {
                    System.out.println(usage);
                    return;
                }
                default -> {
                    System.err.println(usage);
                    System.exit(2);
                }
            }
        }
        for (String s : senders) {
            if (!Peers.TOPICS.containsKey(s)) {
                System.err.println("--senders: no sender " + s + "; senders are " + String.join(", ", Peers.TOPICS.keySet()));
                System.exit(2);
            }
        }
        if (rounds < 0) {
            rounds = quick ? 3 : 9;
        }
        Report report = new Report(quick, rounds);
        long t0 = System.nanoTime();
        MachineLoad load = MachineLoad.start();
        report.loadBefore = MachineLoad.loadAverage();

        // --broker and --profile-*: no table is printed, so the JMH part (a minute of every core) is not run
        if (profile == null && !skip.contains("jmh")) {
            System.err.println("(d) JMH: the node's CPU per event, no broker (forked JVM) ...");
            Path log = Files.createTempFile("onex-jmh-", ".log");
            report.jmh = Jmh.run(quick, log);
            System.err.println("    JMH log: " + log);
        }

        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
                .config("log.retention.check.interval.ms", "10000")
                .build()) {
            long b0 = System.nanoTime();
            broker.start();
            System.err.printf("broker up on %s in %d ms%n", broker.bootstrapServers(), (System.nanoTime() - b0) / 1_000_000);
            Map<String, String> topicConfig = Map.of("segment.bytes", String.valueOf(64 << 20),
                    "retention.bytes", String.valueOf(192 << 20));
            for (String t : List.of("events", "raw", "seq-node", "seq-raw", "seq-raw0", "seq-python", "sweep")) {
                broker.createTopic(PREFIX + "." + t, PARTITIONS, topicConfig);
            }
            String bootstrap = broker.bootstrapServers();
            ModelKafkaEventConfig nodeConfig = ModelKafkaEventConfig.builder()
                    .bootstrapServers(bootstrap).topicPrefix(PREFIX).build();
            report.nodeProducerSettings = producerSettings(nodeConfig.kafkaProperties());
            ModelKafkaEventInput[] inputs = Events.inputs("events");
            ProducerRecord<byte[], byte[]>[] rawRecords = Events.records(inputs, PREFIX + ".raw");
            report.envelopeBytes = Events.envelopeBytes(rawRecords);

            if ("broker".equals(profile)) {
                // a broker for measuring by hand (onex run against it); stops when stdin closes
                System.out.println("KAFKA_BOOTSTRAP_SERVERS=" + broker.bootstrapServers());
                System.out.flush();
                while (System.in.read() >= 0) {
                    // wait
                }
                return;
            }
            if (profile != null) {
                // for a profiler (JFR): the node or the raw producer alone, pipelined, for a minute
                try (Sink sink = switch (profile) {
                    case "node" -> nodeSink("node", nodeConfig, "events");
                    case "jackson" -> Peers.sink(Peers.JACKSON, nodeConfig, null);
                    case "template" -> Peers.sink(Peers.TEMPLATE, nodeConfig, null);
                    default -> new Sink.Raw("raw", producer(nodeConfig, Map.of()), rawRecords);
                }) {
                    if (!profile.equals("raw") && !profile.equals("node")) {
                        broker.createTopic(PREFIX + "." + Peers.TOPICS.get(sink.name()), PARTITIONS, topicConfig);
                    }
                    long end = System.nanoTime() + 60_000_000_000L;
                    BrokerBench.Series series = new BrokerBench.Series(profile);
                    BrokerBench.verbose = true;
                    for (int r = 1; System.nanoTime() < end; r++) {
                        BrokerBench.pipelinedRound(sink, 300_000, 10_000, series);
                        BrokerBench.progress(profile + " pipelined, round " + r, Map.of(profile, series));
                    }
                }
                return;
            }
            if (!skip.contains("pipelined")) {
                int n = quick ? 100_000 : 300_000;
                int window = 10_000;
                System.err.printf("(a)/(b) pipelined: %d events per round, %d in flight, %d rounds%n", n, window, rounds);
                try (Sink node = nodeSink("node", nodeConfig, "events");
                        Sink raw = new Sink.Raw("raw", producer(nodeConfig, Map.of()), rawRecords);
                        Sink rawSerializing = Sink.Raw.serializing("raw-serializing", producer(nodeConfig, Map.of()),
                                inputs, PREFIX + ".raw")) {
                    report.pipelined = BrokerBench.pipelined(List.of(raw, node, rawSerializing), rounds, 3, n, window);
                    report.pipelinedN = n;
                    report.pipelinedWindow = window;
                    report.nodeMetrics = ((Sink.Node) node).node().getMetrics();
                }
            }

            if (!skip.contains("sequential")) {
                int n = 4000;
                long maxMs = quick ? 400 : 800;
                System.err.printf("(c) sequential: up to %d awaited events or %d ms per round, %d rounds%n", n, maxMs, rounds);
                try (Sink node = nodeSink("node", nodeConfig, "seq-node");
                        Sink raw = new Sink.Raw("raw, node settings", producer(nodeConfig, Map.of()),
                                Events.records(inputs, PREFIX + ".seq-raw"));
                        // the baseline: acks=all, idempotent, client defaults but linger.ms=0 (no lz4, 16 KiB)
                        Sink raw0 = new Sink.Raw("raw, linger.ms=0", producer(nodeConfig, Map.of("linger.ms", "0",
                                "compression.type", "none", "batch.size", "16384")),
                                Events.records(inputs, PREFIX + ".seq-raw0"));
                        Sink python = new Sink.Raw("raw, Python original's settings (linger.ms=10)",
                                producer(nodeConfig, Map.of("linger.ms", "10")),
                                Events.records(inputs, PREFIX + ".seq-python"))) {
                    report.sequential = BrokerBench.sequential(List.of(node, raw, raw0, python), rounds, 3, n, maxMs);
                }
            }

            if (!skip.contains("peers")) {
                report.peers = Peers.run(nodeConfig, topic -> broker.createTopic(topic, PARTITIONS, topicConfig),
                        rounds, quick, !skip.contains("peers-pipelined"), !skip.contains("peers-sequential"), senders);
            }

            if (!skip.contains("sweep")) {
                report.sweep = Sweep.run(nodeConfig, inputs, quick ? 3 : Math.max(3, rounds / 2 + 1), quick);
            }

            Path repo = Path.of("").toAbsolutePath();
            boolean inRepo = Files.exists(repo.resolve("examples/document_ingestion.yaml"));
            if (!inRepo && !(skip.contains("runner") && skip.contains("cli"))) {
                System.err.println("(e)/(f) skipped: run from the repository root (examples/document_ingestion.yaml not found)");
            }
            if (inRepo && !skip.contains("runner")) {
                broker.createTopic(PREFIX + ".enrichment.completed.v1", PARTITIONS, topicConfig);
                report.runner = RunnerBench.run(repo, bootstrap, quick ? 3 : rounds, quick);
            }
            if (inRepo && !skip.contains("cli")) {
                report.coldStart = ColdStart.run(repo, bootstrap, quick ? 3 : Math.max(5, rounds),
                        (topic, config) -> broker.createTopic(topic, PARTITIONS, config));
            }
        }
        report.totalSeconds = (System.nanoTime() - t0) / 1e9;
        report.loadAfter = MachineLoad.loadAverage();
        report.machineUse = load.since();
        System.out.println(report.render());
    }

    static Sink nodeSink(String name, ModelKafkaEventConfig config, String topic) {
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, config);
        node.initialize();
        ModelKafkaEventInput[] base = Events.inputs(topic);
        return new Sink.Node(name, node, base);
    }

    /** A raw producer with the node's exact producer settings, changed by {@code overrides}. */
    static KafkaProducer<byte[], byte[]> producer(ModelKafkaEventConfig nodeConfig, Map<String, String> overrides) {
        Map<String, Object> props = new HashMap<>(nodeConfig.kafkaProperties());
        props.putAll(overrides);
        return new KafkaProducer<>(props);
    }

    static Map<String, String> producerSettings(Map<String, Object> props) {
        Map<String, String> out = new LinkedHashMap<>();
        props.forEach((k, v) -> {
            if (!k.endsWith("serializer") && !k.equals("bootstrap.servers")) {
                out.put(k, String.valueOf(v));
            }
        });
        return out;
    }

    static String machine() {
        StringBuilder sb = new StringBuilder();
        sb.append("- CPUs: ").append(Runtime.getRuntime().availableProcessors()).append(" (").append(cpuModel()).append(")\n");
        sb.append("- memory: ").append(memTotal()).append('\n');
        sb.append("- JDK: ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append(", max heap ")
                .append(Runtime.getRuntime().maxMemory() >> 20).append(" MiB, GC ")
                .append(ManagementFactory.getGarbageCollectorMXBeans().get(0).getName()).append(", args ")
                .append(ManagementFactory.getRuntimeMXBean().getInputArguments()).append('\n');
        sb.append("- kafka-clients and broker: ").append(AppInfoParser.getVersion()).append(" (broker in this JVM)\n");
        return sb.toString();
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    private static String memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return String.format(Locale.ROOT, "%.1f GiB", kb / 1024.0 / 1024.0);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return "?";
    }

    static List<String> list(String... s) {
        return new ArrayList<>(List.of(s));
    }
}
