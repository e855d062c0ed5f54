package ai.omninode.onex.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Reads a JFR recording of a benchmark run and prints, per thread group (the sending thread, each producer's I/O
 * thread by {@code client.id}, the node's scheduler, the broker and the rest), where the CPU samples are (top methods,
 * self and inclusive), what is allocated, and the pauses in the window (collections, safepoints, parks and monitor
 * waits over the recording's threshold, deoptimizations). A window ({@code --from}/{@code --to}, UTC times as the
 * progress lines of {@code --peers} print them) narrows it to one round. Usage:
 * <pre>java -cp benchmarks/target/onex-benchmarks.jar ai.omninode.onex.bench.JfrSummary REC.jfr [--from HH:mm:ss.SSS --to HH:mm:ss.SSS] [--top N]</pre>
 * or, for all pipelined rounds of one sender of a run whose progress (stderr) is in LOG:
 * <pre>... JfrSummary REC.jfr --log LOG --sender "node" [--top N]</pre>
 * or, one line per pipelined round of every sender in LOG (rate, this JVM's and other processes' share of the cores,
 * collection pauses), to tell a slow round caused by the machine from one caused by the sender:
 * <pre>... JfrSummary REC.jfr --log LOG --rounds</pre>
 */
public final class JfrSummary {
    private JfrSummary() {
    }

