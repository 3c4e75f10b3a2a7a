package com.bmsjit.keycloak.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The webhook call is bounded as a whole (connect, headers and body) and its answer is capped, against a real HTTP
 * server on loopback that misbehaves in each way. Bounds are asserted generously (shared, noisy machines): the point
 * is "about the budget", never "the server's 10 s".
 */
class WebhookClientTest {

    private static final WebhookSecret SECRET = WebhookSecret.parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    private static final Duration CONNECT = Duration.ofMillis(500);
    private static final Duration READ = Duration.ofMillis(1000);
    /** budget (1.5 s) plus a generous margin for a loaded machine */
    private static final long BOUND_MS = 1500 + 2000;

    private HttpServer server;
    private ExecutorService threads;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        threads = Executors.newCachedThreadPool();
        server.setExecutor(threads);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        threads.shutdownNow();
    }

    private URI serve(HttpHandler handler) {
        server.createContext("/hook", handler);
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    }

    private static WebhookClient.Result post(URI url) {
        return WebhookClient.post(url, SECRET, "msg_1", "{}".getBytes(StandardCharsets.UTF_8), CONNECT, READ);
    }

    private static void answer(HttpExchange exchange, byte[] body) throws IOException {
        exchange.getRequestBody().readAllBytes();
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Test
    void aContractAnswerArrivesWithItsSignedRequest() {
        String[] signature = new String[2];
        URI url = serve(exchange -> {
            signature[0] = exchange.getRequestHeaders().getFirst("webhook-signature");
            signature[1] = exchange.getRequestHeaders().getFirst("upgrade");
            answer(exchange, "{\"status\":\"provisioned\"}".getBytes(StandardCharsets.UTF_8));
        });
        WebhookClient.Result result = post(url);
        assertNull(result.failure());
        assertEquals(200, result.status());
        assertEquals("{\"status\":\"provisioned\"}", result.body());
        assertTrue(signature[0].startsWith("v1,"));
        assertNull(signature[1], "plain HTTP/1.1: no h2c upgrade offered");
    }

    @Test
    void aServerThatSendsHeadersThenTricklesItsBodyIsCutAtTheBudget() {
        URI url = serve(exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, 0); // chunked: headers now, the body "later"
            OutputStream out = exchange.getResponseBody();
            try {
                for (int i = 0; i < 50; i++) {
                    out.write(' ');
                    out.flush();
                    Thread.sleep(200);
                }
                out.close();
            } catch (IOException | InterruptedException e) {
                // the client gave up: expected
            }
        });
        WebhookClient.Result result = post(url);
        assertEquals("timeout", result.failure());
        assertTrue(result.latencyMs() >= 1400, "the budget is used, not cut short: " + result.latencyMs());
        assertTrue(result.latencyMs() < BOUND_MS, "held " + result.latencyMs() + " ms against a 1500 ms budget (the server trickles for 10 s)");
    }

    @Test
    void aServerThatNeverSendsHeadersIsCutAtTheBudget() {
        URI url = serve(exchange -> {
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        WebhookClient.Result result = post(url);
        assertEquals("timeout", result.failure());
        assertTrue(result.latencyMs() < BOUND_MS, "held " + result.latencyMs() + " ms");
    }

    @Test
    void anAnswerOverSixteenKibibytesIsRefusedWithoutReadingItAll() {
        URI url = serve(exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                byte[] chunk = new byte[64 * 1024];
                for (int i = 0; i < 1024; i++) { // 64 MiB if it were read
                    out.write(chunk);
                }
            } catch (IOException e) {
                // the client stopped reading: expected
            }
        });
        WebhookClient.Result result = post(url);
        assertEquals("answer larger than 16384 bytes", result.failure());
        assertTrue(result.latencyMs() < BOUND_MS, "held " + result.latencyMs() + " ms");
    }

    @Test
    void anAnswerOfExactlySixteenKibibytesIsRead() {
        byte[] body = new byte[WebhookClient.MAX_ANSWER_BYTES];
        java.util.Arrays.fill(body, (byte) 'x');
        URI url = serve(exchange -> answer(exchange, body));
        WebhookClient.Result result = post(url);
        assertNull(result.failure());
        assertEquals(WebhookClient.MAX_ANSWER_BYTES, result.body().length());
    }

    @Test
    void aClosedPortIsUnreachableAtOnce() {
        int port = server.getAddress().getPort();
        server.stop(0);
        WebhookClient.Result result = post(URI.create("http://127.0.0.1:" + port + "/hook"));
        assertTrue(result.failure().startsWith("unreachable: "), result.failure());
        assertTrue(result.latencyMs() < BOUND_MS);
    }
}
