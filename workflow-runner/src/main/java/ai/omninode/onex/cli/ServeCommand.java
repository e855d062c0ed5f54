package ai.omninode.onex.cli;

import ai.omninode.onex.cli.internal.PluginOptions;
import ai.omninode.onex.cli.internal.SetNames;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.host.OnexHost;
import ai.omninode.onex.host.internal.KafkaSettings;
import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.runtime.NodeRegistry;
import ai.omninode.onex.workflow.Workflow;
import ai.omninode.onex.workflow.WorkflowLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code onex serve}: the ONEX runtime host, running workflows for the events on their trigger topics. */
@Command(name = "serve",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Runs each workflow once for every event on its trigger topics (event_bus.subscribe_topics, with "
                + "KAFKA_TOPIC_PREFIX in front as the Kafka node writes topics), as a member of the workflow's "
                + "Kafka consumer group: start more copies to share the partitions. The event's payload is the "
                + "run's input (an ONEX envelope's payload, or a plain JSON object), its correlation_id and W3C "
                + "traceparent carry into the run.",
            "",
            "At least once: a trigger's offset is committed only after its run ended with its outcome on record "
                + "(succeeded; failed and on_step_failure succeeded; or failed and the trigger is in <topic>.dlq "
                + "with the failed step as dead-letter-reason), never past a run still under way. Triggers with the "
                + "same key run in order, others concurrently. A trigger that is not a JSON object, breaks the "
                + "workflow's input_schema, or would make a step break its node's contract (what onex run refuses "
                + "before any step) goes to <topic>.dlq with dead-letter-* headers and is committed, no step run. "
                + "A run that failed because Kafka could not be reached (or its outcome is unknown) is not committed: "
                + "its partition pauses and it runs again with backoff, under the same run key, so its events "
                + "keep their event_id. SIGTERM or Ctrl-C: stop fetching, finish the runs under way within "
                + "--drain-timeout, commit, leave the group, exit 0; the commit and the leaving take at most 5 s "
                + "more, together, and closing the nodes and Kafka clients at most 5 s after that, even when Kafka "
                + "does not answer (what they still held was not committed, and runs again after a restart). "
                + "Past that and 5 s more, or at a second SIGTERM or Ctrl-C, onex serve stops waiting: exit 1, "
                + "naming what did not stop."},
        footerHeading = "%nExit codes:%n",
        footer = {
            "  0  stopped by SIGTERM or Ctrl-C after the drain, the final commit done",
            "  1  a trigger loop stopped on an error it cannot recover from (e.g. fenced",
            "     out of its group by a copy with the same --instance-id), the final",
            "     commit after SIGTERM failed (Kafka unreachable: the uncommitted",
            "     triggers run again after a restart), or the stop did not end within",
            "     its bound",
            "  2  usage error, or a workflow, node setting or plugin is invalid, or a",
            "     node cannot be initialized (nothing ran)",
            "",
            "Settings: the environment plus --set: KAFKA_BOOTSTRAP_SERVERS,",
            "KAFKA_TOPIC_PREFIX, ONEX_KAFKA_<PROPERTY> (every Kafka client of the host",
            "and of the Kafka node, credentials included), ONEX_CONSUMER_<PROPERTY> (the",
            "trigger consumer only, e.g. ONEX_CONSUMER_MAX_POLL_RECORDS=200).",
            "",
            "Examples:",
            "  onex serve examples/document_ingestion.yaml --embedded-kafka \\",
            "      --http-port 8080",
            "  onex publish documents.ingest.requested.v1 \\",
            "      --input-file examples/document_ingestion.input.json \\",
            "      --bootstrap-servers 127.0.0.1:PORT",
            "  KAFKA_BOOTSTRAP_SERVERS=kafka:9092 onex serve \\",
            "      examples/document_ingestion.yaml --concurrency 64 \\",
            "      --instance-id ingest-1 --http-port 8080"})
