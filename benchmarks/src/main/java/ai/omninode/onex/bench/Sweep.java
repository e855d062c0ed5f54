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
            new Candidate("linger 0, batch 16 KiB, none", Map.of("linger.ms", "0", "batch.size", "16384", "compression.type", "none")),
            new Candidate("linger 0, batch 64 KiB, none", Map.of("linger.ms", "0", "batch.size", "65536", "compression.type", "none")),
            new Candidate("linger 0, batch 64 KiB, lz4", Map.of("linger.ms", "0", "batch.size", "65536", "compression.type", "lz4")),
            new Candidate("linger 1, batch 64 KiB, lz4", Map.of("linger.ms", "1", "batch.size", "65536", "compression.type", "lz4")),
            new Candidate("linger 5, batch 64 KiB, lz4", Map.of("linger.ms", "5", "batch.size", "65536", "compression.type", "lz4")),
            new Candidate("linger 5, batch 16 KiB, none (Kafka 4 client defaults)",
                    Map.of("linger.ms", "5", "batch.size", "16384", "compression.type", "none")));

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
