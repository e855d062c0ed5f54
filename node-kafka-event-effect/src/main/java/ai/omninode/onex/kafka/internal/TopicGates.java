package ai.omninode.onex.kafka.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure a topic exists and serves before the node produces to it (topic creation {@code ADMIN}).
 *
 * <p>Why: on Kafka 4.4, producing with an idempotent producer right after a topic is created can lose a batch. The
 * leader is announced before its replica manager serves; the first batch bounces with NOT_LEADER_OR_FOLLOWER while
 * later ones are accepted, and the retried one then fails with OUT_OF_ORDER_SEQUENCE_NUMBER until the delivery
 * timeout. So, once per topic: describe it; create it if missing (broker defaults unless configured); wait until
 * every partition answers ListOffsets, which its leader's replica manager does; then fetch the producer's metadata
 * for it, so that the first {@code send} does not block its caller on metadata.
 *
 * <p>Without an admin client (topic creation {@code BROKER}) a gate only fetches the producer's metadata for the topic,
 * off the caller's thread; the broker creates the topic if it is configured to.
 *
 * <p>Everything runs asynchronously, on the admin client's callbacks and the node's scheduler; events for a topic
 * that is not ready wait on its gate. A failed check (broker away) fails the waiting attempts with a retriable error,
 * and the next attempt checks again. When the node may not create or describe topics, it logs that once and leaves
 * the topic to the broker.
 */
public final class TopicGates {
    private static final Logger LOG = LoggerFactory.getLogger(TopicGates.class);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    private static final long POLL_MS = 20;
    /**
     * Gates kept by name: two per route the node caches ({@code EventPublisher}), so a workflow that names topics from
     * its input cannot grow the map without bound. Past it, every gate not checking right now is dropped: ready ones,
     * failed ones, and the dead-letter gates no dead letter has needed yet (a route that holds one keeps it; a topic met
     * again is checked again, one describe). Gates checking now stay, so that their waiters share one check; only when
     * all of them are is a new topic's gate not kept at all.
     */
    static final int MAX_GATES = 20_000;

    private final Admin admin;
    private final Producer<byte[], byte[]> producer;
    private final Scheduler scheduler;
    private final Optional<Integer> partitions;
    private final Optional<Short> replicationFactor;
    private final long timeoutMs;
    private final String bootstrapServers;
    private final ConcurrentHashMap<String, Gate> gates = new ConcurrentHashMap<>();
    /** Admin requests Kafka answered (with a result or an error of its own, not a timeout): see {@link #answers}. */
    private final LongAdder answers = new LongAdder();

    public TopicGates(Admin admin, Producer<byte[], byte[]> producer, Scheduler scheduler, int partitions,
            short replicationFactor, long timeoutMs, String bootstrapServers) {
        this.admin = admin;
        this.bootstrapServers = bootstrapServers;
        this.producer = producer;
        this.scheduler = scheduler;
        this.partitions = partitions > 0 ? Optional.of(partitions) : Optional.empty();
        this.replicationFactor = replicationFactor > 0 ? Optional.of(replicationFactor) : Optional.empty();
        this.timeoutMs = timeoutMs;
    }

    /** With an admin client: checks and creates topics. Without (BROKER): only fetches the producer's metadata. */
    public boolean createsTopics() {
        return admin != null;
    }

    /**
     * How many of the checks' admin requests Kafka has answered so far. The cluster check reads it: hundreds of topics
     * checked at once queue their requests on one connection, so that its own request may wait behind them past its
     * time while Kafka answers every one of them.
     */
    public long answers() {
        return answers.sum();
    }

    private void answered(Throwable error) {
        if (error == null || !(Errors.unwrap(error) instanceof TimeoutException)) {
            answers.increment();
        }
    }

    /** The gate of one topic; the same object for the same name while fewer than {@link #MAX_GATES} are kept. */
    public Gate gate(String topic) {
        Gate gate = gates.get(topic);
        if (gate != null) {
            return gate;
        }
        if (gates.size() >= MAX_GATES) {
            gates.values().removeIf(g -> !g.checking());
            if (gates.size() >= MAX_GATES) {
                return new Gate(topic);
            }
        }
        return gates.computeIfAbsent(topic, Gate::new);
    }

