package ai.omninode.onex.kafka.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one), running inside this JVM from Kafka's own
 * server classes. No Docker, no download: about two seconds to start and some 40 MB of heap.
 *
 * <p>It keeps its client port and data folder across {@link #stop()} and {@link #start()}, so fault tests can take
 * the broker away and bring it back with every record it had. Settings that a one-node cluster needs are made
 * here once: replication factor 1 for internal topics (else consumer groups never find a coordinator), and a 4 MiB
 * log-cleaner buffer instead of 128 MiB of heap.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final String CONTROLLER = "CONTROLLER";
    /** Temporary data folders are {@code embedded-kafka-PID-RANDOM}: the process id says whether one is still used. */
    static final String TEMP_PREFIX = "embedded-kafka-";

    private final Path dataDir;
    private final boolean deleteDataDirOnClose;
    private final Map<String, String> extraConfig;
    private final Map<String, String> saslUsers;
    private final boolean authorizer;
    private int port;
    private int saslPort;
    private KafkaRaftServer server;
    /** Held while the broker runs: a second broker on the same folder is refused before it touches it. */
    private FileChannel folderLock;

    private EmbeddedKafkaBroker(Builder b) {
        try {
            if (b.dataDir != null) {
                this.dataDir = Files.createDirectories(b.dataDir);
                this.deleteDataDirOnClose = false;
            } else {
                Path root = Path.of(System.getProperty("java.io.tmpdir"));
                Files.createDirectories(root);
                removeFoldersOfEndedProcesses(root);
                this.dataDir = Files.createTempDirectory(root, TEMP_PREFIX + ProcessHandle.current().pid() + "-");
                this.deleteDataDirOnClose = true;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the broker's data folder", e);
        }
        this.port = b.port;
        this.extraConfig = Map.copyOf(b.config);
        this.saslUsers = Map.copyOf(b.saslUsers);
        this.authorizer = b.authorizer;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts a broker with defaults: random free port, temporary data folder. */
    public static EmbeddedKafkaBroker startDefault() {
        EmbeddedKafkaBroker broker = builder().build();
        broker.start();
        return broker;
    }

    /**
     * Starts the broker; blocks until it is unfenced and serving. On a restart it reuses the port and data
     * folder of the first start.
     */
    public synchronized EmbeddedKafkaBroker start() {
        if (server != null) {
            return this;
        }
        long t0 = System.nanoTime();
        lockFolder();
        try {
            startLocked(t0);
        } catch (RuntimeException | Error e) {
            unlockFolder(); // a failed start holds nothing: a later start (or another broker) may take the folder
            throw e;
        }
        return this;
    }

    private void startLocked(long t0) {
        if (port == 0) {
            port = freePortOtherThan(saslPort, 0);
        }
        if (!saslUsers.isEmpty() && saslPort == 0) {
            saslPort = freePortOtherThan(port, 0);
        }
        KafkaRaftServer started = null;
        for (int attempt = 1; started == null; attempt++) {
            try {
                started = startOnce(freePortOtherThan(port, saslPort));
            } catch (RuntimeException e) {
                // the controller port is picked by probing; another process may take it before Kafka binds it
                if (attempt >= 3 || !causedByBind(e)) {
                    throw e;
                }
                LOG.warn("Port race while starting embedded Kafka, retrying: {}", e.toString());
            }
        }
        server = started;
        LOG.info("Embedded Kafka started on {} in {} ms (data: {})", bootstrapServers(),
                (System.nanoTime() - t0) / 1_000_000, dataDir);
    }

    private KafkaRaftServer startOnce(int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        String sasl = saslUsers.isEmpty() ? "" : ",SASL_PLAINTEXT://127.0.0.1:" + saslPort;
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + sasl + "," + CONTROLLER + "://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port + sasl);
        p.put("controller.listener.names", CONTROLLER);
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER + ":PLAINTEXT"
                + (saslUsers.isEmpty() ? "" : ",SASL_PLAINTEXT:SASL_PLAINTEXT"));
        if (!saslUsers.isEmpty()) {
            p.put("sasl.enabled.mechanisms", "PLAIN");
            p.put("listener.name.sasl_plaintext.sasl.enabled.mechanisms", "PLAIN");
            p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", plainServerJaas());
        }
        if (authorizer) {
            // the PLAINTEXT and CONTROLLER listeners authenticate nobody: their principal is ANONYMOUS, made a
            // super user so the broker itself, and tests' admin clients on PLAINTEXT, keep working
            p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
            p.put("super.users", "User:ANONYMOUS");
            p.put("allow.everyone.if.no.acl.found", "false");
        }
        p.put("log.dirs", dataDir.toString());
        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 << 20));
        p.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
        p.putAll(extraConfig);
        KafkaConfig config = KafkaConfig.fromProps(p, false);
        if (!Files.exists(dataDir.resolve("meta.properties"))) {
            format(config);
        }
        KafkaRaftServer s = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            s.startup();
        } catch (RuntimeException e) {
            try {
                s.shutdown();
                s.awaitShutdown();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return s;
    }

    private void format(KafkaConfig config) {
        try {
            new Formatter()
                    .setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
                    .setNodeId(1)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName(CONTROLLER)
                    .setMetadataLogDirectory(dataDir.toString())
                    .addDirectory(dataDir.toString())
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format embedded Kafka storage in " + dataDir, e);
        }
    }

    /** Stops the broker, keeping its data and port for the next {@link #start()}. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        long t0 = System.nanoTime();
        KafkaRaftServer s = server;
        server = null;
        try {
            s.shutdown();
            s.awaitShutdown();
        } finally {
            unlockFolder();
        }
        LOG.info("Embedded Kafka on port {} stopped in {} ms", port, (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Refused: a data folder another broker runs on. Kafka locks its log folders only once its controller has
     * started, and a second broker's controller writing the same metadata log corrupted the first's (it could no
     * longer create topics, ignored SIGTERM, and truncated its metadata log at the next start).
     */
    public static final class FolderInUseException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        FolderInUseException(String message) {
            super(message);
        }
    }

    /**
     * The folders brokers of this JVM hold. Checked before a second channel is opened on a folder's lock file: closing
     * any channel on a file releases every lock this process holds on it (POSIX record locks), the first broker's too.
     */
    private static final java.util.Set<Path> LOCKED_HERE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private void lockFolder() {
        String inUse = "data folder " + dataDir + " is in use by another running broker; stop it, or give this one"
                + " another folder";
        Path key = dataDir.toAbsolutePath().normalize();
        if (!LOCKED_HERE.add(key)) {
            throw new FolderInUseException(inUse);
        }
        FileChannel channel = null;
        boolean locked = false;
        try {
            channel = FileChannel.open(dataDir.resolve(".onex-broker.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            if (channel.tryLock() == null || lockedByKafka(dataDir)) { // another process's broker, or a Kafka not ours
                throw new FolderInUseException(inUse);
            }
            folderLock = channel;
            locked = true;
        } catch (OverlappingFileLockException e) { // this JVM holds it otherwise (not through a broker of ours)
            throw new FolderInUseException(inUse);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock the broker's data folder " + dataDir + ": " + e.getMessage(), e);
        } finally {
            if (!locked) {
                closeQuietly(channel);
                LOCKED_HERE.remove(key);
            }
        }
    }

    private void unlockFolder() {
        if (folderLock != null) {
            closeQuietly(folderLock); // closing the channel releases its lock
            folderLock = null;
            LOCKED_HERE.remove(dataDir.toAbsolutePath().normalize());
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the lock goes with the process anyway
            }
        }
    }

    /** Stops and starts again on the same port with the same data. */
    public synchronized void restart() {
        stop();
        start();
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    /** {@code 127.0.0.1:port}; valid before the first start only once a port was chosen. */
    public synchronized String bootstrapServers() {
        if (port == 0) {
            port = freePortOtherThan(saslPort, 0);
        }
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /**
     * {@code 127.0.0.1:port} of the SASL_PLAINTEXT (mechanism PLAIN) listener, for the users given to
     * {@link Builder#saslPlainUser(String, String)}.
     */
    public synchronized String saslBootstrapServers() {
        if (saslUsers.isEmpty()) {
            throw new IllegalStateException("this broker has no SASL listener; add users with saslPlainUser()");
        }
        if (saslPort == 0) {
            saslPort = freePortOtherThan(port, 0);
        }
        return "127.0.0.1:" + saslPort;
    }

    /** The client-side {@code sasl.jaas.config} for a PLAIN user (a secret: do not log it). */
    public static String plainClientJaas(String user, String password) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    private String plainServerJaas() {
        StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
        saslUsers.forEach((user, password) -> jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
        return jaas.append(';').toString();
    }

    public Path dataDir() {
        return dataDir;
    }

    /** A new admin client for this broker; close it. */
    public Admin admin() {
        Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return Admin.create(props);
    }

    /** Creates a topic (if absent) and waits until every partition serves; see {@link #awaitTopicReady}. */
    public void createTopic(String topic, int partitions) {
        createTopic(topic, partitions, Map.of());
    }

    public void createTopic(String topic, int partitions, Map<String, String> topicConfig) {
        try (Admin admin = admin()) {
            createTopic(admin, topic, partitions, topicConfig, Duration.ofSeconds(30));
        }
    }

    /**
     * Creates a topic and waits until its partitions answer ListOffsets. Producing right after CreateTopics can
     * otherwise lose a batch on Kafka 4.4: the leader is announced before its replica manager serves, the first
     * batch bounces with NOT_LEADER_OR_FOLLOWER while later ones are accepted, and the retried batch then fails
     * with OUT_OF_ORDER_SEQUENCE_NUMBER until the delivery timeout.
     */
    public static void createTopic(Admin admin, String topic, int partitions, Map<String, String> topicConfig,
            Duration timeout) {
        try {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(topicConfig))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + topic + ": " + e.getCause(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating topic " + topic, e);
        }
        awaitTopicReady(admin, topic, partitions, timeout);
    }

    /** Waits until every partition of {@code topic} is served by its leader. */
    public static void awaitTopicReady(Admin admin, String topic, int partitions, Duration timeout) {
        Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
        for (int i = 0; i < partitions; i++) {
            request.put(new TopicPartition(topic, i), OffsetSpec.latest());
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                admin.listOffsets(request).all().get();
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic " + topic + " did not become ready: " + e.getCause(), e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for topic " + topic, e);
            }
            try {
                Thread.sleep(10); // polling a broker-side condition that has no notification
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for topic " + topic, e);
            }
        }
    }

    /** Stops the broker and deletes its data folder if this broker created it. Never throws. */
    @Override
    public synchronized void close() {
        try {
            stop();
        } catch (RuntimeException e) {
            LOG.warn("Error stopping embedded Kafka: {}", e.toString());
        }
        if (deleteDataDirOnClose) {
            deleteRecursively(dataDir);
        }
    }

    /**
     * Deletes the temporary data folders ({@value #TEMP_PREFIX}{@code PID-...}) of brokers whose process has ended
     * without closing them (killed with SIGKILL, say), which would otherwise fill the temporary folder one run at a
     * time. A folder whose process still runs, one a running Kafka holds (its {@code .lock}), or one not named with a
     * process id, is left alone.
     */
    static int removeFoldersOfEndedProcesses(Path root) {
        int removed = 0;
        try (Stream<Path> list = Files.list(root)) {
            for (Path dir : list.toList()) {
                String name = dir.getFileName().toString();
                if (!name.startsWith(TEMP_PREFIX) || !Files.isDirectory(dir)) {
                    continue;
                }
                String rest = name.substring(TEMP_PREFIX.length());
                int dash = rest.indexOf('-');
                long pid;
                try {
                    pid = dash > 0 ? Long.parseLong(rest.substring(0, dash)) : -1;
                } catch (NumberFormatException e) {
                    pid = -1;
                }
                if (pid > 0 && ProcessHandle.of(pid).isEmpty() && !lockedByKafka(dir)) {
                    deleteRecursively(dir);
                    removed++;
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("Could not look for data folders of ended embedded brokers in {}: {}", root, e.toString());
        }
        if (removed > 0) {
            LOG.info("Removed {} data folder(s) of embedded Kafka brokers whose process had ended", removed);
        }
        return removed;
    }

    /**
     * Whether a running broker holds the folder: Kafka locks {@code .lock} in each of its log folders while it runs.
     * This covers a process that looks ended only because it runs in another process-id namespace (a container
     * sharing the temporary folder).
     */
    private static boolean lockedByKafka(Path dir) {
        Path lock = dir.resolve(".lock");
        if (!Files.exists(lock)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.WRITE)) {
            FileLock held = channel.tryLock();
            if (held == null) {
                return true;
            }
            held.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true; // this very JVM holds it
        } catch (IOException e) {
            return true; // cannot tell: leave it
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> paths = new ArrayList<>(walk.sorted(Comparator.reverseOrder()).toList());
            for (Path path : paths) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            LOG.warn("Could not delete {}: {}", dir, e.toString());
        }
    }

    private static boolean causedByBind(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    /**
     * A free port that is neither of {@code taken}: a port picked earlier is closed until Kafka binds it, and the
     * system may hand it out again (the controller listener then got the client listener's port, and Kafka refused
     * two listeners on one port).
     */
    static int freePortOtherThan(int a, int b) {
        for (int i = 0; i < 100; i++) {
            int p = freePort();
            if (p != a && p != b) {
                return p;
            }
        }
        throw new UncheckedIOException(new IOException("no free port other than " + a + " and " + b));
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    /** Options for a broker. */
    public static final class Builder {
        private Path dataDir;
        private int port;
        private final Map<String, String> config = new LinkedHashMap<>();
        private final Map<String, String> saslUsers = new LinkedHashMap<>();
        private boolean authorizer;

        private Builder() {
        }

        /** Adds a SASL_PLAINTEXT listener (mechanism PLAIN) that accepts this user; call once per user. */
        public Builder saslPlainUser(String user, String password) {
            saslUsers.put(user, password);
            return this;
        }

        /**
         * Turns on Kafka's {@code StandardAuthorizer} with {@code allow.everyone.if.no.acl.found=false}: SASL users
         * can do only what ACLs allow them. The PLAINTEXT listener stays open to a super user for setup.
         */
        public Builder authorizer(boolean on) {
            this.authorizer = on;
            return this;
        }

        /** A data folder to keep (default: a temporary folder, deleted on close). */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** The client port (default: a free one, chosen at first start and kept). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Any broker setting, applied over the defaults (for example {@code message.max.bytes}). */
        public Builder config(String key, String value) {
            config.put(key, value);
            return this;
        }

        public Builder config(Map<String, String> settings) {
            config.putAll(settings);
            return this;
        }

        public EmbeddedKafkaBroker build() {
            return new EmbeddedKafkaBroker(this);
        }
    }
}
