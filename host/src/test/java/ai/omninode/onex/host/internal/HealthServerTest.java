package ai.omninode.onex.host.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class HealthServerTest {
    private static final HealthServer.Source UP = new HealthServer.Source() {
        @Override
        public boolean live() {
            return true;
        }

        @Override
        public boolean ready() {
            return true;
        }

        @Override
        public String json() {
            return "{\"status\":\"ready\"}\n";
        }
    };

    /** A scraper that sent half a request and hangs (or a port scanner) must not make liveness fail. */
    @Test
    void clientsThatSendHalfARequestAndWaitNeitherBlockOthersNorStayConnected() throws Exception {
        try (HealthServer server = new HealthServer("127.0.0.1", 0, UP,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
            List<Socket> stuck = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) { // a probe found 4 enough to fail liveness with 4 threads
                    Socket s = new Socket("127.0.0.1", server.port());
                    s.getOutputStream().write("GET /health HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    stuck.add(s);
                }
                HttpClient http = HttpClient.newHttpClient();
                // the bound is how long the test waits for a hang, not how fast the answer must be
                HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + server.port() + "/health/live")).timeout(Duration.ofMinutes(1)).build(),
                        HttpResponse.BodyHandlers.ofString());

                assertThat(live.statusCode()).isEqualTo(200);
                assertThat(live.body()).isEqualTo("live\n");
                List<CompletableFuture<Integer>> closed = stuck.stream().map(s -> CompletableFuture.supplyAsync(
                        () -> readToEnd(s))).toList();
                await().atMost(Duration.ofMinutes(1)).until(() -> closed.stream().allMatch(CompletableFuture::isDone));
                assertThat(closed).as("the server closed every half-sent request")
                        .allSatisfy(f -> assertThat(f.join()).isEqualTo(-1));
            } finally {
                for (Socket s : stuck) {
                    s.close();
                }
            }
        }
    }

    /** -1 once the server closed the connection (no byte of a response was sent). */
    private static int readToEnd(Socket s) {
        try {
            InputStream in = s.getInputStream();
            int b;
            int bytes = 0;
            while ((b = in.read()) >= 0) {
                bytes++;
            }
            return bytes == 0 ? -1 : bytes;
        } catch (IOException reset) {
            return -1;
        }
    }

    /** The probe's /health/live/x answered 200: a probe with a typo must not pass. */
    @Test
    void onlyTheExactPathsAnswerEverythingElseIsNotFound() throws Exception {
        try (HealthServer server = new HealthServer("127.0.0.1", 0, UP,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
            HttpClient http = HttpClient.newHttpClient();
            java.util.Map<String, Integer> status = new java.util.TreeMap<>();
            for (String path : List.of("/health/live", "/health/ready", "/health", "/metrics", "/health/live/x",
                    "/healthz", "/health/", "/metrics/x", "/")) {
                status.put(path, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + path)).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
            }

            assertThat(status).containsOnly(java.util.Map.entry("/health/live", 200),
                    java.util.Map.entry("/health/ready", 200), java.util.Map.entry("/health", 200),
                    java.util.Map.entry("/metrics", 200), java.util.Map.entry("/health/live/x", 404),
                    java.util.Map.entry("/healthz", 404), java.util.Map.entry("/health/", 404),
                    java.util.Map.entry("/metrics/x", 404), java.util.Map.entry("/", 404));
        }
    }
}
