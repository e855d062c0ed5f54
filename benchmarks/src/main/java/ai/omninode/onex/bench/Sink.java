package ai.omninode.onex.bench;

import ai.omninode.onex.kafka.ModelKafkaEventInput;
import ai.omninode.onex.kafka.ModelKafkaEventOutput;
import ai.omninode.onex.kafka.NodeKafkaEventEffect;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Something that publishes event {@code i}: the node, or a raw producer with the same bytes. */
interface Sink extends AutoCloseable {
    String name();

    /** Starts publishing event {@code i}; counts it in {@code ended} when it ended, and in {@code failures} if it failed. */
    void sendAsync(int i, AtomicLong ended, LongAdder failures);

    /** Publishes event {@code i} and waits for the acknowledgement. */
    void sendAwait(int i) throws Exception;

    @Override
    void close();

    record Raw(String name, Producer<byte[], byte[]> producer, ProducerRecord<byte[], byte[]>[] records) implements Sink {
        @Override
        public void sendAsync(int i, AtomicLong ended, LongAdder failures) {
            producer.send(records[i], (md, e) -> {
                if (e != null) {
                    failures.increment();
                }
                ended.incrementAndGet();
            });
        }

        @Override
        public void sendAwait(int i) throws Exception {
            producer.send(records[i]).get();
        }

        @Override
        public void close() {
            producer.close();
        }
    }

    record Node(String name, NodeKafkaEventEffect node, ModelKafkaEventInput[] inputs) implements Sink {
        @Override
        public void sendAsync(int i, AtomicLong ended, LongAdder failures) {
            node.executeEffect(inputs[i]).whenComplete((out, e) -> {
                if (e != null || !out.success()) {
                    failures.increment();
                }
                ended.incrementAndGet();
            });
        }

        @Override
        public void sendAwait(int i) throws Exception {
            ModelKafkaEventOutput out = node.executeEffect(inputs[i]).get();
            if (!out.success()) {
                throw new IllegalStateException("publish failed: " + out.error());
            }
        }

        @Override
        public void close() {
            node.shutdown();
        }
    }
}
