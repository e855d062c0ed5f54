package ai.omninode.onex.cli;

import ai.omninode.onex.runtime.Causes;
import ai.omninode.onex.kafka.embedded.EmbeddedKafkaBroker;
import ai.omninode.onex.node.OnexException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code onex broker}: the in-process Kafka broker of {@code --embedded-kafka}, in the foreground. */
@Command(name = "broker",
        mixinStandardHelpOptions = true,
        description = {
            "Runs a single-node Kafka broker (KRaft, Kafka's own server classes) in the foreground until it is "
                + "stopped (Ctrl-C or SIGTERM), for local development and tests without Docker. It prints "
                + "'bootstrap.servers=HOST:PORT' on stdout once it serves; point any client at it, or onex itself "
                + "with KAFKA_BOOTSTRAP_SERVERS."},
        footer = {
            "",
            "Example:",
            "  onex broker --port 9092 &",
            "  KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 \\",
            "      onex run examples/document_ingestion.yaml \\",
            "      --input-file examples/document_ingestion.input.json"})
public final class BrokerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "0",
            description = "The client port on 127.0.0.1 (default: a free one).")
    int port;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where the broker keeps its data, kept after it stops (default: a temporary folder, deleted"
                    + " when it stops).")
    Path dataDir;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65535) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--port must be between 0 and 65535, got " + port);
        }
        if (port != 0) {
            requireFree(port);
        }
        EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder().port(port);
        if (dataDir != null) {
            builder.dataDir(dataDir);
        }
        EmbeddedKafkaBroker broker;
        try {
            broker = builder.build();
        } catch (java.io.UncheckedIOException e) { // a file in the way, a folder that cannot be made
            throw new OnexException("--data-dir " + dataDir + ": cannot create the folder (" + reason(e.getCause())
                    + ")");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread stop = new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "onex-broker-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        try {
            broker.start();
        } catch (RuntimeException e) {
            Runtime.getRuntime().removeShutdownHook(stop);
            if (port != 0 && causedBy(e, BindException.class)) { // taken between the check and Kafka's bind
                throw inUse(port);
            }
            if (e instanceof EmbeddedKafkaBroker.FolderInUseException) {
                throw new OnexException(e.getMessage());
            }
            if (e instanceof java.io.UncheckedIOException) {
                throw new OnexException("--data-dir " + dataDir + ": " + reason(e.getCause()));
            }
            throw e;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("bootstrap.servers=" + broker.bootstrapServers());
        out.flush();
        stopped.await();
        return Onex.OK;
    }

    /**
     * A port someone else listens on is the user's to change, not a crash: checked before Kafka starts, which would
     * log the bind failure with hundreds of lines of stack trace and end with an internal error.
     */
    private static void requireFree(int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress("127.0.0.1", port)); // where the broker listens
        } catch (IOException e) {
            throw inUse(port);
        }
    }

    private static OnexException inUse(int port) {
        return new OnexException("port " + port + " on 127.0.0.1 is in use (another broker?); choose another --port, "
                + "or leave it out for a free one");
    }

    private static String reason(Throwable e) {
        if (e instanceof java.nio.file.FileAlreadyExistsException f) { // Files.createDirectories on a file
            return "a file that is not a folder is in the way: " + f.getFile();
        }
        return e instanceof java.io.IOException io ? ai.omninode.onex.cli.internal.ExceptionMapper.describe(io)
                : String.valueOf(e);
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t : Causes.of(e)) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
