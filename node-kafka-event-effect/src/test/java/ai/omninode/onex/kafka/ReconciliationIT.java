package ai.omninode.onex.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.kafka.embedded.SharedKafkaBroker;
import ai.omninode.onex.node.NodeExecutionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The promise, counted: 100,000 events handed to the node at a steady rate while its broker is stopped and
 * restarted twice; afterwards the topic and its dead-letter topic are read back and every event is reconciled by
 * {@code event_id}. Each event must end in exactly one of: acknowledged (and then in the topic exactly once, where the
 * output says), dead-lettered (and then in {@code .dlq}), or failed (returned to the caller with its envelope). The
 * figures are printed and written to {@code target/reliability/reconciliation.md} (copied into RELIABILITY.md).
 *
 * <p>On the JVM's shared broker, with topics of its own; it is left running whatever happens.
 */
class ReconciliationIT {
    static final int EVENTS = Integer.getInteger("onex.reconciliation.events", 100_000);
    static final int RATE_PER_SECOND = Integer.getInteger("onex.reconciliation.rate", 8_000);
    static final long OUTAGE_MS = 2_500;
    static final int PARTITIONS = 3;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void start() {
        broker = SharedKafkaBroker.get();
    }

    @AfterEach
    void brokerIsBackForTheNextTest() {
        broker.start();
    }

    /** What the caller got back for one event. */
    private record Outcome(Kind kind, String eventId, Integer partition, Long offset, String error, String envelope) {
    }

    private enum Kind { ACKNOWLEDGED, DEAD_LETTERED, FAILED, CIRCUIT_OPEN, UNEXPECTED }

    /** A broker outage, as the test saw it: from the call to stop until start returned. */
    private record Outage(long fromNanos, long toNanos) {
    }

    private record Transition(long atNanos, String status) {
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everyEventIsAcknowledgedOnceDeadLetteredOrReturnedWithItsEnvelopeAcrossTwoBrokerRestarts() throws Exception {
        String prefix = Topics.unique("recon");
        String topic = prefix + ".events";
        String dlq = topic + ".dlq";
        broker.createTopic(topic, PARTITIONS);
        broker.createTopic(dlq, 1);
        ModelKafkaEventConfig config = ModelKafkaEventConfig.builder()
                .bootstrapServers(broker.bootstrapServers()).topicPrefix(prefix)
                .maxRetries(3).retryBackoffMs(100)
                .circuitBreakerThreshold(5).circuitBreakerTimeoutS(1)
                .producerProperty("delivery.timeout.ms", "2000").producerProperty("request.timeout.ms", "1000")
                .producerProperty("reconnect.backoff.max.ms", "200")
                .build();
        NodeKafkaEventEffect node = new NodeKafkaEventEffect(null, config);
        node.initialize();

        List<CompletableFuture<ModelKafkaEventOutput>> results = new ArrayList<>(EVENTS);
        AtomicInteger submitted = new AtomicInteger();
        List<Outage> outages = new CopyOnWriteArrayList<>();
        List<Transition> breaker = new CopyOnWriteArrayList<>();
        // outage 1 at 15 % of the events, outage 2 at half of them but only once the breaker closed again after the
        // first; the publisher slows to a trickle (which still gives the breaker its trial calls) while an outage it
        // needs has not started or not recovered, so that both outages have traffic before, during and after them
        AtomicInteger phase = new AtomicInteger(); // 0, 1: outage 1 begun, 2: recovered, 3: outage 2 begun, 4: recovered
        Thread faults = new Thread(() -> {
            for (int at : new int[] {EVENTS * 15 / 100, EVENTS / 2}) {
                while (submitted.get() < at) {
                    LockSupport.parkNanos(1_000_000);
                }
                long t0 = System.nanoTime();
                broker.stop();
                phase.incrementAndGet();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(OUTAGE_MS));
                broker.start();
                outages.add(new Outage(t0, System.nanoTime()));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!"closed".equals(node.getMetrics().get("circuit_breaker_status")) && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(5_000_000);
                }
                phase.incrementAndGet();
            }
        }, "faults");
        Thread sampler = new Thread(() -> {
            String last = null;
            while (!Thread.currentThread().isInterrupted()) {
                String status = (String) node.getMetrics().get("circuit_breaker_status");
                if (!status.equals(last)) {
                    breaker.add(new Transition(System.nanoTime(), status));
                    last = status;
                }
                LockSupport.parkNanos(5_000_000);
            }
        }, "breaker-sampler");
        faults.start();
        sampler.start();

