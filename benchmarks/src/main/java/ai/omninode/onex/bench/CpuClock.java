package ai.omninode.onex.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;

/** CPU time of this JVM's threads in three groups: the sending thread, Kafka producer I/O threads, the rest (the broker). */
final class CpuClock {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** Nanoseconds of CPU: [sender, producer I/O, everything else]. */
    static long[] now(Thread sender) {
        long[] out = new long[3];
        long[] ids = THREADS.getAllThreadIds();
        ThreadInfo[] infos = THREADS.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            if (infos[i] == null) {
                continue;
            }
            long cpu = THREADS.getThreadCpuTime(ids[i]);
            if (cpu < 0) {
                continue;
            }
            String name = infos[i].getThreadName();
            int group = ids[i] == sender.getId() ? 0 : name.startsWith("kafka-producer-network-thread") ? 1 : 2;
            out[group] += cpu;
        }
        return out;
    }

    private CpuClock() {
    }
}