    /** How many gates are kept by name. */
    int size() {
        return gates.size();
    }

    /** One topic's readiness: {@link #ready} once checked; until then a check in progress to wait on. */
    public final class Gate {
        private final String topic;
        private volatile boolean ready;
        private CompletableFuture<Void> check;
        private boolean warnedFallback;

        private Gate(String topic) {
            this.topic = topic;
        }

        public String topic() {
            return topic;
        }

        public boolean ready() {
            return ready;
        }

        /** Whether a check is under way: its events wait on it. */
        synchronized boolean checking() {
            return !ready && check != null && !check.isDone();
        }

        /**
         * Forgets that the topic was ready: the producer lost its metadata for it (Kafka 4 clients rebootstrap
         * when no broker answers, and then a send blocks its caller waiting for metadata). The next event waits on
         * a new check instead, off the caller's thread.
         */
        public void invalidate() {
            synchronized (this) {
                if (ready) {
                    ready = false;
                    check = null;
                }
            }
        }

        /** Completes when the topic serves; exceptionally (retriable or not) when the check failed. */
        public CompletableFuture<Void> await() {
            if (ready) {
                return DONE;
            }
            synchronized (this) {
                if (ready) {
                    return DONE;
                }
                if (check == null || check.isCompletedExceptionally()) {
                    CompletableFuture<Void> c = new CompletableFuture<>();
                    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
                    check = c.exceptionallyCompose(e -> CompletableFuture.failedFuture(ranOutOfTime(this, deadline, e)));
                    step(c, () -> {
                        if (admin == null) {
                            warmUp(this, deadline, c);
                        } else {
                            describe(this, deadline, false, c);
                        }
                    });
                }
                return check;
            }
        }
    }

    /**
     * A check that failed at its deadline with a retriable error is a {@link NotReadyException}, which names the topic,
     * the time and the brokers asked; any other keeps its error.
     */
    private Throwable ranOutOfTime(Gate gate, long deadline, Throwable error) {
        Throwable cause = Errors.unwrap(error);
        if (remaining(deadline) > POLL_MS || cause instanceof NotReadyException || !(cause instanceof RetriableException)) {
            return cause; // failed before its time, or for good (not authorized, say): that error as it is
        }
        String detail = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        String message = detail.startsWith("topic ") ? detail + " (bootstrap.servers " + bootstrapServers + ")"
                : "topic " + gate.topic + " was not ready within " + timeoutMs + " ms (bootstrap.servers "
                        + bootstrapServers + "): " + detail;
        return new NotReadyException(message, cause);
    }

    /**
     * A topic's check used up its whole time ({@code delivery.timeout.ms}) without the topic serving: often no broker
     * answered at all. A {@link TimeoutException}, so retriable; its class name in dead letters is Kafka's.
     */
    public static final class NotReadyException extends TimeoutException {
        private static final long serialVersionUID = 1L;

        NotReadyException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Runs one step of a check. Whatever it throws (an admin client a host supplies may throw instead of failing its
     * future) ends the check with that error: a check that never ends would hold every event of its topic.
     */
    private static void step(CompletableFuture<Void> done, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
    }

