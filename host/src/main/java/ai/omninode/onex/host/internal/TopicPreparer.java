package ai.omninode.onex.host.internal;

import ai.omninode.onex.contract.Suggestions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure a topic exists and serves before the host uses it: describes it, creates it if missing (broker defaults
 * for partitions and replication), and waits until every partition answers ListOffsets, as the Kafka node does for
 * its own topics (an idempotent producer that writes to a topic right after its creation can lose its first batch on
 * Kafka 4.x; a consumer that subscribes to a missing topic sees it only at its next metadata refresh). A topic the
 * host may not describe or create (authorization, policy) is logged once and left to the broker.
 */
public final class TopicPreparer {
    private static final Logger LOG = LoggerFactory.getLogger(TopicPreparer.class);
    private static final Duration READY_WAIT = Duration.ofSeconds(30);

    private final Admin admin;
    /** Topics known to exist and serve, and topics the host may not create (left to the broker). */
    private final Set<String> ready = ConcurrentHashMap.newKeySet();

    public TopicPreparer(Admin admin) {
        this.admin = admin;
    }

    /** True when the topic did not exist and this call created it. */
    public boolean ensure(String topic) throws InterruptedException, ExecutionException, TimeoutException {
        if (ready.contains(topic)) {
            return false;
        }
        boolean created = false;
        long deadline = System.nanoTime() + READY_WAIT.toNanos();
        int partitions;
        try {
            TopicDescription d = admin.describeTopics(Set.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get(topic);
            partitions = d.partitions().size();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                if (e.getCause() instanceof RetriableException) {
                    throw e;
                }
                LOG.warn("Cannot describe topic {} ({}); leaving it to the broker", topic, e.getCause().toString());
                ready.add(topic);
                return false;
            }
            try {
                admin.createTopics(Set.of(new NewTopic(topic, Optional.empty(), Optional.empty())))
                        .all().get(10, TimeUnit.SECONDS);
                LOG.info("Created topic {}", topic);
                created = true;
            } catch (ExecutionException create) {
                if (!(create.getCause() instanceof TopicExistsException)) {
                    if (create.getCause() instanceof RetriableException) {
                        throw create;
                    }
                    LOG.warn("Cannot create topic {} ({}); leaving it to the broker", topic,
                            create.getCause().toString());
                    ready.add(topic);
                    return false;
                }
            }
            partitions = describeCreated(topic, deadline);
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int i = 0; i < partitions; i++) {
            latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
        }
        while (true) {
            try {
                admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
                break;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                    throw e;
                }
                // the leader is announced before it serves; ListOffsets is answered once it does
                TimeUnit.MILLISECONDS.sleep(20);
            }
        }
        ready.add(topic);
        return created;
    }

    /**
     * For a trigger topic this host had to create: what to say if it is likely a mistake, or null. A typo (an existing
     * topic at most two edits away, dead-letter and internal topics aside) or the prefix written twice would otherwise leave the host
     * healthy and waiting on an empty topic for ever. Best effort: a listing that fails says nothing.
     */
    public String typoHint(String topic, String prefix) {
        String doubled = prefix.isEmpty() ? null : prefix + "." + prefix + ".";
        if (doubled != null && topic.startsWith(doubled)) {
            return "it starts with the prefix '" + prefix + "' twice: topics are written without KAFKA_TOPIC_PREFIX,"
                    + " which is put in front of them";
        }
        try {
            Set<String> existing = admin.listTopics().names().get(10, TimeUnit.SECONDS);
            return Suggestions.closest(topic, existing.stream()
                            .filter(t -> !t.endsWith(".dlq") && !t.startsWith("__") && !t.equals(topic)).toList(), 2)
                    .map(t -> "if that is a typo, the closest topic there is " + t).orElse(null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.debug("Cannot list the topics to check {} against them", topic, e);
            return null;
        }
    }

    /**
     * The partitions of a topic just created: the broker that answers may not know it yet (its metadata lags the
     * controller's), and says UNKNOWN_TOPIC_OR_PARTITION until it does.
     */
    private int describeCreated(String topic, long deadline)
            throws InterruptedException, ExecutionException, TimeoutException {
        while (true) {
            try {
                return admin.describeTopics(Set.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic)
                        .partitions().size();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                    throw e;
                }
                TimeUnit.MILLISECONDS.sleep(20);
            }
        }
    }
}
