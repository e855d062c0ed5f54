package ai.omninode.onex.bench;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The producers' own cumulative counters (kafka-clients' JMX metrics, {@code kafka.producer:type=producer-metrics}):
 * records sent, produce requests and bytes out. Over a round they tell how many records one request carried, which
 * is what a slower sender changes under {@code linger.ms=0}: fewer records per request, so more I/O-thread and
 * broker work per record.
 */
final class ProducerStats {
    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

    private ProducerStats() {
    }

    /** Per producer {@code client-id}: [record-send-total, request-total, outgoing-byte-total]. */
    static Map<String, double[]> snapshot() {
        Map<String, double[]> out = new HashMap<>();
        try {
            for (ObjectName name : SERVER.queryNames(new ObjectName("kafka.producer:type=producer-metrics,*"), null)) {
                out.put(name.getKeyProperty("client-id"), new double[] {number(name, "record-send-total"),
                    number(name, "request-total"), number(name, "outgoing-byte-total")});
            }
        } catch (JMException | RuntimeException e) {
            // no JMX reporter (metric.reporters changed): the columns stay empty
        }
        return out;
    }

    private static double number(ObjectName name, String attribute) throws JMException {
        return SERVER.getAttribute(name, attribute) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /**
     * [records per request, bytes out per record] of the producer that sent the round's records (the one whose
     * record count grew most between the snapshots), or null.
     */
    static double[] round(Map<String, double[]> before, Map<String, double[]> after) {
        double[] best = null;
        double most = 0;
        for (Map.Entry<String, double[]> e : after.entrySet()) {
            double[] b = before.getOrDefault(e.getKey(), new double[3]);
            double records = e.getValue()[0] - b[0];
            if (records > most) {
                most = records;
                double requests = e.getValue()[1] - b[1];
                best = new double[] {requests > 0 ? records / requests : Double.NaN, (e.getValue()[2] - b[2]) / records};
            }
        }
        return best;
    }
}
