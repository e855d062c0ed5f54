package ai.omninode.onex.bench;

import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowLoader;
import ai.omninode.onex.workflow.WorkflowResult;
import ai.omninode.onex.workflow.WorkflowRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * (e) {@code examples/document_ingestion.yaml} runs per second through the runner, in this process: one
 * {@link WorkflowRunner} (nodes initialized once), runs one after another, each ending with its DOCUMENT_INGESTED
 * event acknowledged by the broker.
 */
final class RunnerBench {
    private RunnerBench() {
    }

    /**
     * The runner as {@code onex serve} drives it, without the trigger consumer: {@code --threads} callers run
     * document_ingestion on one runner (with a Prometheus registry, as the host gives it) against an in-process
     * broker, {@code --rounds} of {@code --seconds} after a warm-up of {@code --warmup} seconds (the JIT takes that long),
     * and it prints runs/s and the CPU time per run of each
     * thread group (Java threads only: JIT and GC are not in it, which makes it steadier than the process's total).
     * <pre>java -cp benchmarks/target/onex-benchmarks.jar ai.omninode.onex.bench.RunnerBench --threads 32 --seconds 15</pre>
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new java.util.HashMap<>(Map.of("--threads", "32", "--seconds", "15", "--warmup", "30", "--rounds", "3",
                "--repo", ".", "--node-metrics", "true"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i], args[i + 1]);
        }
        Path repo = Path.of(opt.get("--repo")).toAbsolutePath().normalize();
        int threads = Integer.parseInt(opt.get("--threads"));
        long seconds = Long.parseLong(opt.get("--seconds"));
        int rounds = Integer.parseInt(opt.get("--rounds"));
        Workflow workflow = new WorkflowLoader().load(repo.resolve("examples/document_ingestion.yaml"));
        JsonNode input = JsonMapper.builder().build().readTree(
                Files.readString(repo.resolve("examples/document_ingestion.input.json")));
        var threadBean = java.lang.management.ManagementFactory.getThreadMXBean();
        try (ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker broker =
                        ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker.builder().build().start();
                NodeRegistry registry = NodeRegistry.builder().classLoader(RunnerBench.class.getClassLoader()).build();
                WorkflowRunner runner = WorkflowRunner.builder().registry(registry)
                        .settings(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "KAFKA_TOPIC_PREFIX",
                                "runnerbench"))
                        .meterRegistry(new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT))
                        .nodeMetricsInResults(Boolean.parseBoolean(opt.get("--node-metrics")))
                        .build()) {
            broker.createTopic("runnerbench.enrichment.completed.v1", 3);
            for (int r = -1; r < rounds; r++) { // one warm-up round
                java.util.concurrent.atomic.AtomicLong runs = new java.util.concurrent.atomic.AtomicLong();
                java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
                java.util.concurrent.atomic.AtomicLong callerCpu = new java.util.concurrent.atomic.AtomicLong();
                Map<String, Long> cpu0 = threadCpu(threadBean);
                long t0 = System.nanoTime();
                long end = t0 + (r < 0 ? Long.parseLong(opt.get("--warmup")) : seconds) * 1_000_000_000L;
                List<Thread> callers = new java.util.ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    Thread caller = new Thread(() -> {
                        long own0 = threadBean.getCurrentThreadCpuTime();
                        while (System.nanoTime() < end) {
                            WorkflowResult result = runner.run(workflow, input);
                            if (!result.succeeded() || result.published().size() != 1) {
                                if (failed.getAndIncrement() == 0) {
                                    System.err.println("a run failed: " + result.failure());
                                }
                            }
                            runs.incrementAndGet();
                        }
                        callerCpu.addAndGet(threadBean.getCurrentThreadCpuTime() - own0); // gone before the reading
                    }, "bench-caller-" + t);
                    callers.add(caller);
                    caller.start();
                }
                for (Thread c : callers) {
                    c.join();
                }
                double elapsed = (System.nanoTime() - t0) / 1e9;
                Map<String, Long> cpu1 = threadCpu(threadBean);
                cpu1.merge("callers", callerCpu.get(), Long::sum);
                long n = runs.get();
                StringBuilder out = new StringBuilder();
                long engine = 0;
                List<Map.Entry<String, Long>> used = new java.util.ArrayList<>();
                cpu1.forEach((g, v) -> used.add(Map.entry(g, v - cpu0.getOrDefault(g, 0L))));
                used.sort(Map.Entry.<String, Long>comparingByValue().reversed());
                for (Map.Entry<String, Long> e : used) {
                    if (!e.getKey().equals("broker and the rest")) {
                        engine += e.getValue();
                    }
                    if (e.getValue() > 0) {
                        out.append(String.format(" %s %.3f;", e.getKey(), e.getValue() / 1e6 / n));
                    }
                }
                System.out.printf("%s round %d: %,.0f runs/s, %d failed; CPU ms per run: runner, nodes and callers %.3f"
                        + " (by thread:%s) load %s%n", r < 0 ? "warm-up" : "measured", r + 1, n / elapsed,
                        failed.get(), engine / 1e6 / n, out, MachineLoad.loadAverage());
            }
        }
    }

    /**
     * CPU nanoseconds of this JVM's live threads by group: the runner's threads, its timer, the Kafka node's producer
     * I/O and scheduler, and the rest (the broker); the callers count their own.
     */
    private static Map<String, Long> threadCpu(java.lang.management.ThreadMXBean bean) {
        Map<String, Long> out = new java.util.TreeMap<>();
        long[] ids = bean.getAllThreadIds();
        java.lang.management.ThreadInfo[] infos = bean.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            long cpu = infos[i] == null ? -1 : bean.getThreadCpuTime(ids[i]);
            if (cpu < 0) {
                continue;
            }
            String name = infos[i].getThreadName();
            String group = name.startsWith("onex-step-timer") ? "timer"
                    : name.startsWith("onex-step-") ? "runner threads" : name.startsWith("bench-caller-") ? "callers"
                    : name.startsWith("kafka-producer-network-thread | onex-kafka") ? "node producer I/O"
                    : name.startsWith("onex-kafka") ? "node scheduler" : "broker and the rest";
            out.merge(group, cpu, Long::sum);
        }
        return out;
    }

    static Report.RunnerResult run(Path repo, String bootstrap, int rounds, boolean quick) throws Exception {
        Path workflowFile = repo.resolve("examples/document_ingestion.yaml");
        Path inputFile = repo.resolve("examples/document_ingestion.input.json");
        Workflow workflow = new WorkflowLoader().load(workflowFile);
        JsonNode input = JsonMapper.builder().build().readTree(Files.readString(inputFile));
        long maxMs = quick ? 1000 : 2000;
        System.err.printf("(e) %s through the runner: %d rounds of %d ms%n", repo.relativize(workflowFile), rounds, maxMs);
        BrokerBench.Series series = new BrokerBench.Series("runner");
        try (NodeRegistry registry = NodeRegistry.builder().classLoader(RunnerBench.class.getClassLoader()).build();
                WorkflowRunner runner = WorkflowRunner.builder().registry(registry)
                        .settings(Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap, "KAFKA_TOPIC_PREFIX", BenchMain.PREFIX))
                        .build()) {
            for (int r = -2; r < rounds; r++) { // two warm-up rounds
                long t0 = System.nanoTime();
                long end = t0 + maxMs * 1_000_000;
                int runs = 0;
                int failed = 0;
                while (System.nanoTime() < end) {
                    WorkflowResult result = runner.run(workflow, input);
                    List<?> published = result.published();
                    if (!result.succeeded() || published.size() != 1) {
                        failed++;
                        if (failed == 1 && r == -2) {
                            System.err.println("    a run failed: " + result.failure());
                        }
                    }
                    runs++;
                }
                double rate = runs / ((System.nanoTime() - t0) / 1e9);
                if (r >= 0) {
                    series.rates.add(rate);
                    series.failures += failed;
                    series.events += runs;
                    System.err.printf("  runner round %d/%d: %.0f runs/s%n", r + 1, rounds, rate);
                }
            }
        }
        return new Report.RunnerResult(repo.relativize(workflowFile) + " through the in-process runner, one run after "
                + "another (each ends with DOCUMENT_INGESTED acknowledged)", series);
    }
}
