package ai.omninode.onex.bench;

import ai.omninode.onex.kafka.internal.NodeStepsBenchmark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** Runs the JMH benchmarks (in a forked JVM, before the broker starts) and reduces them to medians. */
final class Jmh {
    record Row(String benchmark, double medianNs, double minNs, double maxNs, double bytesPerOp, int iterations) {
    }

    private Jmh() {
    }

    static List<Row> run(boolean quick, Path log) throws Exception {
        Options options = new OptionsBuilder()
                .include(NodeCpuBenchmark.class.getName())
                .include(NodeStepsBenchmark.class.getName())
                .forks(1)
                .warmupIterations(quick ? 2 : 4)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(quick ? 3 : 7)
                .measurementTime(TimeValue.seconds(1))
                .jvmArgsAppend("-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(true)
                .output(log.toString())
                .build();
        Collection<RunResult> results = new Runner(options).run();
        List<Row> rows = new ArrayList<>();
        for (RunResult rr : results) {
            BenchmarkParams params = rr.getParams();
            String name = params.getBenchmark();
            name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
            List<Double> scores = new ArrayList<>();
            for (BenchmarkResult br : rr.getBenchmarkResults()) {
                for (IterationResult ir : br.getIterationResults()) {
                    scores.add(ir.getPrimaryResult().getScore());
                }
            }
            double bytes = Double.NaN;
            for (Map.Entry<String, Result> e : rr.getSecondaryResults().entrySet()) {
                if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                    bytes = e.getValue().getScore();
                }
            }
            rows.add(new Row(name, Stats.median(scores), scores.stream().mapToDouble(d -> d).min().orElse(0),
                    scores.stream().mapToDouble(d -> d).max().orElse(0), bytes, scores.size()));
        }
        return rows;
    }
}
