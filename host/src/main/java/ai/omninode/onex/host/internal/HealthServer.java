package ai.omninode.onex.host.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's HTTP port (the JDK's server, no framework): {@code GET /health/live} (200 while every trigger loop
 * runs), {@code /health/ready} (200 once every loop joined its group, with nothing paused for an infrastructure
 * failure), {@code /health} (the details as JSON, with the readiness status code) and {@code /metrics} (Prometheus
 * text). What it serves is built from workflow names, topics, partitions and errors only: no setting is ever echoed.
 *
 * <p>One slow or stuck client never holds up the others: requests are handled by {@value #THREADS} threads, and a
 * connection whose request is not read in full within {@value #MAX_REQUEST_SECONDS} s (or whose response is not taken
 * within {@value #MAX_RESPONSE_SECONDS} s) is closed. A probe that sent half a request and waits must not make
 * liveness fail, or Kubernetes would restart a healthy host.
 */
public final class HealthServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthServer.class);
    /**
     * Each stuck client holds one thread until it is dropped: 4 let four half-sent requests fail liveness for 5 s
     * (measured). Threads are made on demand and end after a minute idle, so a quiet port holds none.
     */
    static final int THREADS = 32;
    static final int MAX_REQUEST_SECONDS = 5;
    static final int MAX_RESPONSE_SECONDS = 30;

    static {
        // the JDK's server has no per-server setting for these: it reads the properties once, when its classes
        // initialize (sun.net.httpserver.ServerConfig), so they are set before the first HttpServer.create, and only
        // where the user did not set them (-D...)
        setUnlessSet("sun.net.httpserver.maxReqTime", MAX_REQUEST_SECONDS);
        setUnlessSet("sun.net.httpserver.maxRspTime", MAX_RESPONSE_SECONDS);
    }

    private static void setUnlessSet(String property, int seconds) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, Integer.toString(seconds));
        }
    }

    /** What the endpoints show. */
    public interface Source {
        boolean live();

        boolean ready();

        /** A JSON object. */
        String json();
    }

    private final HttpServer server;
    private final ExecutorService executor;

    public HealthServer(String host, int port, Source source, PrometheusMeterRegistry registry) throws IOException {
        this.server = HttpServer.create(new InetSocketAddress(host, port), 16);
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "onex-http-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        this.executor = pool;
        server.setExecutor(executor);
        // the JDK's contexts match by prefix (/health/live/x, /healthz): only the exact paths answer, the rest is 404
        server.createContext("/", ex -> {
            switch (ex.getRequestURI().getPath()) {
                case "/health/live" -> respond(ex, source.live() ? 200 : 503, "text/plain",
                        () -> source.live() ? "live\n" : "not live\n");
                case "/health/ready", "/health" -> respond(ex, source.ready() ? 200 : 503, "application/json",
                        source::json);
                case "/metrics" -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry::scrape);
                default -> respond(ex, 404, "text/plain",
                        () -> "not found; try /health, /health/live, /health/ready or /metrics\n");
            }
        });
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String address() {
        InetSocketAddress a = server.getAddress();
        return "http://" + a.getHostString() + ":" + a.getPort();
    }

    private static void respond(HttpExchange ex, int status, String type, Supplier<String> body) throws IOException {
        try (ex) {
            if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes;
            try {
                bytes = body.get().getBytes(StandardCharsets.UTF_8);
            } catch (RuntimeException e) {
                LOG.warn("HTTP {} failed: {}", ex.getRequestURI().getPath(), e.toString());
                ex.sendResponseHeaders(500, -1);
                return;
            }
            ex.getResponseHeaders().set("Content-Type", type);
            boolean head = "HEAD".equals(ex.getRequestMethod());
            ex.sendResponseHeaders(status, head ? -1 : bytes.length);
            if (!head) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
