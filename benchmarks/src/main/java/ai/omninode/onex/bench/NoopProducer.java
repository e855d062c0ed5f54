package ai.omninode.onex.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A producer that acknowledges every record at once, on the caller's thread, and keeps nothing: what is left of a
 * publish is the node's own work. ({@code MockProducer} itself keeps every record in its history and locks.)
 */
public final class NoopProducer extends MockProducer<byte[], byte[]> {
    private static final RecordMetadata ACK = new RecordMetadata(new TopicPartition("noop", 0), 42, 0, 0L, 36, 400);
    private static final Future<RecordMetadata> DONE = CompletableFuture.completedFuture(ACK);

    public NoopProducer() {
        super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
        return DONE;
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
        if (callback != null) {
            callback.onCompletion(ACK, null);
        }
        return DONE;
    }
}