    private int remaining(long deadline) {
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, (deadline - System.nanoTime()) / 1_000_000));
    }

    private void describe(Gate gate, long deadline, boolean created, CompletableFuture<Void> done) {
        int left = remaining(deadline);
        if (left <= 0) {
            done.completeExceptionally(new TimeoutException("topic " + gate.topic + " was not ready within " + timeoutMs + " ms"));
            return;
        }
        admin.describeTopics(List.of(gate.topic), new DescribeTopicsOptions().timeoutMs(left)).allTopicNames()
                .whenComplete((descriptions, error) -> step(done, () -> {
                    answered(error);
                    if (error == null) {
                        awaitServing(gate, descriptions.get(gate.topic).partitions().size(), deadline, done);
                        return;
                    }
                    Throwable cause = Errors.unwrap(error);
                    if (cause instanceof UnknownTopicOrPartitionException) {
                        if (created) { // just created: metadata has not reached the broker we asked yet
                            later(() -> describe(gate, deadline, true, done), deadline, cause, done);
                        } else {
                            create(gate, deadline, done);
                        }
                    } else if (cause instanceof AuthorizationException || cause instanceof UnsupportedVersionException) {
                        fallBack(gate, cause, deadline, done);
                    } else {
                        done.completeExceptionally(cause);
                    }
                }));
    }

    private void create(Gate gate, long deadline, CompletableFuture<Void> done) {
        NewTopic topic = new NewTopic(gate.topic, partitions, replicationFactor);
        admin.createTopics(List.of(topic), new CreateTopicsOptions().timeoutMs(remaining(deadline))).all()
                .whenComplete((ignored, error) -> step(done, () -> {
                    answered(error);
                    Throwable cause = error == null ? null : Errors.unwrap(error);
                    if (cause == null) {
                        LOG.info("Created topic {} (partitions: {}, replication factor: {})", gate.topic,
                                partitions.map(String::valueOf).orElse("broker default"),
                                replicationFactor.map(String::valueOf).orElse("broker default"));
                        describe(gate, deadline, true, done);
                    } else if (cause instanceof TopicExistsException) {
                        describe(gate, deadline, true, done);
                    } else if (cause instanceof AuthorizationException || cause instanceof PolicyViolationException
                            || cause instanceof InvalidReplicationFactorException || cause instanceof InvalidPartitionsException
                            || cause instanceof InvalidConfigurationException || cause instanceof UnsupportedVersionException) {
                        fallBack(gate, cause, deadline, done);
                    } else {
                        done.completeExceptionally(cause);
                    }
                }));
    }

    private void awaitServing(Gate gate, int partitionCount, long deadline, CompletableFuture<Void> done) {
        Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
        for (int i = 0; i < partitionCount; i++) {
            request.put(new TopicPartition(gate.topic, i), OffsetSpec.latest());
        }
        int left = remaining(deadline);
        if (left <= 0) {
            done.completeExceptionally(new TimeoutException("topic " + gate.topic + " did not serve within " + timeoutMs + " ms"));
            return;
        }
        admin.listOffsets(request, new ListOffsetsOptions().timeoutMs(left)).all()
                .whenComplete((offsets, error) -> step(done, () -> {
                    answered(error);
                    if (error == null) {
                        warmUp(gate, deadline, done);
                        return;
                    }
                    Throwable cause = Errors.unwrap(error);
                    if (cause instanceof RetriableException) {
                        later(() -> awaitServing(gate, partitionCount, deadline, done), deadline, cause, done);
                    } else {
                        fallBack(gate, cause, deadline, done);
                    }
                }));
    }

    /**
     * The producer's own metadata for the topic, fetched here rather than in a caller's send. Each try blocks this
     * thread up to {@code max.block.ms}; tries go on until the deadline (a topic the broker is still creating, a
     * producer still connecting).
     */
    private void warmUp(Gate gate, long deadline, CompletableFuture<Void> done) {
        run(() -> {
            try {
                producer.partitionsFor(gate.topic);
                gate.ready = true;
                done.complete(null);
            } catch (TimeoutException e) {
                later(() -> warmUp(gate, deadline, done), deadline, e, done);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        }, done);
    }

    private void fallBack(Gate gate, Throwable cause, long deadline, CompletableFuture<Void> done) {
        synchronized (gate) {
            if (!gate.warnedFallback) {
                gate.warnedFallback = true;
                LOG.warn("Cannot check or create topic {} ({}); leaving it to the broker", gate.topic, cause.toString());
            }
        }
        warmUp(gate, deadline, done);
    }

    private void later(Runnable next, long deadline, Throwable cause, CompletableFuture<Void> done) {
        if (remaining(deadline) <= POLL_MS) {
            done.completeExceptionally(cause instanceof RetriableException ? cause
                    : new TimeoutException("topic not ready within " + timeoutMs + " ms: " + cause));
            return;
        }
        try {
            scheduler.schedule(() -> step(done, next), POLL_MS);
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(e);
        }
    }

    private void run(Runnable task, CompletableFuture<Void> done) {
        try {
            scheduler.execute(task);
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(e);
        }
    }
}
