package ai.omninode.onex.host.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes poison triggers to {@code <topic>.dlq}: the original key and value unchanged, the original headers (except
 * earlier {@code dead-letter-*} ones, which are replaced, so a trigger that is dead-lettered again does not pile them
 * up; {@code traceparent} stays), and {@value #REASON}, {@value #TOPIC}, {@value #PARTITION}, {@value #OFFSET},
 * {@value #WORKFLOW}, {@value #GROUP}, and {@value #CORRELATION_ID} when the trigger got as far as having one (UTF-8
 * text). A trigger too large for the dead-letter topic is written with its
 * first {@value #TRUNCATED_BYTES} bytes and {@value #TRUNCATED}, {@value #VALUE_BYTES} and {@value #VALUE_SHA256}. {@link #write} returns only once the broker acknowledged the dead
 * letter, or says it did not: the trigger's offset is committed only after a confirmed dead letter.
 *
 * <p>A missing dead-letter topic is created first ({@link TopicPreparer}).
 */
public final class DeadLetters implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    public static final String SUFFIX = ".dlq";
    public static final String REASON = "dead-letter-reason";
    public static final String TOPIC = "dead-letter-topic";
    public static final String PARTITION = "dead-letter-partition";
    public static final String OFFSET = "dead-letter-offset";
    public static final String WORKFLOW = "dead-letter-workflow";
    public static final String GROUP = "dead-letter-group";
    /** The correlation id the trigger's run had (or would have had): its log lines and events carry the same. */
    public static final String CORRELATION_ID = "dead-letter-correlation-id";
    /** On a dead letter whose value had to be cut to its first {@value #TRUNCATED_BYTES} bytes. */
    public static final String TRUNCATED = "dead-letter-truncated";
    public static final String VALUE_BYTES = "dead-letter-value-bytes";
    public static final String VALUE_SHA256 = "dead-letter-value-sha256";
    static final int TRUNCATED_BYTES = 1024;
    private static final int MAX_REASON_CHARS = 2000;

    private final Producer<byte[], byte[]> producer;
    private final TopicPreparer topics;
    private final Duration ackTimeout;

    public DeadLetters(KafkaSettings settings, String clientId, Duration ackTimeout, TopicPreparer topics) {
        Map<String, Object> p = settings.producer(clientId + "-dlq");
        p.putIfAbsent("delivery.timeout.ms", (int) Math.max(ackTimeout.toMillis(), 15_000));
        p.putIfAbsent("request.timeout.ms", 10_000);
        this.producer = new KafkaProducer<>(p);
        this.topics = topics;
        this.ackTimeout = ackTimeout;
    }

    /** Result of a dead-letter write: confirmed, or the error that makes the host withhold the commit. */
    public record Written(boolean confirmed, String dlqTopic, String error) {
    }

    public Written write(ConsumerRecord<byte[], byte[]> trigger, String reason, String workflow, String group) {
        return write(trigger, reason, workflow, group, null);
    }

    /** {@link #write}, with {@value #CORRELATION_ID} when the trigger's correlation id is known. */
    public Written write(ConsumerRecord<byte[], byte[]> trigger, String reason, String workflow, String group,
            java.util.UUID correlationId) {
        String dlq = trigger.topic() + SUFFIX;
        RecordHeaders headers = new RecordHeaders();
        for (Header h : trigger.headers()) {
            if (!h.key().startsWith("dead-letter-")) {
                headers.add(h);
            }
        }
        String why = reason.length() <= MAX_REASON_CHARS ? reason : reason.substring(0, MAX_REASON_CHARS) + "...";
        headers.add(REASON, utf8(why));
        headers.add(TOPIC, utf8(trigger.topic()));
        headers.add(PARTITION, utf8(Integer.toString(trigger.partition())));
        headers.add(OFFSET, utf8(Long.toString(trigger.offset())));
        headers.add(WORKFLOW, utf8(workflow));
        headers.add(GROUP, utf8(group));
        if (correlationId != null) {
            headers.add(CORRELATION_ID, utf8(correlationId.toString()));
        }
        try {
            topics.ensure(dlq);
            RecordMetadata meta;
            try {
                meta = send(dlq, trigger.key(), trigger.value(), headers);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RecordTooLargeException)) {
                    throw e;
                }
                // too large for the dead-letter topic as it is (a huge trigger): keep its head, size and digest, so
                // that one bad event still never blocks its partition
                byte[] value = trigger.value();
                headers.add(TRUNCATED, utf8("true"));
                headers.add(VALUE_BYTES, utf8(Integer.toString(value.length)));
                headers.add(VALUE_SHA256, utf8(sha256(value)));
                meta = send(dlq, trigger.key(), Arrays.copyOf(value, Math.min(value.length, TRUNCATED_BYTES)), headers);
            }
            LOG.info("Trigger {}-{}@{} dead-lettered to {}-{}@{}: {}", trigger.topic(), trigger.partition(),
                    trigger.offset(), dlq, meta.partition(), meta.offset(), why);
            return new Written(true, dlq, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Written(false, dlq, "interrupted while writing the dead letter");
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            return new Written(false, dlq, "dead letter to " + dlq + " not confirmed: " + cause);
        }
    }

    private RecordMetadata send(String dlq, byte[] key, byte[] value, RecordHeaders headers)
            throws InterruptedException, ExecutionException, TimeoutException {
        return producer.send(new ProducerRecord<>(dlq, null, key, value, headers))
                .get(ackTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static String sha256(byte[] value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        try {
            producer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.debug("closing the dead-letter producer", e);
        }
    }
}
