package ai.omninode.onex.bench;

import ai.omninode.onex.kafka.ModelKafkaEventConfig;
import ai.omninode.onex.kafka.ModelKafkaEventInput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Candidate producer defaults (linger, batch size, compression), each measured pipelined and awaited on the raw
 * producer with the node's other settings: the evidence for the node's defaults.
 */
final class Sweep {
    record Candidate(String label, Map<String, String> overrides) {
    }

    record Row(Candidate candidate, BrokerBench.Series pipelined, BrokerBench.Series sequential) {
    }

    static final List<Candidate> CANDIDATES = List.of(
            candidate(0, 16384, "none", " (the node's defaults before issue 6)"),
            candidate(0, 65536, "none", ""),
            candidate(0, 16384, "lz4", ""),
            candidate(0, 65536, "lz4", ""),
            candidate(0, 262144, "lz4", ""),
            candidate(0, 65536, "zstd", ""),
            candidate(1, 65536, "lz4", ""),
            candidate(5, 65536, "lz4", ""),
            candidate(5, 16384, "none", " (Kafka 4 client defaults)"));

    private static Candidate candidate(int linger, int batch, String compression, String note) {
        return new Candidate("linger " + linger + ", batch " + batch / 1024 + " KiB, " + compression + note,
                Map.of("linger.ms", String.valueOf(linger), "batch.size", String.valueOf(batch),
                        "compression.type", compression));
    }

    private Sweep() {
    }

    static List<Row> run(ModelKafkaEventConfig nodeConfig, ModelKafkaEventInput[] inputs, int rounds, boolean quick)
            throws Exception {
        int n = quick ? 100_000 : 200_000;
        System.err.printf("defaults sweep: %d candidates, %d rounds, %d pipelined events per round%n",
                CANDIDATES.size(), rounds, n);
        List<Sink> sinks = new ArrayList<>();
        try {
            for (Candidate c : CANDIDATES) {
                sinks.add(new Sink.Raw(c.label(), BenchMain.producer(nodeConfig, c.overrides()),
                        Events.records(inputs, BenchMain.PREFIX + ".sweep")));
            }
            Map<String, BrokerBench.Series> pipe = BrokerBench.pipelined(sinks, rounds, 1, n, 10_000);
            Map<String, BrokerBench.Series> seq = BrokerBench.sequential(sinks, rounds, 1, 4000, quick ? 300 : 600);
            List<Row> rows = new ArrayList<>();
            for (Candidate c : CANDIDATES) {
                rows.add(new Row(c, pipe.get(c.label()), seq.get(c.label())));
            }
            return rows;
        } finally {
            for (Sink s : sinks) {
                s.close();
            }
        }
    }

    static Map<String, String> describe(Candidate c) {
        return new LinkedHashMap<>(c.overrides());
    }
}
