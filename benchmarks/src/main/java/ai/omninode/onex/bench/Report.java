package ai.omninode.onex.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Everything measured in one run, and the table it prints. */
final class Report {
    final boolean quick;
    final int rounds;
    double totalSeconds;
    String loadBefore;
    String loadAfter;
    double[] machineUse;
    int envelopeBytes;
    Map<String, String> nodeProducerSettings;
    List<Jmh.Row> jmh;
    Map<String, BrokerBench.Series> pipelined;
    int pipelinedN;
    int pipelinedWindow;
    Map<String, Object> nodeMetrics;
    Map<String, BrokerBench.Series> sequential;
    Peers.Result peers;
    List<Sweep.Row> sweep;
    RunnerResult runner;
    ColdStartResult coldStart;
    private final List<String[]> targets = new ArrayList<>();

    record RunnerResult(String what, BrokerBench.Series series) {
    }

    record ColdStartResult(List<Double> toPublishMs, List<Double> toExitMs, List<Double> cpuMs, int failures, String command) {
    }

    Report(boolean quick, int rounds) {
        this.quick = quick;
        this.rounds = rounds;
    }

    String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("## onex-benchmarks").append(quick ? " (--quick)" : "").append("\n\n");
        sb.append(BenchMain.machine());
        sb.append(String.format(Locale.ROOT, "- rounds: %d measured per scenario, interleaved, after warm-up; total %.0f s%n",
                rounds, totalSeconds));
        if (machineUse != null) {
            sb.append(String.format(Locale.ROOT, "- machine use during the run: %.0f %% of all cores busy, %.0f %% by other "
                    + "processes (load average %s before, %s after)%n", machineUse[0], machineUse[1], loadBefore, loadAfter));
        }
        sb.append("- envelope: ").append(envelopeBytes).append(" bytes of JSON, 36-byte key, 4 headers (correlation_id, event_type, event_id, traceparent); topics with ")
                .append(BenchMain.PARTITIONS).append(" partitions\n");
        if (nodeProducerSettings != null) {
            sb.append("- node producer settings (raw uses the same unless noted): ").append(nodeProducerSettings).append('\n');
        }
        sb.append('\n');

        if (pipelined != null) {
            BrokerBench.Series raw = pipelined.get("raw");
            BrokerBench.Series node = pipelined.get("node");
            sb.append(String.format(Locale.ROOT, "### (a)/(b) Pipelined: %,d events per round, %,d in flight%n%n",
                    pipelinedN, pipelinedWindow));
            sb.append("| sender | median records/s | min–max | CPU ns/record: sending thread | producer I/O thread "
                    + "| broker and rest | failed |\n|---|---:|---:|---:|---:|---:|---:|\n");
            BrokerBench.Series rawSerializing = pipelined.get("raw-serializing");
            for (BrokerBench.Series s : rawSerializing == null ? List.of(raw, node) : List.of(raw, node, rawSerializing)) {
                sb.append(String.format(Locale.ROOT, "| %s | %,.0f | %s | %,.0f | %,.0f | %,.0f | %d |%n", s.name.equals("raw")
                        ? "(a) raw KafkaProducer, pre-serialized envelopes" : s.name.equals("node")
                        ? "(b) NodeKafkaEventEffect.executeEffect"
                        : "raw KafkaProducer building each envelope (id, timestamp, JSON, headers) as the node does",
                        s.rate(), Stats.spread(s.rates, "%,.0f"), Stats.median(s.cpuSender), Stats.median(s.cpuIo),
                        Stats.median(s.cpuRest), s.failures));
            }
            double ratio = node.rate() / raw.rate();
            double roundRatio = Stats.median(perRound(node.rates, raw.rates));
            sb.append(String.format(Locale.ROOT, "%nnode / raw: %.3f (ratio of medians), %.3f (median of per-round ratios)%n",
                    ratio, roundRatio));
            if (rawSerializing != null) {
                sb.append(String.format(Locale.ROOT, "raw building envelopes / raw: %.3f; node / raw building envelopes: %.3f "
                        + "(medians of per-round ratios)%n", Stats.median(perRound(rawSerializing.rates, raw.rates)),
                        Stats.median(perRound(node.rates, rawSerializing.rates))));
            }
            sb.append('\n');
            target("pipelined node throughput ≥ 0.95 × raw", String.format(Locale.ROOT, "%.3f ×", roundRatio), roundRatio >= 0.95);
        }

