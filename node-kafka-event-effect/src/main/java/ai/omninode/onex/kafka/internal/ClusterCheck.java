package ai.omninode.onex.kafka.internal;

import ai.omninode.onex.kafka.ModelKafkaEventConfig;
import ai.omninode.onex.kafka.ProducerFactory;
import ai.omninode.onex.node.NodeSettingsException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the Kafka cluster answers at all, asked with one DescribeCluster bounded by
 * {@link ModelKafkaEventConfig#clusterCheckTimeoutMs()}:
 * <ul>
 *   <li>when a host initializes the node ({@link #verify}, before the producer exists): an address no broker answers
 *       at, or a host name that
 *       does not resolve, is a {@link NodeSettingsException} naming the address, where it came from and what to set,
 *       instead of events that each wait out their whole delivery timeout (2¼ minutes with the defaults) later;</li>
 *   <li>while running, when an attempt got no answer from Kafka ({@link #noAnswer}) or an event has waited the
 *       check's time for its topic to become ready ({@link #whileWaiting}): if the cluster does not answer either,
 *       the circuit breaker opens at once and the events waiting for a topic fail, so that later calls (and a
 *       workflow's retry of the same step) fail at once instead of each waiting out {@code delivery.timeout.ms}
 *       again. A cluster that answers within the check's time (a broker restarting, a topic that is slow for
 *       reasons of its own) leaves everything as it was: short outages are still ridden out.</li>
 * </ul>
 * Needs an admin client: without one (topic creation {@code BROKER}, a {@code ProducerFactory} that supplies none)
 * nothing is checked.
 */
public final class ClusterCheck {
    private static final Logger LOG = LoggerFactory.getLogger("ai.omninode.onex.kafka.NodeKafkaEventEffect");
    /** Set while this class opens the breaker, so that the breaker's own log line can say why. */
    private static final ThreadLocal<String> OPENING = new ThreadLocal<>();

    private final Admin admin;
    private final CircuitBreaker breaker;
    private final Scheduler scheduler;
    private final String bootstrapServers;
    private final long timeoutMs;
    private final String nodeId;
    private final Secrets secrets;
    /** Why this class last opened the breaker, while it is still open for that reason; else null. */
    private volatile String openedBecause;
    /** The probe under way, if any: concurrent failures share it. */
    private final AtomicReference<CompletableFuture<Void>> probe = new AtomicReference<>();
    /** Events waiting for a topic, and what fails each when the cluster does not answer. */
    private final ConcurrentHashMap<Object, Consumer<TimeoutException>> waiters = new ConcurrentHashMap<>();
    private final AtomicBoolean watchdogArmed = new AtomicBoolean();
    /**
     * A count that grows whenever Kafka answers the node otherwise (an event acknowledged, a topic check answered): a
     * probe that got no answer in time while this grew was queued behind other requests, not unanswered.
     */
    private final java.util.function.LongSupplier answers;

    public ClusterCheck(Admin admin, CircuitBreaker breaker, Scheduler scheduler, ModelKafkaEventConfig config,
            String nodeId, Secrets secrets, java.util.function.LongSupplier answers) {
        this.answers = answers == null ? () -> 0 : answers;
        this.secrets = secrets;
        this.admin = admin;
        this.breaker = breaker;
        this.scheduler = scheduler;
        this.bootstrapServers = config.bootstrapServers();
        this.timeoutMs = config.clusterCheckTimeoutMs();
        this.nodeId = nodeId;
        breaker.getEventPublisher().onStateTransition(event ->
                openedBecause = event.getStateTransition().getToState() == CircuitBreaker.State.OPEN ? OPENING.get() : null);
    }

    /** {@code " (why)"} when the breaker is open because the cluster did not answer a check; else {@code ""}. */
    public String whyOpen() {
        String why = openedBecause;
        return why == null || breaker.getState() != CircuitBreaker.State.OPEN ? "" : " (" + why + ")";
    }

    /** Why the breaker is opening, when this class opens it on the current thread; else null. */
    static String openingReason() {
        return OPENING.get();
    }

    private boolean enabled() {
        return admin != null && timeoutMs > 0;
    }

    // ---- at initialization ----------------------------------------------------------------------------------------

    /** Where the bootstrap servers came from, as a host's user would set them. */
    public record Source(String description, List<String> settings) {
        /** From the settings a host passes to {@code initialize(Map)}; {@code configured}: the node was given a config. */
        public static Source of(Map<String, String> settings, boolean configured) {
            if (configured) {
                return new Source("the node's configuration", List.of());
            }
            for (String name : List.of("KAFKA_BOOTSTRAP_SERVERS", "ONEX_KAFKA_BOOTSTRAP_SERVERS")) {
                if (settings != null && settings.get(name) != null) {
                    return new Source(name, List.of(name));
                }
            }
            return new Source("the default address; KAFKA_BOOTSTRAP_SERVERS is not set", List.of("KAFKA_BOOTSTRAP_SERVERS"));
        }
    }

    /**
     * Refuses bootstrap servers none of whose hosts resolve, before a client is built (Kafka's would fail with "No
     * resolvable bootstrap urls", after logging a warning per host). Some resolvable is enough, as for Kafka.
     */
    public static void requireResolvable(String bootstrapServers, Source source) {
        List<String> unresolved = new ArrayList<>();
        int hosts = 0;
        for (String address : bootstrapServers.split(",")) {
            String host = host(address.strip());
            if (host == null) {
                continue; // Kafka's own check names a malformed address
            }
            hosts++;
            try {
                InetAddress.getAllByName(host);
            } catch (UnknownHostException | SecurityException e) {
                unresolved.add(host);
            }
        }
        if (hosts > 0 && unresolved.size() == hosts) {
            throw new NodeSettingsException(EventPublisher.INIT_FAILED + ": cannot resolve "
                    + (unresolved.size() == 1 ? "host " : "hosts ") + String.join(", ", unresolved)
                    + " of the Kafka bootstrap servers " + bootstrapServers + " (" + source.description() + ")"
                    + howToSet() + ".", source.settings(), null);
        }
    }

    /** {@code host} of {@code host:port} or {@code [v6]:port}; null when there is no port. */
    private static String host(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            return null;
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return host.isEmpty() ? null : host;
    }

    private static String howToSet() {
        return ". Set KAFKA_BOOTSTRAP_SERVERS to the brokers' host:port list (comma-separated)";
    }

    /**
     * Waits up to the check's time for the cluster to answer, through an admin client of its own from {@code factory}
     * (closed at once afterwards); throws {@link NodeSettingsException} if it does not. A factory that supplies no
     * admin client cannot check. A refusal of the credentials (authentication) throws it too; an authorization
     * refusal passes: the cluster is there, and publishing reports the refusal with the event.
     */
    public static void verify(ProducerFactory factory, Map<String, Object> adminProperties, ModelKafkaEventConfig config,
            Source source, String nodeId) {
        long timeoutMs = config.clusterCheckTimeoutMs();
        Admin admin;
        try {
            admin = factory.createAdmin(adminProperties);
        } catch (RuntimeException | LinkageError e) {
            return; // the node's own admin client fails the same way, and says so with the node's words
        }
        if (admin == null || timeoutMs <= 0) {
            return;
        }
        long t0 = System.nanoTime();
        Throwable failure;
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeoutMs)).nodes()
                    .get(timeoutMs, TimeUnit.MILLISECONDS);
            LOG.debug("Node {}: Kafka at {} answered in {} ms", nodeId, config.bootstrapServers(),
                    (System.nanoTime() - t0) / 1_000_000);
            return;
        } catch (java.util.concurrent.TimeoutException e) {
            failure = new TimeoutException("no answer");
        } catch (ExecutionException e) {
            failure = e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = e;
        } finally {
            try {
                admin.close(Duration.ZERO); // a check that got no answer has nothing to wait for
            } catch (RuntimeException e) {
                LOG.debug("Node {}: closing the cluster check's admin client", nodeId, e);
            }
        }
        if (failure instanceof org.apache.kafka.common.errors.AuthenticationException) {
            // the cluster is there and refused who the node says it is: credentials, mechanism or protocol; every
            // publish would fail the same way (after a workflow's side effects), so it is the settings' fault now.
            // An authorization refusal still passes: a principal may publish without describing the cluster.
            List<String> names = new ArrayList<>();
            for (String p : adminProperties.keySet()) {
                if (p.startsWith("sasl.") || p.startsWith("ssl.") || p.equals("security.protocol")) {
                    names.addAll(ClientSettings.settingNamesOf(p));
                }
            }
            throw new NodeSettingsException(EventPublisher.INIT_FAILED + ": Kafka at " + config.bootstrapServers()
                    + " (" + source.description() + ") refused the client's credentials: "
                    + Errors.describe(failure, Secrets.of(adminProperties)) + (names.isEmpty() ? ""
                            : " (settings: " + String.join(", ", names) + ")"), names, null);
        }
        if (!(failure instanceof TimeoutException) && !(failure instanceof InterruptedException)) {
            LOG.debug("Node {}: Kafka at {} answered the cluster check with {}", nodeId, config.bootstrapServers(),
                    failure.toString());
            return;
        }
        throw new NodeSettingsException(EventPublisher.INIT_FAILED + ": no Kafka broker answered at "
                + config.bootstrapServers() + " (" + source.description() + ") within " + timeoutMs + " ms"
                + detail(failure) + howToSet() + " (KAFKA_EVENT_CLUSTER_CHECK_TIMEOUT_MS: how long to wait for an"
                + " answer; 0: no check).", source.settings(), failure);
    }

    private static String detail(Throwable failure) {
        String m = failure.getMessage();
        return m == null || m.equals("no answer") ? "" : " (" + m + ")";
    }

    // ---- while running --------------------------------------------------------------------------------------------

    /**
     * An attempt failed with {@code error}: if that was no answer from Kafka (a timeout), asks whether the cluster
     * answers at all, in the background, and opens the breaker if it does not.
     */
    public void noAnswer(Exception error) {
        if (error instanceof TimeoutException && !(error instanceof BufferExhaustedException)) {
            probe("an event got no answer (" + Errors.describe(error, secrets) + ")");
        }
    }

    /**
     * An event waits for its topic to become ready. If it still waits after the check's time, the cluster is asked
     * whether it answers at all; if it does not, the breaker opens and {@code onUnreachable} runs (with every other
     * waiter's), so that the event fails now rather than after the whole {@code delivery.timeout.ms}. Returns what
     * to run once the wait is over. When the breaker is open already because the cluster did not answer, runs
     * {@code onUnreachable} at once.
     */
    public Runnable whileWaiting(Consumer<TimeoutException> onUnreachable) {
        if (!enabled()) {
            return () -> { };
        }
        if (!whyOpen().isEmpty()) {
            onUnreachable.accept(unreachable(openedBecause));
            return () -> { };
        }
        Object key = new Object();
        waiters.put(key, onUnreachable);
        armWatchdog();
        return () -> waiters.remove(key);
    }

    /** One timer for all waiters: after the check's time, a probe if anyone still waits. */
    private void armWatchdog() {
        if (!watchdogArmed.compareAndSet(false, true)) {
            return;
        }
        try {
            scheduler.schedule(() -> {
                watchdogArmed.set(false);
                if (!waiters.isEmpty()) {
                    probe("events waited " + timeoutMs + " ms for a topic to become ready").whenComplete((v, e) -> {
                        if (!waiters.isEmpty()) {
                            armWatchdog();
                        }
                    });
                }
            }, timeoutMs);
        } catch (RejectedExecutionException closed) {
            watchdogArmed.set(false); // shutting down: the node fails the waiting events itself
        }
    }

    private static TimeoutException unreachable(String why) {
        return new TopicGates.NotReadyException("Kafka is unreachable: " + why + "; circuit breaker opened", null);
    }

    /**
     * Asks the cluster (one probe at a time; concurrent callers share it) and opens the breaker if it does not answer
     * within the check's time. The future completes, never exceptionally, with the verdict known.
     */
    private CompletableFuture<Void> probe(String trigger) {
        if (!enabled() || breaker.getState() == CircuitBreaker.State.OPEN) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> running = probe.compareAndExchange(null, mine);
        if (running != null) {
            return running;
        }
        long t0 = System.nanoTime();
        long answersBefore = answers.getAsLong();
        CompletableFuture<Boolean> answered = new CompletableFuture<>();
        try {
            // bounded here too: the admin client may overrun its own timeout (connection setup to an address that
            // drops packets took 17 s with a 3 s timeout)
            scheduler.schedule(() -> answered.complete(false), timeoutMs);
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeoutMs)).nodes()
                    .whenComplete((nodes, e) -> answered.complete(e == null || !(Errors.unwrap(e) instanceof TimeoutException)));
        } catch (RuntimeException closedOrBroken) { // shutting down, or an admin client that throws: no verdict
            LOG.debug("Node {}: cluster check not made: {}", nodeId, closedOrBroken.toString());
            answered.complete(true);
        }
        answered.whenComplete((ok, e) -> {
            try {
                long answersSince = answers.getAsLong() - answersBefore;
                if (Boolean.FALSE.equals(ok) && answersSince > 0) {
                    // its request waited behind others (hundreds of new topics checked at once), which Kafka answered
                    LOG.debug("Node {}: the cluster check got no answer within {} ms, but Kafka answered {} other"
                            + " requests of the node meanwhile: busy, not unreachable", nodeId, timeoutMs, answersSince);
                } else if (Boolean.FALSE.equals(ok)) {
                    String why = "no Kafka broker answered at " + bootstrapServers + " within " + timeoutMs + " ms after "
                            + trigger;
                    open(why);
                    release(why);
                } else {
                    LOG.debug("Node {}: Kafka at {} answered a cluster check in {} ms", nodeId, bootstrapServers,
                            (System.nanoTime() - t0) / 1_000_000);
                }
            } finally {
                probe.set(null);
                mine.complete(null);
            }
        });
        return mine;
    }

    /** Ends every wait for a topic: the cluster does not answer. */
    private void release(String why) {
        TimeoutException error = unreachable(why);
        for (Object key : waiters.keySet().toArray()) {
            Consumer<TimeoutException> waiter = waiters.remove(key);
            if (waiter != null) {
                try {
                    waiter.accept(error);
                } catch (RuntimeException e) {
                    LOG.debug("Node {}: failing an event that waited for its topic", nodeId, e);
                }
            }
        }
    }

    private void open(String reason) {
        CircuitBreaker.State state = breaker.getState();
        if (state != CircuitBreaker.State.CLOSED && state != CircuitBreaker.State.HALF_OPEN) {
            return;
        }
        OPENING.set(reason);
        try {
            breaker.transitionToOpenState();
        } catch (RuntimeException raced) { // another thread moved it meanwhile
            LOG.debug("Node {}: breaker moved while opening it: {}", nodeId, raced.toString());
        } finally {
            OPENING.remove();
        }
    }
}
