package com.bmsjit.keycloak.webhook;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Posts one signed webhook and waits at most connect + read timeout. java.net.http is used (not Keycloak's
 * SimpleHttp) because the signature covers the exact bytes sent and the timeout must bound the whole exchange.
 */
public final class WebhookClient {

    /** What came back, or why nothing did. */
    public record Result(int status, String body, String failure, long latencyMs) {
        public boolean delivered() {
            return failure == null;
        }
    }

    /** HttpClient owns a connection pool and threads: one per connect timeout, shared, not one per login. */
    private static final Map<Duration, HttpClient> CLIENTS = new ConcurrentHashMap<>();

    private WebhookClient() {
    }

    public static Result post(URI url, WebhookSecret secret, String messageId, byte[] body, Duration connectTimeout, Duration readTimeout) {
        long started = System.nanoTime();
        long timestamp = System.currentTimeMillis() / 1000;
        HttpClient client = CLIENTS.computeIfAbsent(connectTimeout,
                timeout -> HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build());
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(connectTimeout.plus(readTimeout))
                .header("content-type", "application/json")
                .header("webhook-id", messageId)
                .header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", StandardWebhookSigner.sign(secret, messageId, timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Result(response.statusCode(), response.body(), null, elapsed(started));
        } catch (HttpTimeoutException e) {
            return new Result(0, null, "timeout", elapsed(started));
        } catch (IOException e) {
            return new Result(0, null, "unreachable: " + e.getClass().getSimpleName(), elapsed(started));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(0, null, "interrupted", elapsed(started));
        } catch (IllegalArgumentException e) {
            return new Result(0, null, "bad bridge URL", elapsed(started));
        }
    }

    private static long elapsed(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos).toMillis();
    }
}