        if (sequential != null) {
            sb.append("### (c) One event at a time, awaited\n\n");
            sb.append("| sender | median rate/s | median p50 ms | median p99 ms | failed |\n|---|---:|---:|---:|---:|\n");
            for (BrokerBench.Series s : sequential.values()) {
                String label = s.name.equals("raw, linger.ms=0")
                        ? "raw, linger.ms=0 (no compression, 16 KiB batches: the client's defaults otherwise)" : s.name;
                sb.append(String.format(Locale.ROOT, "| %s | %,.0f | %.3f | %.3f | %d |%n", label, s.rate(), s.p50(),
                        s.p99(), s.failures));
            }
            BrokerBench.Series node = sequential.get("node");
            BrokerBench.Series raw0 = sequential.get("raw, linger.ms=0");
            BrokerBench.Series python = sequential.values().stream().filter(s -> s.name.contains("Python")).findFirst().orElseThrow();
            BrokerBench.Series rawNode = sequential.get("raw, node settings");
            double dp50 = Stats.median(perRoundDiff(node.p50, raw0.p50));
            double dp50Same = Stats.median(perRoundDiff(node.p50, rawNode.p50));
            double times = Stats.median(perRound(node.rates, python.rates));
            sb.append(String.format(Locale.ROOT, "%nnode p50 − raw (linger.ms=0) p50: %+.3f ms (median of per-round differences); "
                    + "node p50 − raw (node settings) p50: %+.3f ms%n", dp50, dp50Same));
            sb.append(String.format(Locale.ROOT, "node rate / Python original's settings: %.1f × (median of per-round ratios)%n%n", times));
            target("sequential node p50 within 0.1 ms of raw send().get(), linger.ms=0",
                    String.format(Locale.ROOT, "%+.3f ms", dp50), dp50 <= 0.1);
            target("sequential node rate ≥ 30 × Python original's settings", String.format(Locale.ROOT, "%.1f ×", times), times >= 30);
        }

