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
