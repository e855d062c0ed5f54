package ai.omninode.onex.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much of the machine other processes used while the benchmark ran (from /proc): the benchmark shares its cores
 * with whatever else runs, and that is the first thing to know about its numbers.
 */
final class MachineLoad {
    private final long busy0;
    private final long total0;
    private final long self0;

    private MachineLoad(long[] machine, long self) {
        this.busy0 = machine[0];
        this.total0 = machine[1];
        this.self0 = self;
    }

    static MachineLoad start() {
        return new MachineLoad(machine(), self());
    }

    /** [percent of all cores busy, percent of all cores used by other processes], or null off Linux. */
    double[] since() {
        long[] m = machine();
        long self = self();
        if (m[1] <= total0 || self0 < 0) {
            return null;
        }
        double total = m[1] - total0;
        double busy = m[0] - busy0;
        double ours = self - self0;
        return new double[] {100 * busy / total, Math.max(0, 100 * (busy - ours) / total)};
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    /** CPU seconds of this process's reaped children so far (Linux), or -1. */
    static double childrenCpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split("\\s+");
            return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / 100.0; // USER_HZ is 100 on Linux
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** [busy jiffies, all jiffies] over all CPUs. */
    private static long[] machine() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long user = Long.parseLong(f[1]);
            long nice = Long.parseLong(f[2]);
            long system = Long.parseLong(f[3]);
            long idle = Long.parseLong(f[4]);
            long iowait = Long.parseLong(f[5]);
            long irq = Long.parseLong(f[6]);
            long softirq = Long.parseLong(f[7]);
            long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
            long busy = user + nice + system + irq + softirq + steal;
            return new long[] {busy, busy + idle + iowait};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /** This process's CPU jiffies, its waited-for children included (the JMH fork, the CLI runs). */
    private static long self() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split("\\s+");
            // after the command: state(0) ... utime(11) stime(12) cutime(13) cstime(14)
            return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