public final class ServeCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "WORKFLOW.yaml", arity = "1..*", description = "The workflows to serve.")
    List<Path> workflowFiles = new ArrayList<>();

    @Option(names = "--embedded-kafka",
            description = "Start an in-process Kafka broker (3 partitions per new topic) and serve on it; it prints its"
                    + " address for onex publish, and stops with the host.")
    boolean embeddedKafka;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "The Kafka brokers (default: $KAFKA_BOOTSTRAP_SERVERS).")
    String bootstrapServers;

    @Option(names = "--topic", paramLabel = "TOPIC",
            description = "A trigger topic instead of the workflow's subscribe_topics (repeatable; one workflow only)."
                    + " KAFKA_TOPIC_PREFIX is put in front, as for subscribe_topics. A topic one of the workflow's"
                    + " Kafka steps publishes to is refused: every run would trigger another.")
    List<String> topics = new ArrayList<>();

    @Option(names = "--group", paramLabel = "GROUP",
            description = "The consumer group (one workflow only). Default: <KAFKA_TOPIC_PREFIX>.<workflow>.consume.v"
                    + "<major version>, stable across restarts and minor versions.")
    String group;

    @Option(names = "--instance-id", paramLabel = "ID",
            description = "Static group membership (group.instance.id): a restart within the session timeout gets its"
                    + " partitions back without a rebalance. Unique per running copy: a copy that another one with the"
                    + " same ID fences out of the group stops serving (exit 1).")
    String instanceId;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "" + OnexHost.DEFAULT_CONCURRENCY,
            description = "Runs in flight per workflow, at most (default ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "How long runs under way may take to finish when the host stops or a partition is taken"
                    + " away (default ${DEFAULT-VALUE}; e.g. 500ms, 45s, 2m). A stop waits at most this, then 5 s for"
                    + " the final commit and leaving the group, 5 s for closing the nodes and Kafka clients, and 5 s of"
                    + " slack.")
    Duration drainTimeout;

    @Option(names = "--http-port", paramLabel = "PORT",
            description = "Serve /health/live, /health/ready, /health and /metrics (Prometheus) on this port (0: a"
                    + " free one). Off by default.")
    Integer httpPort;

    @Option(names = "--http-host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "The address the HTTP port listens on (default ${DEFAULT-VALUE}; 0.0.0.0 for all).")
    String httpHost;

    @Option(names = "--max-trigger-bytes", paramLabel = "BYTES", defaultValue = "" + OnexHost.DEFAULT_MAX_TRIGGER_BYTES,
            description = "Larger triggers go to the dead-letter topic (default ${DEFAULT-VALUE}).")
    int maxTriggerBytes;

    @Mixin
    PluginOptions plugins = new PluginOptions();

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "A setting over the environment (repeatable), e.g. KAFKA_TOPIC_PREFIX=test. A name that"
                    + " neither the host nor an installed node reads is refused (onex nodes NAME lists a node's)."
                    + " Secrets belong in the environment: a command line is visible to other users (ps).")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        Stopper stopper = new Stopper();
        stopper.install();
        if (httpPort != null && (httpPort < 0 || httpPort > 65535)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--http-port must be between 0 and 65535, got " + httpPort);
        }
        try {
            // the host's own checks of these options, now: a usage error must not wait for a broker to start first
            OnexHost.builder().concurrency(concurrency).drainTimeout(drainTimeout).maxTriggerBytes(maxTriggerBytes)
                    .topics(topics);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        List<Workflow> workflows = load();
        // by where each value came from, so that a node refusing one names --bootstrap-servers, --set or the
        // environment, as onex run does
        Map<String, Map<String, String>> settings = new LinkedHashMap<>();
        settings.put("the environment", System.getenv());
        settings.put("--set", overrides);
        if (bootstrapServers != null) {
            settings.put("--bootstrap-servers", Map.of(RunCommand.BOOTSTRAP, bootstrapServers));
        }
        EmbeddedKafkaBroker broker = null;
        try (NodeRegistry registry = plugins.discover()) {
            Set<String> read = new LinkedHashSet<>(KafkaSettings.SETTING_NAMES);
            workflows.forEach(w -> read.addAll(w.envNames()));
            SetNames.check(spec, registry, overrides, read);
            SetNames.warnAboutEnvironment(registry, System.getenv(), read, warning -> LOG.warn("{}", warning));
            plugins.refuseUnknownNodes(registry, workflows); // with where a node could be found, before a broker starts
            if (stopper.requested()) {
                return stoppedBeforeServing(out);
            }
            if (embeddedKafka) {
                long t0 = System.nanoTime();
                broker = EmbeddedKafkaBroker.builder().config("num.partitions", "3").build().start();
                settings.put("--embedded-kafka", Map.of(RunCommand.BOOTSTRAP, broker.bootstrapServers()));
                out.printf("embedded Kafka broker started at %s in %d ms%n", broker.bootstrapServers(),
                        (System.nanoTime() - t0) / 1_000_000);
                out.flush();
            }
            if (stopper.requested()) {
                return stoppedBeforeServing(out);
            }
            OnexHost host;
            try {
                OnexHost.Builder builder = OnexHost.builder();
                settings.forEach(builder::settingsFrom);
                host = builder
                        .registry(registry)
                        .topics(topics)
                        .groupId(group)
                        .instanceId(instanceId)
                        .concurrency(concurrency)
                        .drainTimeout(drainTimeout)
                        .maxTriggerBytes(maxTriggerBytes)
                        .httpPort(httpPort)
                        .httpHost(httpHost)
                        .events(line -> {
                            synchronized (out) {
                                out.println(line);
                                out.flush();
                            }
                        })
                        .workflows(workflows)
                        .build();
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            Stopper.Host stoppable = Stopper.Host.of(host);
            stopper.attach(stoppable);
            try {
                host.start();
            } catch (java.io.UncheckedIOException e) {
                // the HTTP port is taken or the host address is not this machine's: a setting, not a bug (exit 2)
                stopper.release();
                throw new ai.omninode.onex.node.OnexException(e.getMessage() + " (choose another with --http-port"
                        + " / --http-host, or 0 for any free port)", e);
            } catch (RuntimeException e) {
                stopper.release();
                throw e;
            }
            if (broker != null && !stopper.requested()) {
                String topic = workflows.get(0).eventBus().map(b -> b.subscribeTopics().get(0)).orElse("TOPIC");
                out.println("send a trigger from another terminal: onex publish " + (topics.isEmpty() ? topic
                        : topics.get(0)) + " --input-file FILE.json --bootstrap-servers " + broker.bootstrapServers());
                out.flush();
            }
            PrintWriter err = spec.commandLine().getErr();
            Stopper.Outcome outcome = stopper.await(stoppable);
            stopper.release();
            if (outcome == Stopper.Outcome.STUCK) {
                err.println("onex: error: " + stopper.stuck());
                err.flush();
                return Onex.WORKFLOW_FAILED;
            }
            if (outcome == Stopper.Outcome.ENDED) {
                List<String> why = host.loopErrors();
                (why.isEmpty() ? List.of("the host stopped: " + host.status()) : why)
                        .forEach(line -> err.println("onex: error: " + line));
                err.flush();
                return Onex.WORKFLOW_FAILED;
            }
            if (!host.stopProblems().isEmpty()) {
                // the drain ran, but Kafka did not take the final commit: say so, and let scripts see it
                host.stopProblems().forEach(p -> err.println("onex: error: " + p
                        + " (those triggers run again after a restart, under the same run keys)"));
                err.flush();
                return Onex.WORKFLOW_FAILED;
            }
            out.println("stopped");
            out.flush();
            return Onex.OK;
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    /** SIGTERM or Ctrl-C came before the host existed: nothing was started that needs a drain. */
    private static int stoppedBeforeServing(PrintWriter out) {
        out.println("stopped before serving");
        out.flush();
        return Onex.OK;
    }

    private List<Workflow> load() {
        List<Workflow> workflows = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        WorkflowLoader loader = new WorkflowLoader();
        for (Path file : workflowFiles) {
            try {
                workflows.add(loader.load(file));
            } catch (ValidationException e) {
                problems.addAll(e.problems());
            }
        }
        if (!problems.isEmpty()) {
            throw new ValidationException(problems);
        }
        return workflows;
    }

    /**
     * SIGTERM and SIGINT ask the host to drain, and the main thread then exits 0 once it has; a JVM stopped by a
     * shutdown hook alone would exit 143. Other ways out of the JVM still drain, through a shutdown hook.
     *
     * <p>The wait is bounded: {@link OnexHost#stopBound()} after the signal (the drain timeout, the final commit and
     * leaving, closing the nodes and clients, and some slack), or at a second signal, {@code onex serve} stops waiting
     * and exits 1, naming what did not stop. Nothing committed is lost that way: what was not committed runs again
     * after a restart, under the same run keys.
     */
    static final class Stopper {
        /** What the stopper needs of a host; a seam so that the bound can be tested without a host that hangs. */
        interface Host {
            void stop();

            boolean awaitStopped(long timeout, TimeUnit unit) throws InterruptedException;

            void close();

            /** What has not stopped yet, for the message. */
            List<String> running();

            Duration stopBound();

            static Host of(OnexHost host) {
                return new Host() {
                    @Override
                    public void stop() {
                        host.stop();
                    }

                    @Override
                    public boolean awaitStopped(long timeout, TimeUnit unit) throws InterruptedException {
                        return host.awaitStopped(timeout, unit);
                    }

                    @Override
                    public void close() {
                        host.close();
                    }

                    @Override
                    public List<String> running() {
                        return host.running();
                    }

                    @Override
                    public Duration stopBound() {
                        return host.stopBound();
                    }
                };
            }
        }

        /** How the wait ended. */
        enum Outcome {
            /** Stopped and closed after a signal. */
            STOPPED,
            /** Every loop ended without a signal (an error it cannot recover from). */
            ENDED,
            /** Something did not stop within the bound, or a second signal came first: see {@link #stuck()}. */
            STUCK
        }

        private static final long TICK_MS = 200;
        private final AtomicInteger signals = new AtomicInteger();
        private volatile Host host;
        private Thread hook;
        private String stuck;

        /** Takes SIGTERM and SIGINT from now on: a signal before the host exists stops it before it serves. */
        void install() {
            int handled = 0;
            for (String name : List.of("TERM", "INT")) {
                try {
                    sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> signal("SIG" + name));
                    handled++;
                } catch (IllegalArgumentException | UnsupportedOperationException e) {
                    LOG.debug("cannot handle SIG{}; the shutdown hook drains instead", name, e);
                }
            }
            // a hangup shuts the JVM down as before (exit 129); noted, so that it is not taken for System.exit
            if (!ai.omninode.onex.cli.internal.Interruption.noteThenChain("HUP", () -> otherSignal = true)) {
                handled = 0; // cannot tell a hangup from System.exit then
            }
            signalsHandled = handled == 2;
        }

        /** Whether TERM and INT come to {@link #signal} (and a hangup is noted), so a shutdown without one is System.exit. */
        private volatile boolean signalsHandled;
        private volatile boolean otherSignal;

        void signal(String name) {
            if (signals.incrementAndGet() > 1) {
                LOG.debug("{} again: not waiting for the drain", name);
                return;
            }
            LOG.debug("{}: draining", name);
            Host h = host;
            if (h != null) {
                h.stop();
            }
        }

        boolean requested() {
            return signals.get() > 0;
        }

        /** From now on a signal stops {@code host}; one that came before stops it now (it will not start serving). */
        void attach(Host h) {
            host = h;
            hook = new Thread(() -> {
                h.close();
                if (signalsHandled && !otherSignal && !requested()) {
                    // no signal this command handles: a node (or a library) called System.exit, whose status (0 even)
                    // would tell a supervisor that the host was stopped on purpose
                    System.err.println("onex serve: System.exit was called in the process (by a node or a library);"
                            + " the host stopped (the runs in flight had the drain timeout; what did not finish is"
                            + " not committed and runs again, the one that called it too); exiting "
                            + Onex.WORKFLOW_FAILED);
                    System.err.flush();
                    Runtime.getRuntime().halt(Onex.WORKFLOW_FAILED);
                }
            }, "onex-serve-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            if (requested()) {
                h.stop();
            }
        }

        /** Waits for a signal (or for every loop to end), then for the stop, within its bound. */
        Outcome await(Host h) throws InterruptedException {
            while (!h.awaitStopped(TICK_MS, TimeUnit.MILLISECONDS)) {
                if (requested()) {
                    break;
                }
            }
            if (!requested()) {
                h.close();
                return Outcome.ENDED;
            }
            // from the signal (seen within a tick), or, for one that came while the host was starting, from the end of
            // the start, which stops early then
            long deadline = System.nanoTime() + h.stopBound().toNanos();
            boolean stopped = false;
            while (!stopped && signals.get() == 1 && System.nanoTime() - deadline < 0) {
                stopped = h.awaitStopped(Math.min(TICK_MS, remainingMs(deadline)), TimeUnit.MILLISECONDS);
            }
            Thread closing = null;
            if (stopped) {
                closing = new Thread(h::close, "onex-serve-close");
                closing.setDaemon(true);
                closing.start();
                while (closing.isAlive() && signals.get() == 1 && System.nanoTime() - deadline < 0) {
                    closing.join(Math.min(TICK_MS, remainingMs(deadline)));
                }
                if (!closing.isAlive()) {
                    return Outcome.STOPPED;
                }
            }
            List<String> running = new ArrayList<>(h.running());
            if (closing != null) {
                running.add("closing the nodes and Kafka clients");
            }
            stuck = (signals.get() > 1 ? "a second signal: not waiting for the stop to finish"
                    : "the host did not stop within " + h.stopBound().toSeconds() + " s of the signal")
                    + "; still running: " + (running.isEmpty() ? "nothing known" : String.join(", ", running))
                    + ". Exiting without it: triggers not committed run again after a restart, under the same run keys";
            return Outcome.STUCK;
        }

        private static long remainingMs(long deadline) {
            return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        }

        /** After {@link Outcome#STUCK}: what did not stop, for stderr. */
        String stuck() {
            return stuck;
        }

        /** The shutdown hook would close the host again at exit, and wait for what is stuck: drop it. */
        void release() {
            if (hook == null) {
                return;
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs; close() is idempotent
            }
        }
    }

    /** {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, or an ISO-8601 duration ({@code PT30S}). */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.strip().toLowerCase(Locale.ROOT);
            try {
                if (v.startsWith("pt") || v.startsWith("p")) {
                    return Duration.parse(value.strip().toUpperCase(Locale.ROOT));
                }
                if (v.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
                }
                long n = Long.parseLong(v.substring(0, v.length() - 1));
                return switch (v.charAt(v.length() - 1)) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    default -> throw new NumberFormatException();
                };
            } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a duration; write e.g."
                        + " 500ms, 30s, 2m or 1h");
            }
        }
    }
}