        if (jmh != null) {
            sb.append("### (d) The node's CPU per event, no broker (JMH, forked JVM, GC profiler)\n\n");
            sb.append("| benchmark | median ns/op | min–max | allocated B/op | iterations |\n|---|---:|---:|---:|---:|\n");
            double total = Double.NaN;
            for (Jmh.Row r : jmh) {
                sb.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f–%,.0f | %,.0f | %d |%n", r.benchmark(), r.medianNs(),
                        r.minNs(), r.maxNs(), r.bytesPerOp(), r.iterations()));
                if (r.benchmark().endsWith("executeEffect")) {
                    total = r.medianNs();
                }
            }
            sb.append('\n');
            if (!Double.isNaN(total)) {
                target("node CPU per event ≤ 3 µs (JMH)", String.format(Locale.ROOT, "%.2f µs", total / 1000), total <= 3000);
            }
        }

        if (peers != null) {
            renderPeers(sb);
        }

        if (sweep != null) {
            sb.append("### Producer defaults: candidates on the raw producer (node's other settings)\n\n");
            sb.append("| linger, batch.size, compression | pipelined median records/s | pipelined CPU ns/record: sender, "
                    + "I/O thread, broker | awaited median rate/s | awaited p50 ms | awaited p99 ms |\n");
            sb.append("|---|---:|---:|---:|---:|---:|\n");
            for (Sweep.Row r : sweep) {
                BrokerBench.Series p = r.pipelined();
                sb.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f, %,.0f, %,.0f | %,.0f | %.3f | %.3f |%n",
                        r.candidate().label(), p.rate(), Stats.median(p.cpuSender), Stats.median(p.cpuIo),
                        Stats.median(p.cpuRest), r.sequential().rate(), r.sequential().p50(), r.sequential().p99()));
            }
            sb.append('\n');
        }

        if (runner != null) {
            BrokerBench.Series s = runner.series();
            sb.append("### (e) ").append(runner.what()).append("\n\n");
            sb.append(String.format(Locale.ROOT, "median %,.0f runs/s (min–max %s over %d rounds), failed %d%n%n", s.rate(),
                    Stats.spread(s.rates, "%,.0f"), s.rates.size(), s.failures));
        }

        if (coldStart != null) {
            double toPublish = Stats.median(coldStart.toPublishMs());
            sb.append("### (f) CLI cold start to first publish, broker already running\n\n");
            sb.append("`").append(coldStart.command()).append("`\n\n");
            sb.append(String.format(Locale.ROOT, "| measure | median ms | min–max | runs |%n|---|---:|---:|---:|%n"));
            sb.append(String.format(Locale.ROOT, "| spawn → event appended by the broker | %.0f | %s | %d |%n", toPublish,
                    Stats.spread(coldStart.toPublishMs(), "%.0f"), coldStart.toPublishMs().size()));
            sb.append(String.format(Locale.ROOT, "| spawn → process exited | %.0f | %s | %d |%n", Stats.median(coldStart.toExitMs()),
                    Stats.spread(coldStart.toExitMs(), "%.0f"), coldStart.toExitMs().size()));
            if (coldStart.cpuMs().stream().allMatch(c -> c >= 0)) {
                sb.append(String.format(Locale.ROOT, "| CPU time of the onex process (user + system) | %.0f | %s | %d |%n",
                        Stats.median(coldStart.cpuMs()), Stats.spread(coldStart.cpuMs(), "%.0f"), coldStart.cpuMs().size()));
            }
            sb.append(String.format(Locale.ROOT, "%nfailed runs: %d%n%n", coldStart.failures()));
            target("CLI cold start to first publish ≤ 1.5 s", String.format(Locale.ROOT, "%.0f ms", toPublish), toPublish <= 1500);
        }

        if (nodeMetrics != null) {
            sb.append("node metrics after the pipelined rounds: events_published=").append(nodeMetrics.get("events_published"))
                    .append(", events_failed=").append(nodeMetrics.get("events_failed"))
                    .append(", retries_attempted=").append(nodeMetrics.get("retries_attempted")).append("\n\n");
        }

        if (!targets.isEmpty()) {
            sb.append("### Targets (ratios from this run)\n\n| target | measured | met |\n|---|---:|:---:|\n");
            for (String[] t : targets) {
                sb.append("| ").append(t[0]).append(" | ").append(t[1]).append(" | ").append(t[2]).append(" |\n");
            }
        }
        return sb.toString();
    }

    private static final Map<String, String> PEER_LABELS = Map.of(
            Peers.NODE, "node: `NodeKafkaEventEffect.executeEffect`, defaults",
            Peers.TEMPLATE, "Spring Kafka `KafkaTemplate`, `JacksonJsonSerializer` (no type headers), observation off",
            Peers.TEMPLATE_OBSERVED, "`KafkaTemplate` as above, observation on (`ObservationRegistry` + `SimpleMeterRegistry`)",
            Peers.JACKSON, "hand-written: Jackson 3 `JsonMapper.writeValueAsBytes` of the map + `KafkaProducer.send` with a callback",
            Peers.RAW, "raw `KafkaProducer`, pre-serialized distinct envelopes (the limit)",
            Peers.NODE_CONTEXT, "node as the runner calls it: `executeEffect(input, context)` with an idempotency key and a 30 s deadline");

    private void renderPeers(StringBuilder sb) {
        sb.append("### (g) Peers: the node, `KafkaTemplate` and hand-written senders, same rounds\n\n");
        sb.append("Envelope check (one event of each sender read back from the broker):\n\n");
        for (String line : peers.check()) {
            sb.append("- ").append(line).append('\n');
        }
        sb.append('\n');
        Map<String, BrokerBench.Series> pipe = peers.pipelined();
        if (pipe != null) {
            BrokerBench.Series node = pipe.get(Peers.NODE);
            sb.append(String.format(Locale.ROOT, "#### Pipelined: %,d events per round, %,d in flight for every sender%n%n",
                    peers.n(), peers.window()));
            sb.append("| sender | median records/s | worst round | node ÷ sender: median of per-round ratios | worst round's "
                    + "ratio | CPU ns/record: sending thread, I/O thread, broker and rest | records per request, bytes sent per "
                    + "record | GC ms per round: median, worst | failed |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (BrokerBench.Series s : pipe.values()) {
                List<Double> ratios = perRound(node.rates, s.rates);
                sb.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %s | %s | %,.0f, %,.0f, %,.0f | %.0f, %.0f | %.0f, %.0f | %d |%n",
                        PEER_LABELS.getOrDefault(s.name, s.name), s.rate(), s.worst(),
                        s == node ? "—" : String.format(Locale.ROOT, "%.2f ×", Stats.median(ratios)),
                        s == node ? "—" : String.format(Locale.ROOT, "%.2f ×", ratios.stream().mapToDouble(d -> d).min().orElse(Double.NaN)),
                        Stats.median(s.cpuSender), Stats.median(s.cpuIo), Stats.median(s.cpuRest),
                        Stats.median(s.recordsPerRequest), Stats.median(s.bytesPerRecord), Stats.median(s.gcMs),
                        s.gcMs.stream().mapToDouble(d -> d).max().orElse(Double.NaN), s.failures));
            }
            sb.append('\n');
            peerTarget(pipe, Peers.TEMPLATE, "(g) pipelined node ≥ 2.0 × KafkaTemplate (observation off)", 2.0);
            BrokerBench.Series template = pipe.get(Peers.TEMPLATE);
            peerTarget(pipe, Peers.TEMPLATE_OBSERVED, "(g) pipelined node ≥ 2.0 × KafkaTemplate with observation on, and above "
                    + "its ratio to the template without", template == null ? 2.0
                    : Math.max(2.0, Stats.median(perRound(node.rates, template.rates))));
            peerTarget(pipe, Peers.JACKSON, "(g) pipelined node ≥ 1.5 × hand-written Jackson producer", 1.5);
            peerTarget(pipe, Peers.RAW, "(g) pipelined node ≥ 0.75 × raw, pre-serialized distinct envelopes", 0.75);
        }
        Map<String, BrokerBench.Series> seq = peers.sequential();
        if (seq != null) {
            BrokerBench.Series node = seq.get(Peers.NODE);
            sb.append("#### One event at a time, awaited\n\n");
            sb.append("| sender | median rate/s | worst round | node ÷ sender (rate): median of per-round ratios | median p50 ms "
                    + "| median p99 ms | worst round's p99 ms | node p50 − sender p50: median of per-round differences, ms "
                    + "| failed |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (BrokerBench.Series s : seq.values()) {
                sb.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %s | %.3f | %.3f | %.3f | %s | %d |%n",
                        PEER_LABELS.getOrDefault(s.name, s.name), s.rate(), s.worst(),
                        s == node ? "—" : String.format(Locale.ROOT, "%.2f ×", Stats.median(perRound(node.rates, s.rates))),
                        s.p50(), s.p99(), s.p99.stream().mapToDouble(d -> d).max().orElse(Double.NaN),
                        s == node ? "—" : String.format(Locale.ROOT, "%+.3f", Stats.median(perRoundDiff(node.p50, s.p50))),
                        s.failures));
            }
            sb.append('\n');
            if (seq.containsKey(Peers.JACKSON)) {
                double dp50 = Stats.median(perRoundDiff(node.p50, seq.get(Peers.JACKSON).p50));
                target("(g) one at a time: node p50 within 0.05 ms of the hand-written Jackson producer",
                        String.format(Locale.ROOT, "%+.3f ms", dp50), dp50 <= 0.05);
            }
        }
        sb.append(peers.observed()).append(".\n\n");
        sb.append("node metrics after (g): ").append(peers.nodeMetrics()).append("\n\n");
    }

    /** Node ÷ {@code sender}, median of per-round ratios, against {@code min}; nothing if the sender did not run. */
    private void peerTarget(Map<String, BrokerBench.Series> pipe, String sender, String what, double min) {
        BrokerBench.Series s = pipe.get(sender);
        if (s != null) {
            double ratio = Stats.median(perRound(pipe.get(Peers.NODE).rates, s.rates));
            target(what, String.format(Locale.ROOT, "%.2f ×", ratio), ratio >= min);
        }
    }

    private void target(String what, String measured, boolean met) {
        targets.add(new String[] {what, measured, met ? "yes" : "**no**"});
    }

    private static List<Double> perRound(List<Double> a, List<Double> b) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            out.add(a.get(i) / b.get(i));
        }
        return out;
    }

    private static List<Double> perRoundDiff(List<Double> a, List<Double> b) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            out.add(a.get(i) - b.get(i));
        }
        return out;
    }
}