        long t0 = System.nanoTime();
        long nanosPerEvent = 1_000_000_000L / RATE_PER_SECOND;
        long due = t0;
        for (int i = 0; i < EVENTS; i++) {
            boolean waiting = (i >= EVENTS / 2 && phase.get() < 3) || (i >= EVENTS * 9 / 10 && phase.get() < 4);
            if (waiting) {
                LockSupport.parkNanos(10_000_000); // a trickle: 100 events/s
                due = System.nanoTime();
            } else {
                due += nanosPerEvent;
                long wait = due - System.nanoTime();
                if (wait > 200_000) {
                    LockSupport.parkNanos(wait);
                }
            }
            results.add(node.executeEffect(ModelKafkaEventInput.builder().topic("events").eventType("RECONCILED")
                    .payload("seq", i).payload("document_id", "doc-" + i).key("k" + (i % 1000)).build()));
            submitted.incrementAndGet();
        }
        long submittedAt = System.nanoTime();
        faults.join(TimeUnit.MINUTES.toMillis(2));
        CompletableFuture.allOf(results.stream().map(f -> f.exceptionally(e -> null)).toArray(CompletableFuture[]::new))
                .get(2, TimeUnit.MINUTES);
        long settledAt = System.nanoTime();
        sampler.interrupt();
        sampler.join();
        String finalStatus = (String) node.getMetrics().get("circuit_breaker_status");
        if (breaker.isEmpty() || !breaker.get(breaker.size() - 1).status().equals(finalStatus)) {
            breaker.add(new Transition(System.nanoTime(), finalStatus)); // a change the sampler had no time to see
        }
        Map<String, Object> metrics = node.getMetrics();
        node.shutdown();

        // what the callers got back
        Outcome[] outcomes = new Outcome[EVENTS];
        for (int i = 0; i < EVENTS; i++) {
            outcomes[i] = outcome(results.get(i));
        }
        results.clear();

        // what the broker has
        Map<String, List<ConsumerRecord<byte[], byte[]>>> stored = byEventId(readToEnd(topic), false);
        Map<String, List<ConsumerRecord<byte[], byte[]>>> deadLetters = byEventId(readToEnd(dlq), true);

        Map<Kind, Integer> counts = new LinkedHashMap<>();
        for (Kind k : Kind.values()) {
            counts.put(k, 0);
        }
        int ackMissing = 0;
        int ackDuplicated = 0;
        int ackMisplaced = 0;
        int dlqMissing = 0;
        int withoutEnvelope = 0;
        int failedButStored = 0;
        int failedButDeadLettered = 0;
        int ackAlsoDeadLettered = 0;
        Map<String, Integer> ownIds = new HashMap<>();
        for (int seq = 0; seq < EVENTS; seq++) {
            Outcome o = outcomes[seq];
            counts.merge(o.kind(), 1, Integer::sum);
            if (o.eventId() != null) {
                ownIds.put(o.eventId(), seq);
            }
            List<ConsumerRecord<byte[], byte[]>> inTopic = stored.getOrDefault(o.eventId(), List.of());
            switch (o.kind()) {
                case ACKNOWLEDGED -> {
                    if (inTopic.isEmpty()) {
                        ackMissing++;
                    } else if (inTopic.size() > 1) {
                        ackDuplicated++;
                    } else if (inTopic.get(0).partition() != o.partition() || inTopic.get(0).offset() != o.offset()
                            || seqOf(inTopic.get(0), false) != seq) {
                        ackMisplaced++;
                    }
                    if (deadLetters.containsKey(o.eventId())) {
                        ackAlsoDeadLettered++;
                    }
                }
                case DEAD_LETTERED -> {
                    if (!deadLetters.containsKey(o.eventId())) {
                        dlqMissing++;
                    }
                    failedButStored += inTopic.isEmpty() ? 0 : 1;
                }
                case FAILED, CIRCUIT_OPEN -> {
                    if (!carries(o, seq)) {
                        withoutEnvelope++;
                    }
                    failedButStored += inTopic.isEmpty() ? 0 : 1;
                    failedButDeadLettered += deadLetters.containsKey(o.eventId()) ? 1 : 0;
                }
                default -> {
                }
            }
        }
        int duplicatesInTopic = 0;
        int strangers = 0;
        for (Map.Entry<String, List<ConsumerRecord<byte[], byte[]>>> e : stored.entrySet()) {
            duplicatesInTopic += e.getValue().size() - 1;
            strangers += ownIds.containsKey(e.getKey()) ? 0 : 1;
        }
        int storedRecords = stored.values().stream().mapToInt(List::size).sum();
        int deadLetterRecords = deadLetters.values().stream().mapToInt(List::size).sum();
        int acknowledged = counts.get(Kind.ACKNOWLEDGED);
        int deadLettered = counts.get(Kind.DEAD_LETTERED);
        int failed = counts.get(Kind.FAILED) + counts.get(Kind.CIRCUIT_OPEN);
        int missing = ackMissing + ackMisplaced + dlqMissing + withoutEnvelope + counts.get(Kind.UNEXPECTED)
                + (EVENTS - acknowledged - deadLettered - failed);