    public static void main(String[] args) throws IOException {
        Path file = null;
        LocalTime from = null;
        LocalTime to = null;
        Path log = null;
        String sender = null;
        int top = 12;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--from" -> from = LocalTime.parse(args[++i]);
                case "--to" -> to = LocalTime.parse(args[++i]);
                case "--top" -> top = Integer.parseInt(args[++i]);
                case "--log" -> log = Path.of(args[++i]);
                case "--sender" -> sender = args[++i];
                case "--rounds" -> sender = "";
                default -> file = Path.of(args[i]);
            }
        }
        if (file == null || (log == null) != (sender == null)) {
            System.err.println("usage: JfrSummary REC.jfr [--from HH:mm:ss.SSS --to HH:mm:ss.SSS | --log RUN.err --sender NAME"
                    + " | --log RUN.err --rounds] [--top N]");
            System.exit(2);
        }
        List<LocalTime[]> windows = new ArrayList<>();
        if (log != null && sender.isEmpty()) {
            rounds(file, log);
            return;
        }
        if (log != null) {
            // "    node=183,381/s (cpu ns/rec ...) [17:24:46.769–17:24:48.408 UTC, ...]": pipelined rounds only
            java.util.regex.Pattern p = java.util.regex.Pattern.compile("^\\s+" + java.util.regex.Pattern.quote(sender)
                    + "=[0-9,]+/s \\(cpu ns/rec.*\\[([0-9:.]+)–([0-9:.]+) UTC");
            for (String line : java.nio.file.Files.readAllLines(log)) {
                java.util.regex.Matcher m = p.matcher(line);
                if (m.find()) {
                    windows.add(new LocalTime[] {LocalTime.parse(m.group(1)), LocalTime.parse(m.group(2))});
                }
            }
            if (windows.isEmpty()) {
                System.err.println("no pipelined round of " + sender + " in " + log);
                System.exit(1);
            }
        } else {
            windows.add(new LocalTime[] {from == null ? LocalTime.MIN : from, to == null ? LocalTime.MAX : to});
        }
        new JfrSummary().read(file, windows).print(top, windows);
    }

    /** Per thread group: samples, self and inclusive method counts, allocation by class. */
    private static final class Group {
        long samples;
        final Map<String, Long> self = new HashMap<>();
        final Map<String, Long> inclusive = new HashMap<>();
        double allocated;
        final Map<String, Double> allocatedBy = new HashMap<>();
        final Map<String, long[]> blocked = new TreeMap<>();
    }

    private final Map<String, Group> groups = new TreeMap<>();
    private final Map<String, long[]> pauses = new TreeMap<>();
    private final List<String> notable = new ArrayList<>();
    private int cpuLoads;
    private double jvmLoad;
    private double machineLoad;

    /** One line per pipelined round in {@code log}: sender, rate, CPU shares and pauses inside the round (from JFR). */
    private static void rounds(Path file, Path log) throws IOException {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(
                "^\\s+(.+?)=([0-9,]+)/s \\(cpu ns/rec.*\\[([0-9:.]+)–([0-9:.]+) UTC");
        List<Object[]> rounds = new ArrayList<>();
        for (String line : java.nio.file.Files.readAllLines(log)) {
            java.util.regex.Matcher m = p.matcher(line);
            if (m.find()) {
                rounds.add(new Object[] {m.group(1), Double.parseDouble(m.group(2).replace(",", "")),
                    LocalTime.parse(m.group(3)), LocalTime.parse(m.group(4)), new double[4]});
            }
        }
        // per round: [CPULoad samples, JVM share, machine share, pause ms]
        try (RecordingFile rec = new RecordingFile(file)) {
            while (rec.hasMoreEvents()) {
                RecordedEvent e = rec.readEvent();
                String type = e.getEventType().getName();
                if (!type.equals("jdk.CPULoad") && !type.equals("jdk.GarbageCollection")) {
                    continue;
                }
                LocalTime t = LocalTime.ofInstant(e.getStartTime(), ZoneOffset.UTC);
                for (Object[] r : rounds) {
                    double[] acc = (double[]) r[4];
                    // a CPULoad sample covers the second before it: count it for a round it ends in
                    if (t.isBefore((LocalTime) r[2]) || t.isAfter((LocalTime) r[3])) {
                        continue;
                    }
                    if (type.equals("jdk.CPULoad")) {
                        acc[0]++;
                        acc[1] += e.getFloat("jvmUser") + e.getFloat("jvmSystem");
                        acc[2] += e.getFloat("machineTotal");
                    } else {
                        acc[3] += e.getDuration("sumOfPauses").toNanos() / 1e6;
                    }
                }
            }
        }
        System.out.println("| sender | start UTC | records/s | this JVM, % of cores | other processes, % | GC pauses ms |");
        System.out.println("|---|---|---:|---:|---:|---:|");
        for (Object[] r : rounds) {
            double[] acc = (double[]) r[4];
            System.out.printf(Locale.ROOT, "| %s | %s | %,.0f | %s | %s | %.0f |%n", r[0], r[2], (Double) r[1],
                    acc[0] == 0 ? "?" : String.format(Locale.ROOT, "%.0f", 100 * acc[1] / acc[0]),
                    acc[0] == 0 ? "?" : String.format(Locale.ROOT, "%.0f", 100 * Math.max(0, acc[2] - acc[1]) / acc[0]), acc[3]);
        }
    }

    /** Takes the events that overlap one of {@code windows} (a park that began before a round and ended in it, too). */
    private JfrSummary read(Path file, List<LocalTime[]> windows) throws IOException {
        try (RecordingFile rec = new RecordingFile(file)) {
            while (rec.hasMoreEvents()) {
                RecordedEvent e = rec.readEvent();
                LocalTime t = LocalTime.ofInstant(e.getStartTime(), ZoneOffset.UTC);
                LocalTime end = LocalTime.ofInstant(e.getEndTime(), ZoneOffset.UTC);
                for (LocalTime[] w : windows) {
                    if (!end.isBefore(w[0]) && !t.isAfter(w[1])) {
                        take(e);
                        break;
                    }
                }
            }
        }
        return this;
    }

    private void take(RecordedEvent e) {
        String type = e.getEventType().getName();
        switch (type) {
            case "jdk.ExecutionSample" -> {
                Group g = group(e.getThread("sampledThread"));
                g.samples++;
                RecordedStackTrace st = e.getStackTrace();
                if (st == null || st.getFrames().isEmpty()) {
                    return;
                }
                g.self.merge(method(st.getFrames().get(0)), 1L, Long::sum);
                java.util.Set<String> seen = new java.util.HashSet<>();
                for (RecordedFrame f : st.getFrames()) {
                    String m = method(f);
                    if (seen.add(m)) {
                        g.inclusive.merge(m, 1L, Long::sum);
                    }
                }
            }
            case "jdk.ObjectAllocationSample" -> {
                Group g = group(e.getThread("eventThread"));
                double w = e.getLong("weight");
                g.allocated += w;
                g.allocatedBy.merge(e.getClass("objectClass").getName(), w, Double::sum);
            }
            case "jdk.ThreadPark", "jdk.JavaMonitorEnter", "jdk.JavaMonitorWait", "jdk.ThreadSleep" -> {
                Group g = group(e.getThread("eventThread"));
                String where = type.substring(4) + " in " + caller(e.getStackTrace());
                long[] c = g.blocked.computeIfAbsent(where, k -> new long[3]);
                long ns = e.getDuration().toNanos();
                c[0]++;
                c[1] += ns;
                c[2] = Math.max(c[2], ns);
            }
            case "jdk.GarbageCollection", "jdk.SafepointBegin", "jdk.ExecuteVMOperation", "jdk.GCPhasePause" -> {
                String what = type.equals("jdk.GarbageCollection") ? "GC " + e.getString("name") + " (" + e.getString("cause") + ")"
                        : type.equals("jdk.ExecuteVMOperation") ? "VM operation " + e.getString("operation")
                        : type.substring(4);
                long ns = type.equals("jdk.GarbageCollection") ? e.getDuration("sumOfPauses").toNanos() : e.getDuration().toNanos();
                long[] c = pauses.computeIfAbsent(what, k -> new long[3]);
                c[0]++;
                c[1] += ns;
                c[2] = Math.max(c[2], ns);
                if (ns > 20_000_000) {
                    notable.add(String.format(Locale.ROOT, "%s %s: %.1f ms", LocalTime.ofInstant(e.getStartTime(), ZoneOffset.UTC),
                            what, ns / 1e6));
                }
            }
            case "jdk.CPULoad" -> {
                // once a second: this JVM's share of all cores next to the machine's, to tell waiting from starving
                cpuLoads++;
                jvmLoad += e.getFloat("jvmUser") + e.getFloat("jvmSystem");
                machineLoad += e.getFloat("machineTotal");
            }
            case "jdk.Deoptimization" -> {
                long[] c = pauses.computeIfAbsent("deoptimizations (count only)", k -> new long[3]);
                c[0]++;
                if (e.getStackTrace() != null) {
                    String m = e.getValue("method") instanceof jdk.jfr.consumer.RecordedMethod rm
                            ? rm.getType().getName() + "." + rm.getName() : "?";
                    if (m.startsWith("ai.omninode")) {
                        notable.add(LocalTime.ofInstant(e.getStartTime(), ZoneOffset.UTC) + " deoptimized " + m + " ("
                                + e.getString("reason") + ")");
                    }
                }
            }
            default -> {
                // not summarised
            }
        }
    }

    /** The first frame outside the JDK's own concurrency and JFR plumbing: who waited. */
    private static String caller(RecordedStackTrace st) {
        if (st == null) {
            return "?";
        }
        for (RecordedFrame f : st.getFrames()) {
            String t = f.getMethod().getType().getName();
            if (!t.startsWith("java.util.concurrent.locks") && !t.startsWith("jdk.internal") && !t.startsWith("java.lang.Thread")
                    && !t.startsWith("java.lang.Object")) {
                return method(f);
            }
        }
        return method(st.getFrames().get(0));
    }

    private static String method(RecordedFrame f) {
        String type = f.getMethod().getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName() + " ("
                + type.substring(0, Math.max(0, type.lastIndexOf('.'))) + ")";
    }

    private Group group(RecordedThread t) {
        return groups.computeIfAbsent(groupName(t), k -> new Group());
    }

    static String groupName(RecordedThread t) {
        String name = t == null ? "?" : t.getJavaName() != null ? t.getJavaName() : t.getOSName();
        if (name == null) {
            return "?";
        }
        if (name.startsWith("kafka-producer-network-thread")) {
            return "I/O thread " + name.substring(name.indexOf('|') + 1).trim();
        }
        if (name.equals("main")) {
            return "sending thread (main)";
        }
        if (name.startsWith("onex-kafka-event-effect")) {
            return "node scheduler";
        }
        return "broker and rest";
    }

    private void print(int top, List<LocalTime[]> windows) {
        double seconds = 0;
        for (LocalTime[] w : windows) {
            seconds += Duration.between(w[0], w[1]).toMillis() / 1000.0;
        }
        System.out.printf(Locale.ROOT, "%d window(s) from %s to %s UTC, %.1f s in all%n%n", windows.size(), windows.get(0)[0],
                windows.get(windows.size() - 1)[1], seconds);
        long allSamples = groups.values().stream().mapToLong(g -> g.samples).sum();
        for (Map.Entry<String, Group> ge : groups.entrySet()) {
            Group g = ge.getValue();
            System.out.printf(Locale.ROOT, "## %s: %d CPU samples (%.0f %% of all), %.0f MB allocated (sampled weight)%n",
                    ge.getKey(), g.samples, 100.0 * g.samples / Math.max(1, allSamples), g.allocated / 1e6);
            if (g.samples > 0) {
                System.out.println("  self:");
                topOf(g.self, top, g.samples);
                System.out.println("  inclusive (ai.omninode, org.springframework, io.micrometer, tools.jackson, kafka producer):");
                Map<String, Long> inc = new HashMap<>();
                g.inclusive.forEach((m, c) -> {
                    if (m.contains("(ai.omninode") || m.contains("(org.springframework") || m.contains("(io.micrometer")
                            || m.contains("(tools.jackson") || m.contains("(org.apache.kafka.clients.producer")) {
                        inc.put(m, c);
                    }
                });
                topOf(inc, top, g.samples);
            }
            if (g.allocated > 0) {
                System.out.println("  allocated by class:");
                g.allocatedBy.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(top)
                        .forEach(a -> System.out.printf(Locale.ROOT, "    %5.1f %%  %s%n", 100 * a.getValue() / g.allocated, a.getKey()));
            }
            if (!g.blocked.isEmpty()) {
                System.out.println("  parked or blocked (events over the recording's threshold): count, total ms, max ms");
                g.blocked.entrySet().stream().sorted(Comparator.comparingLong((Map.Entry<String, long[]> b) -> b.getValue()[1]).reversed())
                        .limit(top).forEach(b -> System.out.printf(Locale.ROOT, "    %6d  %9.1f  %7.1f  %s%n", b.getValue()[0],
                        b.getValue()[1] / 1e6, b.getValue()[2] / 1e6, b.getKey()));
            }
            System.out.println();
        }
        if (cpuLoads > 0) {
            System.out.printf(Locale.ROOT, "## CPU (jdk.CPULoad, %d samples): this JVM %.0f %% of all cores, the machine %.0f %%, "
                    + "other processes %.0f %%%n%n", cpuLoads, 100 * jvmLoad / cpuLoads, 100 * machineLoad / cpuLoads,
                    100 * Math.max(0, machineLoad - jvmLoad) / cpuLoads);
        }
        System.out.println("## pauses in the window: count, total ms, max ms");
        pauses.forEach((k, c) -> System.out.printf(Locale.ROOT, "    %6d  %9.1f  %7.1f  %s%n", c[0], c[1] / 1e6, c[2] / 1e6, k));
        if (!notable.isEmpty()) {
            System.out.println("\n## notable (pauses over 20 ms, deoptimizations of the node's code)");
            notable.stream().limit(60).forEach(n -> System.out.println("    " + n));
        }
    }

    private static void topOf(Map<String, Long> counts, int top, long total) {
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top)
                .forEach(c -> System.out.printf(Locale.ROOT, "    %5.1f %%  %s%n", 100.0 * c.getValue() / total, c.getKey()));
    }
}
