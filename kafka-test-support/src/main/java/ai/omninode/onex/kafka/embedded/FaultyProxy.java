package ai.omninode.onex.kafka.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy in front of a broker listener that can lose the broker's answers: requests still reach the broker (a
 * produce request is stored), but clients never hear back. That is the "outcome unknown" fault: a delivery timeout
 * for a record the broker has in fact stored, which no broker stop or restart can produce on purpose.
 *
 * <p>Clients must reach the broker only through the proxy, so the broker has to advertise the proxy's address:
 * {@link #startBroker()} starts one so, or build it with
 * {@code config("advertised.listeners", "PLAINTEXT://" + proxy.address())}.
 */
public final class FaultyProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FaultyProxy.class);

    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicLong droppedBytes = new AtomicLong();
    private volatile int targetPort;
    private volatile boolean dropResponses;
    private volatile boolean closed;

    private FaultyProxy(ServerSocket server) {
        this.server = server;
        Thread acceptor = new Thread(this::acceptLoop, "faulty-proxy-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A proxy on a free local port; set where it forwards to with {@link #forwardTo(int)} before clients connect. */
    public static FaultyProxy start() {
        try {
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return new FaultyProxy(server);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the proxy's port", e);
        }
    }

    /**
     * A broker of its own (not the shared one, which advertises itself) that this proxy forwards to and that
     * advertises the proxy, started; the caller closes it.
     */
    public EmbeddedKafkaBroker startBroker() {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
                .config("advertised.listeners", "PLAINTEXT://" + address()).build();
        broker.bootstrapServers(); // picks the port to forward to
        forwardTo(broker.port());
        return broker.start();
    }

    public FaultyProxy forwardTo(int port) {
        this.targetPort = port;
        return this;
    }

    /** {@code 127.0.0.1:port} of the proxy: what clients use, and what the broker must advertise. */
    public String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /**
     * While on, everything the broker sends back is thrown away; requests still reach it. Turning it off also cuts
     * the connections that lost responses (their clients wait for answers that will never come, up to
     * {@code socket.connection.setup.timeout.ms} for a connection still being set up), so clients reconnect at once.
     */
    public void dropResponses(boolean on) {
        if (dropResponses == on) {
            return;
        }
        LOG.info("Proxy {}: {} the broker's responses", address(), on ? "dropping" : "forwarding");
        dropResponses = on;
        if (!on) {
            for (Socket s : sockets.toArray(new Socket[0])) {
                closeQuietly(s);
            }
        }
    }

    public boolean droppingResponses() {
        return dropResponses;
    }

    /** Bytes of responses thrown away so far. */
    public long droppedBytes() {
        return droppedBytes.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("Proxy {} stopped accepting: {}", address(), e.toString());
                }
                return;
            }
            Socket broker = new Socket();
            try {
                broker.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(broker);
                continue; // the client sees a refused connection, as it would without the proxy
            }
            sockets.add(client);
            sockets.add(broker);
            pump(client, broker, false);
            pump(broker, client, true);
        }
    }

    private void pump(Socket from, Socket to, boolean responses) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (responses && dropResponses) {
                        droppedBytes.addAndGet(n);
                        continue;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (SocketException e) {
                // one side closed: close the other
            } catch (IOException e) {
                LOG.debug("Proxy {}: {}", address(), e.toString());
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        }, "faulty-proxy-" + (responses ? "responses-" : "requests-") + from.getPort());
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** Stops accepting and cuts every connection. Never throws. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : sockets.toArray(new Socket[0])) {
            closeQuietly(s);
        }
        sockets.clear();
    }
}