        String report = report(config, t0, submittedAt, settledAt, outages, breaker, metrics, acknowledged, deadLettered,
                failed, counts.get(Kind.CIRCUIT_OPEN), missing, ackDuplicated, duplicatesInTopic, strangers, storedRecords,
                deadLetterRecords, failedButStored, failedButDeadLettered);
        System.out.println(report);
        Path out = Path.of("target", "reliability", "reconciliation.md");
        try {
            Files.createDirectories(out.getParent());
            Files.writeString(out, report, UTF_8);
        } catch (IOException e) {
            System.out.println("could not write " + out + ": " + e);
        }

        assertThat(outages).hasSize(2);
        assertThat(counts.get(Kind.UNEXPECTED)).as("outcomes that are none of the three").isZero();
        assertThat(acknowledged + deadLettered + failed).as("every event handed in has exactly one outcome").isEqualTo(EVENTS);
        assertThat(ackMissing).as("acknowledged but not in the topic").isZero();
        assertThat(ackMisplaced).as("acknowledged at another partition/offset than stored").isZero();
        assertThat(ackDuplicated).as("acknowledged and in the topic more than once").isZero();
        assertThat(ackAlsoDeadLettered).as("acknowledged and also dead-lettered").isZero();
        assertThat(dlqMissing).as("reported dead-lettered but not in .dlq").isZero();
        assertThat(withoutEnvelope).as("failed without the envelope of the event").isZero();
        assertThat(duplicatesInTopic).as("any event stored twice").isZero();
        assertThat(strangers).as("records in the topic that no caller handed in").isZero();
        assertThat(missing).isZero();
        assertThat(acknowledged).as("events outside the outages are acknowledged").isGreaterThan(EVENTS / 10);
        assertThat((Long) metrics.get("circuit_breaker_opens")).as("the breaker opened").isPositive();
        for (Outage o : outages) {
            assertThat(breaker).as("the breaker opened during the outage %s", o)
                    .anySatisfy(t -> assertThat(t.status().equals("open") && t.atNanos() >= o.fromNanos()
                            && t.atNanos() <= o.toNanos() + TimeUnit.SECONDS.toNanos(5)).isTrue());
            assertThat(breaker).as("the breaker closed after the outage %s", o)
                    .anySatisfy(t -> assertThat(t.status().equals("closed") && t.atNanos() > o.toNanos()).isTrue());
        }
        assertThat(metrics).containsEntry("circuit_breaker_status", "closed");
        assertThat(breaker.get(breaker.size() - 1).status()).isEqualTo("closed");
    }

    private static Outcome outcome(CompletableFuture<ModelKafkaEventOutput> f) {
        try {
            ModelKafkaEventOutput out = f.join();
            String id = out.eventId() == null ? null : out.eventId().toString();
            if (out.success()) {
                return new Outcome(Kind.ACKNOWLEDGED, id, out.partition(), out.offset(), null, null);
            }
            return new Outcome(out.deadLettered() ? Kind.DEAD_LETTERED : Kind.FAILED, id, null, null, out.error(),
                    out.envelope());
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof NodeExecutionException n && "circuit_open".equals(n.details().get("error_type"))) {
                Object envelope = n.details().get("envelope");
                String json = envelope == null ? null : JSON.writeValueAsString(envelope);
                return new Outcome(Kind.CIRCUIT_OPEN, (String) n.details().get("event_id"), null, null, n.getMessage(), json);
            }
            return new Outcome(Kind.UNEXPECTED, null, null, null, String.valueOf(cause), null);
        }
    }

    /** Whether a failed outcome carries the envelope of event {@code seq}, with the event id it reports. */
    private static boolean carries(Outcome o, int seq) {
        if (o.envelope() == null || o.eventId() == null) {
            return false;
        }
        JsonNode envelope = JSON.readTree(o.envelope());
        return o.eventId().equals(envelope.path("event_id").asString(null))
                && envelope.at("/payload/seq").asInt(-1) == seq;
    }

    private static int seqOf(ConsumerRecord<byte[], byte[]> r, boolean deadLetter) {
        JsonNode node = JSON.readTree(r.value());
        JsonNode envelope = deadLetter ? node.get("original_envelope") : node;
        return envelope.get("payload").get("seq").asInt();
    }

    private static Map<String, List<ConsumerRecord<byte[], byte[]>>> byEventId(List<ConsumerRecord<byte[], byte[]>> records,
            boolean deadLetter) {
        Map<String, List<ConsumerRecord<byte[], byte[]>>> out = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            JsonNode node = JSON.readTree(r.value());
            String id = (deadLetter ? node.get("original_envelope") : node).get("event_id").asString();
            out.computeIfAbsent(id, k -> new ArrayList<>(1)).add(r);
        }
        return out;
    }

    /** Every record of every partition, up to the end offsets as they are now. */
    static List<ConsumerRecord<byte[], byte[]>> readToEnd(String topic) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end " + end);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static String report(ModelKafkaEventConfig config, long t0, long submittedAt, long settledAt,
            List<Outage> outages, List<Transition> breaker, Map<String, Object> metrics, int acknowledged,
            int deadLettered, int failed, int circuitOpen, int missing, int ackDuplicated, int duplicatesInTopic,
            int strangers, int storedRecords, int deadLetterRecords, int failedButStored, int failedButDeadLettered) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "## Reconciliation: %,d events, broker stopped and restarted twice%n%n", EVENTS));
        sb.append("| outcome | events |\n|---|---:|\n");
        sb.append(String.format(Locale.ROOT, "| handed in | %,d |%n", EVENTS));
        sb.append(String.format(Locale.ROOT, "| acknowledged (each in the topic exactly once, at its partition/offset) | %,d |%n", acknowledged));
        sb.append(String.format(Locale.ROOT, "| dead-lettered (each in `.dlq`) | %,d |%n", deadLettered));
        sb.append(String.format(Locale.ROOT, "| failed, returned with the envelope | %,d |%n", failed));
        sb.append(String.format(Locale.ROOT, "| &nbsp;&nbsp;of which refused by the open circuit breaker | %,d |%n", circuitOpen));
        sb.append(String.format(Locale.ROOT, "| **missing** | **%,d** |%n", missing));
        sb.append(String.format(Locale.ROOT, "| **duplicates among acknowledged** | **%,d** |%n", ackDuplicated));
        sb.append(String.format(Locale.ROOT, "| events stored more than once (any outcome) | %,d |%n", duplicatesInTopic));
        sb.append(String.format(Locale.ROOT, "| records in the topic no caller handed in | %,d |%n", strangers));
        sb.append(String.format(Locale.ROOT, "| not acknowledged, yet stored once (outcome was unknown) | %,d |%n", failedButStored));
        sb.append(String.format(Locale.ROOT, "| failed, yet in `.dlq` (dead letter stored, its answer lost) | %,d |%n", failedButDeadLettered));
        sb.append(String.format(Locale.ROOT, "| records read back: topic / `.dlq` | %,d / %,d |%n%n", storedRecords, deadLetterRecords));
        sb.append(String.format(Locale.ROOT, "Submitted in %.1f s (target %,d events/s), all outcomes in after %.1f s.%n",
                (submittedAt - t0) / 1e9, RATE_PER_SECOND, (settledAt - t0) / 1e9));
        for (int i = 0; i < outages.size(); i++) {
            sb.append(String.format(Locale.ROOT, "Outage %d: broker stopped at %.1f s, serving again at %.1f s.%n", i + 1,
                    (outages.get(i).fromNanos() - t0) / 1e9, (outages.get(i).toNanos() - t0) / 1e9));
        }
        sb.append("Breaker: ");
        for (Transition t : breaker) {
            sb.append(String.format(Locale.ROOT, "%s@%.1fs ", t.status(), (t.atNanos() - t0) / 1e9));
        }
        sb.append(String.format(Locale.ROOT, "%nMetrics: events_published=%s events_failed=%s events_sent_to_dlq=%s"
                + " dlq_failures=%s retries_attempted=%s circuit_breaker_opens=%s circuit_breaker_rejections=%s"
                + " circuit_breaker_status=%s%n", metrics.get("events_published"), metrics.get("events_failed"),
                metrics.get("events_sent_to_dlq"), metrics.get("dlq_failures"), metrics.get("retries_attempted"),
                metrics.get("circuit_breaker_opens"), metrics.get("circuit_breaker_rejections"),
                metrics.get("circuit_breaker_status")));
        sb.append(String.format(Locale.ROOT, "Settings: maxRetries=%d retryBackoffMs=%d circuitBreakerThreshold=%d"
                + " circuitBreakerTimeoutS=%d delivery.timeout.ms=%s request.timeout.ms=%s maxBlockMs=%d acks=%s"
                + " idempotence=%s, %d partitions, outage %d ms%n", config.maxRetries(), config.retryBackoffMs(),
                config.circuitBreakerThreshold(), config.circuitBreakerTimeoutS(),
                config.kafkaProperties().get("delivery.timeout.ms"), config.kafkaProperties().get("request.timeout.ms"),
                config.maxBlockMs(), config.acks(), config.enableIdempotence(), PARTITIONS, OUTAGE_MS));
        return sb.toString();
    }
}
