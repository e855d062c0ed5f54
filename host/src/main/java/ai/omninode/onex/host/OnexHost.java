package ai.omninode.onex.host;

import ai.omninode.onex.contract.JsonSchema;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.host.internal.DeadLetters;
import ai.omninode.onex.host.internal.HealthServer;
import ai.omninode.onex.host.internal.HostMetrics;
import ai.omninode.onex.host.internal.KafkaSettings;
import ai.omninode.onex.host.internal.TopicPreparer;
import ai.omninode.onex.host.internal.TriggerConsumer;
import ai.omninode.onex.host.internal.TriggerDecoder;
import ai.omninode.onex.node.NodeSettingsException;
import ai.omninode.onex.node.OnexException;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.EventBus;
import ai.omninode.onex.workflow.Step;
import ai.omninode.onex.workflow.Template;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowRunner;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The ONEX runtime host: runs each workflow once for every event on its trigger topics
 * ({@code event_bus.subscribe_topics}), as a member of the workflow's Kafka consumer group, so that more instances
 * share the partitions. Delivery is at least once, with stable run keys (see {@code TriggerDecoder}) so that a trigger
 * that runs again publishes events with the same ids; see {@link TriggerConsumer} for order, commits, poison triggers,
 * retries, rebalances and the drain on stop.
 *
 * <p>Lifecycle: {@link #builder()}, {@link #start()} (validates, initializes the nodes, creates missing trigger
 * topics, joins the groups, opens the HTTP port), then {@link #close()} (stop fetching, drain within the drain
 * timeout, commit, leave the groups, close the nodes). A {@link #stop()} from another thread while the start is under
 * way wins: the start ends at its next step with nothing served. One {@link WorkflowRunner} serves every workflow: a node is
 * one instance, initialized once and shared by all runs.
 */
public final class OnexHost implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OnexHost.class);
    public static final int DEFAULT_CONCURRENCY = 32;
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_TRIGGER_BYTES = 1024 * 1024;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Builder b;
    private final KafkaSettings kafka;
    private final PrometheusMeterRegistry meters;
    /** Written by {@link #start()}, read by {@link #stop()} from any thread (a signal handler's). */
    private final List<TriggerConsumer> consumers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private WorkflowRunner runner;
    private Admin admin;
    private DeadLetters deadLetters;
    private HealthServer http;
    private volatile boolean closed;
    /** While {@link #start()} runs: the HTTP port answers live, not ready. */
    private volatile boolean starting;
    /** A stop asked for, possibly while {@link #start()} was still under way: the start then ends early. */
    private volatile boolean stopRequested;

    private OnexHost(Builder b) {
        this.b = b;
        this.kafka = KafkaSettings.from(b.settings);
        this.meters = b.meterRegistry != null ? b.meterRegistry : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The default consumer group of a workflow: {@code {KAFKA_TOPIC_PREFIX}.{workflow name}.consume.v{major}}
     * ({@code {workflow name}.consume.v{major}} with an empty prefix), as the Python host names groups
     * ({@code {env}.{service}.{node}.{purpose}.{version}}, the prefix being {@code {env}.{service}}). Stable across
     * minor and patch versions and restarts; a new major version is a new group, which reads its topics from the
     * start.
     */
    public static String defaultGroupId(String topicPrefix, Workflow workflow) {
        String base = workflow.name() + ".consume.v" + workflow.version().major();
        return topicPrefix == null || topicPrefix.isEmpty() ? base : topicPrefix + "." + base;
    }

    /** The topics a workflow consumes, with the prefix: its subscribe topics, or {@code overrides} when given. */
    public static List<String> triggerTopics(String topicPrefix, Workflow workflow, List<String> overrides) {
        List<String> topics = overrides != null && !overrides.isEmpty() ? overrides
                : workflow.eventBus().map(EventBus::subscribeTopics).orElse(List.of());
        return topics.stream().map(t -> EventBus.fullTopic(topicPrefix, t)).toList();
    }

    /**
     * Starts everything; throws {@link ValidationException} for a workflow the host cannot serve (no trigger topics,
     * nodes that refuse their settings, a bad option), {@link OnexException} when Kafka cannot be reached to prepare
     * the topics.
     */
    public synchronized OnexHost start() {
        List<Problem> problems = new ArrayList<>();
        if (b.workflows.isEmpty()) {
            problems.add(Problem.of("onex serve", "no workflow to serve"));
        }
        if (b.workflows.size() > 1 && (b.groupId != null || !b.topics.isEmpty())) {
            problems.add(Problem.of("onex serve", "--group and --topic name the group and topics of one workflow;"
                    + " serve the workflows in separate processes, or leave them out"));
        }
        Set<String> names = new LinkedHashSet<>();
        for (Workflow w : b.workflows) {
            if (!names.add(w.name())) {
                problems.add(Problem.of(w.source(), "workflow '" + w.name() + "' is given twice"));
            }
            if (triggerTopics(kafka.topicPrefix(), w, b.topics).isEmpty()) {
                problems.add(w.document().problemAt("", "workflow '" + w.name() + "' has no event_bus.subscribe_topics"
                        + " (and no --topic was given): nothing would trigger it"));
            }
            for (String t : triggerTopics(kafka.topicPrefix(), w, b.topics)) {
                String why = !t.matches("[A-Za-z0-9._-]+")
                        ? "holds characters Kafka does not allow in a topic name (letters, digits, '.', '_' and '-' only)"
                        : t.length() + DeadLetters.SUFFIX.length() > 249 ? "is " + t.length() + " characters long:"
                                + " its dead-letter topic (" + DeadLetters.SUFFIX + ") would pass Kafka's 249" : null;
                if (why != null) {
                    String message = "trigger topic '" + t + "' " + why;
                    // from --topic when given: the workflow file is not where it is wrong
                    problems.add(b.topics.isEmpty() ? w.document().problemAt(EventBus.POINTER, message)
                            : Problem.of("--topic", message));
                }
            }
        }
        triggerLoops(problems);
        if (!problems.isEmpty()) {
            throw new ValidationException(problems);
        }
        // settings Kafka refuses for the trigger consumer, before any node starts; an address that does not resolve
        // is the Kafka node's to report first (it says whether it is the default), as onex run does
        NodeSettingsException consumerRefused = kafka.checkConsumer(b.groupId != null ? b.groupId
                : defaultGroupId(kafka.topicPrefix(), b.workflows.get(0)), b.instanceId);
        if (consumerRefused != null && !consumerRefused.settings().equals(List.of(KafkaSettings.BOOTSTRAP))) {
            throw withOrigins(consumerRefused);
        }
        // the runner records its run and step meters there, and binds every node that is a MeterBinder when it
        // initializes it (with the node's class loader as context loader); nodes' metrics() are read through the
        // registry, not copied into every run's result (the Kafka node's snapshot computes its percentiles each time)
        WorkflowRunner.Builder rb = WorkflowRunner.builder().registry(b.registry).settings(b.settings)
                .meterRegistry(meters).nodeMetricsInResults(false);
        Map<String, Map<String, String>> byOrigin = new LinkedHashMap<>();
        b.origins.forEach((k, origin) -> byOrigin.computeIfAbsent(origin, o -> new LinkedHashMap<>())
                .put(k, b.settings.get(k)));
        byOrigin.forEach(rb::settingsFrom);
        runner = rb.build();
        starting = true;
        try {
            if (b.httpPort != null) {
                // first: a port that is taken, or an address not this machine's, is said before any node starts; it
                // answers live (starting) and not ready until the loops run
                http = new HealthServer(b.httpHost, b.httpPort, new Health(), meters);
                b.events.accept("health and metrics at " + http.address() + "/health, /health/live, /health/ready,"
                        + " /metrics");
            }
            if (stopRequested) {
                return abortStart("before initializing the nodes");
            }
            for (Workflow w : b.workflows) {
                // validates against the nodes and initializes them now: settings a node refuses stop the start
                List<Problem> refused = runner.prepare(w, null);
                problems.addAll(refused);
                if (refused.isEmpty()) {
                    // any other failure too: the runner never initializes a node again, so every trigger that needs
                    // it would fail for the infrastructure and wait, paused, for ever (ready until the first came)
                    problems.addAll(runner.initializationProblems(w));
                }
            }
            if (!problems.isEmpty()) {
                throw new ValidationException(problems);
            }
            if (consumerRefused != null) {
                throw withOrigins(consumerRefused);
            }
            if (stopRequested) {
                return abortStart("after initializing the nodes");
            }
            new JvmMemoryMetrics().bindTo(meters);
            new JvmGcMetrics().bindTo(meters);
            new JvmThreadMetrics().bindTo(meters);
            new ProcessorMetrics().bindTo(meters);
            new UptimeMetrics().bindTo(meters);
            admin = Admin.create(kafka.admin("onex-serve-admin"));
            TopicPreparer topics = new TopicPreparer(admin);
            deadLetters = new DeadLetters(kafka, "onex-serve", Duration.ofSeconds(30), topics);
            for (Workflow w : b.workflows) {
                List<String> triggerTopics = triggerTopics(kafka.topicPrefix(), w, b.topics);
                for (String t : triggerTopics) {
                    try {
                        if (topics.ensure(t)) {
                            String hint = topics.typoHint(t, kafka.topicPrefix());
                            if (hint != null) {
                                // said where the "serving workflow" line is: the host would wait on it, healthy
                                b.events.accept("workflow " + w.name() + ": trigger topic " + t + " did not exist, so"
                                        + " it was created (the broker's default partitions); " + hint);
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new OnexException("interrupted while preparing topic " + t);
                    } catch (Exception e) {
                        throw new OnexException("cannot reach Kafka at " + kafka.bootstrapServers() + " to prepare"
                                + " trigger topic " + t + ": " + e);
                    }
                }
                JsonSchema schema = w.inputSchema();
                String group = b.groupId != null ? b.groupId : defaultGroupId(kafka.topicPrefix(), w);
                TriggerConsumer.Config config = new TriggerConsumer.Config(w, runner,
                        new TriggerDecoder(w.name(), schema, b.maxTriggerBytes), triggerTopics, group, b.instanceId,
                        b.concurrency, b.drainTimeout, Math.max(1000, b.concurrency * 8));
                TriggerConsumer c = new TriggerConsumer(config, kafka, deadLetters, new HostMetrics(meters, w.name()),
                        "onex-serve-" + w.name() + (b.instanceId == null ? "" : "-" + b.instanceId), b.events);
                consumers.add(c);
                b.events.accept("serving workflow " + w.name() + " " + w.version() + " (" + w.source() + "): topics "
                        + String.join(", ", triggerTopics) + ", group " + group
                        + (b.instanceId == null ? "" : ", instance " + b.instanceId) + ", concurrency " + b.concurrency
                        + ", " + kafka);
            }
            if (stopRequested) {
                return abortStart("before joining the groups");
            }
            // from here a stop reaches the loops themselves (one that comes before its loop runs, before it joins)
            for (TriggerConsumer c : consumers) {
                Thread t = new Thread(c, "onex-poll-" + c.config().workflow().name());
                threads.add(t);
                t.start();
            }
            return this;
        } catch (RuntimeException e) {
            closeUnstarted();
            throw e;
        } catch (IOException e) {
            closeUnstarted();
            throw new UncheckedIOException("cannot open the HTTP port " + b.httpHost + ":" + b.httpPort + ": "
                    + e.getMessage(), e);
        } finally {
            starting = false;
        }
    }

    /** {@code e} with where each setting it names came from, as the runner says it for a node's refusal. */
    private NodeSettingsException withOrigins(NodeSettingsException e) {
        List<String> parts = new ArrayList<>();
        for (String name : e.settings()) {
            if (b.origins.containsKey(name)) {
                parts.add(name + " is set by " + b.origins.get(name));
            }
        }
        return parts.isEmpty() ? e
                : new NodeSettingsException(e.getMessage() + " [" + String.join("; ", parts) + "]", e.settings(), null);
    }

    /**
     * A stop came while starting (SIGTERM during the nodes' start, say): no loop has run, so no group was joined and
     * nothing fetched; close what was opened and serve nothing.
     */
    private OnexHost abortStart(String when) {
        b.events.accept("stop requested while starting: stopped " + when + ", serving nothing");
        closeUnstarted();
        return this;
    }

    /** A start that did not get to run the loops: their consumers, and everything else it opened. */
    private void closeUnstarted() {
        List<TriggerConsumer> unstarted = List.copyOf(consumers);
        consumers.clear();
        unstarted.forEach(TriggerConsumer::closeUnstarted);
        closeResources();
    }

    /** A Kafka step of {@code from} that publishes to a topic {@code to} consumes here ({@code full}, prefixed). */
    private record Hop(Workflow from, Step step, String topic, String full, Workflow to) {
        String describe() {
            return "step '" + step.name() + "' of workflow '" + from.name() + "' publishes to '" + topic + "'"
                    + (full.equals(topic) ? "" : " (" + full + " in Kafka)") + ", which workflow '" + to.name()
                    + "' consumes";
        }
    }

    /**
     * A Kafka step that publishes to a topic the host consumes turns one trigger into runs for ever: to its own
     * workflow's topic, or round a loop of workflows served together (ping publishes to pong's topic, pong to ping's).
     * {@code onex validate} refuses the first for {@code subscribe_topics}; {@code --topic} and the workflows served
     * together are only known here, so all are compared here as Kafka sees the topics: with the prefix the node and the
     * host put in front. A topic computed at run time is not known before, and not compared.
     */
    private void triggerLoops(List<Problem> problems) {
        Map<String, Workflow> consumedBy = new LinkedHashMap<>();
        for (Workflow w : b.workflows) {
            triggerTopics(kafka.topicPrefix(), w, b.topics).forEach(t -> consumedBy.putIfAbsent(t, w));
        }
        Map<Workflow, List<Hop>> hops = new LinkedHashMap<>();
        for (Workflow w : b.workflows) {
            List<Hop> out = new ArrayList<>();
            for (Step s : w.nodeSteps()) {
                JsonNode topic = !EventBus.KAFKA_NODE.equals(s.node()) || s.input() == null ? null
                        : s.input().get("topic");
                if (topic == null || !topic.isString() || Template.mayContainExpression(topic.asString())) {
                    continue;
                }
                String full = EventBus.fullTopic(kafka.topicPrefix(), topic.asString());
                Workflow to = consumedBy.get(full);
                if (to != null) {
                    out.add(new Hop(w, s, topic.asString(), full, to));
                }
            }
            hops.put(w, out);
        }
        Set<Set<String>> reported = new java.util.HashSet<>();
        for (Workflow w : b.workflows) {
            for (Hop h : hops.get(w)) {
                if (h.to() == w) {
                    problems.add(w.document().problemAt(h.step().pointer() + "/input/topic", "step '" + h.step().name()
                            + "' publishes to '" + h.topic() + "'" + (h.full().equals(h.topic()) ? "" : " (" + h.full()
                            + " in Kafka)") + ", a topic this host would consume for workflow '" + w.name() + "' ("
                            + (b.topics.isEmpty() ? "event_bus.subscribe_topics" : "--topic")
                            + "): every run would trigger another"));
                }
            }
            List<Hop> loop = loopBack(w, w, hops, new ArrayList<>(), new java.util.HashSet<>());
            if (loop != null && reported.add(loop.stream().map(h -> h.from().name()).collect(
                    java.util.stream.Collectors.toCollection(java.util.TreeSet::new)))) {
                Hop first = loop.get(0);
                problems.add(w.document().problemAt(first.step().pointer() + "/input/topic", loop.stream()
                        .map(Hop::describe).collect(java.util.stream.Collectors.joining(", and "))
                        + ": served together, every run would trigger another, round the loop for ever"));
            }
        }
    }

    /** A path of hops between different workflows from {@code at} back to {@code start}, or null. */
    private static List<Hop> loopBack(Workflow start, Workflow at, Map<Workflow, List<Hop>> hops, List<Hop> path,
            Set<Workflow> seen) {
        for (Hop h : hops.get(at)) {
            if (h.to() == at) {
                continue; // its own topic: said on its own
            }
            path.add(h);
            if (h.to() == start) {
                return new ArrayList<>(path);
            }
            if (seen.add(h.to())) {
                List<Hop> found = loopBack(start, h.to(), hops, path, seen);
                if (found != null) {
                    return found;
                }
            }
            path.remove(path.size() - 1);
        }
        return null;
    }

    /** The registry every meter of the host (and of its nodes) is in. */
    public PrometheusMeterRegistry meterRegistry() {
        return meters;
    }

    /** The HTTP port, once started with one; -1 without. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    public List<TriggerConsumer.Status> status() {
        return consumers.stream().map(TriggerConsumer::status).toList();
    }

    /**
     * Every loop joined its group, reaches Kafka (a connection to a broker within the last 5 s, a heartbeat to the
     * coordinator within 15 s) and no partition waits out an infrastructure failure.
     */
    public boolean ready() {
        List<TriggerConsumer.Status> all = status();
        return !all.isEmpty() && all.stream().allMatch(s -> s.alive() && s.joined() && s.retrying().isEmpty()
                && s.error() == null && s.kafka() == null);
    }

    /** Starting (nodes initializing), or every loop runs. */
    public boolean live() {
        if (starting) {
            return true;
        }
        List<TriggerConsumer.Status> all = status();
        return !all.isEmpty() && all.stream().allMatch(TriggerConsumer.Status::alive);
    }

    /**
     * Asks every loop to stop fetching and drain; returns at once ({@link #close()} waits). Asked while
     * {@link #start()} is under way (from another thread), the start ends at its next step, serving nothing.
     */
    public void stop() {
        stopRequested = true;
        consumers.forEach(TriggerConsumer::stop);
    }

    /**
     * After the loops stopped: what kept the stop from ending cleanly (a final commit that failed, so those triggers
     * run again after a restart), one line per workflow; empty when it ended cleanly.
     */
    public List<String> stopProblems() {
        List<String> problems = new ArrayList<>();
        for (TriggerConsumer c : consumers) {
            if (c.stopProblem() != null) {
                problems.add("workflow " + c.config().workflow().name() + ": " + c.stopProblem());
            }
        }
        return problems;
    }

    /**
     * The longest a stop may take, from {@link #stop()} to {@link #close()} returning: the drain timeout, the final
     * commit and leaving the groups ({@link TriggerConsumer#STOP_ALLOWANCE_MS}), closing the nodes and clients
     * ({@link #CLOSE_ALLOWANCE_MS}), and {@link #STOP_SLACK_MS} for a busy machine. A caller that must exit may give up
     * waiting after it ({@code onex serve} does, exit 1).
     */
    public Duration stopBound() {
        return b.drainTimeout.plusMillis(TriggerConsumer.STOP_ALLOWANCE_MS + CLOSE_ALLOWANCE_MS + STOP_SLACK_MS);
    }

    /** Slack on top of the stop's own bounds, in {@link #stopBound()}. */
    public static final long STOP_SLACK_MS = 5_000;

    /** What has not stopped yet: one entry per trigger loop still running ({@code workflow W's trigger loop}). */
    public List<String> running() {
        List<String> running = new ArrayList<>();
        for (TriggerConsumer c : consumers) {
            try {
                if (!c.awaitStopped(0, TimeUnit.MILLISECONDS)) {
                    running.add("workflow " + c.config().workflow().name() + "'s trigger loop");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return running;
    }

    /** Why loops stopped without being asked to: one line per workflow whose loop ended on an error. */
    public List<String> loopErrors() {
        List<String> errors = new ArrayList<>();
        for (TriggerConsumer.Status s : status()) {
            if (!s.alive() && s.error() != null) {
                errors.add("workflow " + s.workflow() + ": " + s.error());
            }
        }
        return errors;
    }

    /** Waits until every loop has stopped (after {@link #stop()}, or a fatal error). */
    public boolean awaitStopped(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (TriggerConsumer c : consumers) {
            if (!c.awaitStopped(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                return false;
            }
        }
        return true;
    }

    /** Stops fetching, drains, commits, leaves the groups, then closes the nodes and the port. Never throws. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop();
        try {
            // the loops bound the drain, the final commit and the leaving themselves; a little slack on top
            awaitStopped(b.drainTimeout.toMillis() + TriggerConsumer.STOP_ALLOWANCE_MS + TriggerConsumer.CLOSE_GRACE_MS
                    + STOP_SLACK_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeResources();
    }

    /**
     * At most this long for closing the nodes and the Kafka clients, after the loops stopped. Each close waits for what
     * its client still holds, which with Kafka gone is its whole timeout (the Kafka node's 10 s, the dead-letter
     * producer's 5 s, the admin client's 5 s: one after another, a stop during an outage took 20 s more than the
     * drain). They close side by side, and what is not closed by then is left: nothing they held was committed, so it
     * runs again after a restart.
     */
    public static final long CLOSE_ALLOWANCE_MS = 5_000;

    private void closeResources() {
        if (http != null) {
            http.close();
        }
        List<Thread> closing = new ArrayList<>();
        if (runner != null) {
            closing.add(closeAside("nodes", runner::close));
        }
        if (deadLetters != null) {
            closing.add(closeAside("dead-letter producer", deadLetters::close));
        }
        if (admin != null) {
            closing.add(closeAside("admin client", () -> admin.close(Duration.ofMillis(CLOSE_ALLOWANCE_MS))));
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_ALLOWANCE_MS);
        List<String> left = new ArrayList<>();
        for (Thread t : closing) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                left.add(t.getName().substring("onex-close-".length()));
            }
        }
        if (!left.isEmpty()) {
            LOG.warn("Closing the {} did not finish within {} ms (Kafka does not answer?); not waited for longer:"
                    + " what they still held was not committed and runs again after a restart",
                    String.join(", ", left), CLOSE_ALLOWANCE_MS);
        }
    }

    private static Thread closeAside(String what, Runnable close) {
        Thread t = new Thread(() -> {
            try {
                close.run();
            } catch (RuntimeException e) {
                LOG.debug("closing the {}", what, e);
            }
        }, "onex-close-" + what);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private final class Health implements HealthServer.Source {
        @Override
        public boolean live() {
            return OnexHost.this.live();
        }

        @Override
        public boolean ready() {
            return OnexHost.this.ready();
        }

        @Override
        public String json() {
            ObjectNode root = JSON.createObjectNode();
            root.put("status", starting ? "starting" : ready() ? "ready" : live() ? "not_ready" : "not_live");
            // by node, calls that steps gave up on at their time limit and the node has still not answered: a node
            // stuck in its calls holds a thread or memory for each, which no other figure here shows
            ObjectNode unanswered = root.putObject("unanswered_calls");
            for (io.micrometer.core.instrument.Gauge g : meters.find("onex.workflow.steps.unanswered").gauges()) {
                long n = Math.round(g.value());
                if (n > 0) {
                    unanswered.put(g.getId().getTag("node"), n);
                }
            }
            ArrayNode workflows = root.putArray("workflows");
            for (TriggerConsumer.Status s : status()) {
                ObjectNode w = workflows.addObject();
                w.put("workflow", s.workflow());
                w.put("group", s.groupId());
                ArrayNode topics = w.putArray("topics");
                s.topics().forEach(topics::add);
                w.put("joined", s.joined());
                w.put("alive", s.alive());
                ArrayNode partitions = w.putArray("partitions");
                s.partitions().forEach(partitions::add);
                w.put("runs_in_flight", s.inFlight());
                ObjectNode retrying = w.putObject("retrying");
                s.retrying().forEach(retrying::put);
                if (s.error() != null) {
                    w.put("error", s.error());
                }
                if (s.kafka() != null) {
                    w.put("kafka", s.kafka());
                }
            }
            return root.toString() + "\n";
        }
    }

    /** Configures a host. */
    public static final class Builder {
        private NodeRegistry registry;
        private final Map<String, String> settings = new LinkedHashMap<>();
        private final Map<String, String> origins = new LinkedHashMap<>();
        private final List<Workflow> workflows = new ArrayList<>();
        private final List<String> topics = new ArrayList<>();
        private int concurrency = DEFAULT_CONCURRENCY;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private int maxTriggerBytes = DEFAULT_MAX_TRIGGER_BYTES;
        private String groupId;
        private String instanceId;
        private Integer httpPort;
        private String httpHost = "127.0.0.1";
        private PrometheusMeterRegistry meterRegistry;
        private Consumer<String> events = line -> LOG.info("{}", line);

        private Builder() {
        }

        public Builder registry(NodeRegistry registry) {
            this.registry = registry;
            return this;
        }

        /** Node settings and the host's Kafka settings (usually the environment plus overrides). */
        public Builder settings(Map<String, String> settings) {
            this.settings.putAll(settings);
            settings.keySet().forEach(origins::remove);
            return this;
        }

        /**
         * {@link #settings(Map)}, remembering that they came from {@code origin} (e.g. {@code "--bootstrap-servers"}):
         * a node that refuses one at start is reported with where its value came from, as {@code onex run} does.
         */
        public Builder settingsFrom(String origin, Map<String, String> settings) {
            this.settings.putAll(settings);
            settings.keySet().forEach(k -> origins.put(k, origin));
            return this;
        }

        public Builder workflow(Workflow workflow) {
            this.workflows.add(Objects.requireNonNull(workflow));
            return this;
        }

        public Builder workflows(List<Workflow> workflows) {
            workflows.forEach(this::workflow);
            return this;
        }

        /** Trigger topics (without the prefix) instead of the workflow's {@code subscribe_topics}; one workflow only. */
        public Builder topics(List<String> topics) {
            if (topics.stream().anyMatch(t -> t == null || t.isBlank())) {
                // with the prefix in front it would pass for a topic ('dev.'), one no step writes to
                throw new IllegalArgumentException("--topic: a trigger topic cannot be empty or blank");
            }
            this.topics.addAll(topics);
            return this;
        }

        /** Runs in flight per workflow, at most (default {@value #DEFAULT_CONCURRENCY}). */
        public Builder concurrency(int concurrency) {
            if (concurrency < 1 || concurrency > 10_000) {
                throw new IllegalArgumentException("concurrency must be between 1 and 10000, got " + concurrency);
            }
            this.concurrency = concurrency;
            return this;
        }

        /** How long runs under way may take to finish on stop and when a partition is revoked (default 30 s). */
        public Builder drainTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("the drain timeout must be between 0 and 1 hour, got " + timeout);
            }
            this.drainTimeout = timeout;
            return this;
        }

        public Builder maxTriggerBytes(int bytes) {
            if (bytes < 2) {
                throw new IllegalArgumentException("the largest trigger must be at least 2 bytes, got " + bytes);
            }
            this.maxTriggerBytes = bytes;
            return this;
        }

        /** The consumer group instead of {@link #defaultGroupId}; one workflow only. */
        public Builder groupId(String groupId) {
            this.groupId = groupId == null || groupId.isBlank() ? null : groupId;
            return this;
        }

        /** A static member id ({@code group.instance.id}): a restart within the session timeout keeps the partitions. */
        public Builder instanceId(String instanceId) {
            this.instanceId = instanceId == null || instanceId.isBlank() ? null : instanceId;
            return this;
        }

        /** Serve health and metrics on this port (0: any free one); none by default. */
        public Builder httpPort(Integer port) {
            this.httpPort = port;
            return this;
        }

        public Builder httpHost(String host) {
            this.httpHost = Objects.requireNonNull(host);
            return this;
        }

        public Builder meterRegistry(PrometheusMeterRegistry registry) {
            this.meterRegistry = registry;
            return this;
        }

        /** Where the host's lines for operators go (assignments, stop); by default the log. */
        public Builder events(Consumer<String> events) {
            this.events = Objects.requireNonNull(events);
            return this;
        }

        public OnexHost build() {
            Objects.requireNonNull(registry, "registry");
            return new OnexHost(this);
        }
    }
}
