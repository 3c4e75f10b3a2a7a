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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Posts one signed webhook and waits at most connect + read timeout for the <em>whole</em> exchange: connection,
 * response headers and response body. {@link HttpRequest#timeout} alone bounds only the wait for the headers, so a
 * server that sends headers and then trickles its body would hold the caller (a login thread) far longer; here the
 * caller waits on the exchange's future with one deadline and cancels it when the deadline passes. The answer body is
 * capped at {@link #MAX_ANSWER_BYTES}; a longer one is a failure, never buffered.
 *
 * <p>java.net.http is used (not Keycloak's SimpleHttp) because the signature covers the exact bytes sent.</p>
 */
public final class WebhookClient {

    /** The bridge's answers are a few hundred bytes; anything beyond 16 KiB is not the contract. */
    public static final int MAX_ANSWER_BYTES = 16 * 1024;

    /** What came back, or why nothing did. {@code latencyMs} is measured from the call to its return. */
    public record Result(int status, String body, String failure, long latencyMs) {
        public boolean delivered() {
            return failure == null;
        }
    }

    /** HttpClient owns a connection pool and threads: one per connect timeout, shared, not one per login. */
    private static final Map<Duration, HttpClient> CLIENTS = new ConcurrentHashMap<>();
    private static final int MAX_CLIENTS = 16;

    private WebhookClient() {
    }

    /**
     * @param connectTimeout bound of the TCP (and TLS) connect
     * @param readTimeout    the rest of the budget; the whole call returns within connect + read timeout (plus
     *                       scheduling noise), whatever the server does
     * @return the status and body (UTF-8), or a failure: {@code timeout}, {@code unreachable: <exception>},
     *         {@code answer larger than 16384 bytes}, {@code interrupted}, {@code bad bridge URL}
     */
    public static Result post(URI url, WebhookSecret secret, String messageId, byte[] body, Duration connectTimeout, Duration readTimeout) {
        long started = System.nanoTime();
        Duration budget = connectTimeout.plus(readTimeout);
        long timestamp = System.currentTimeMillis() / 1000;
        CompletableFuture<HttpResponse<byte[]>> exchange;
        try {
            HttpClient client = clientFor(connectTimeout);
            HttpRequest request = HttpRequest.newBuilder(url)
                    .timeout(budget)
                    .header("content-type", "application/json")
                    .header("webhook-id", messageId)
                    .header("webhook-timestamp", Long.toString(timestamp))
                    .header("webhook-signature", StandardWebhookSigner.sign(secret, messageId, timestamp, body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
            exchange = client.sendAsync(request, info -> new CappedBodySubscriber(MAX_ANSWER_BYTES));
        } catch (IllegalArgumentException e) {
            return new Result(0, null, "bad bridge URL", elapsed(started));
        }
        try {
            HttpResponse<byte[]> response = exchange.get(budget.toNanos(), TimeUnit.NANOSECONDS);
            return new Result(response.statusCode(), new String(response.body(), StandardCharsets.UTF_8), null, elapsed(started));
        } catch (TimeoutException e) {
            exchange.cancel(true);
            return new Result(0, null, "timeout", elapsed(started));
        } catch (ExecutionException e) {
            return new Result(0, null, failureOf(e.getCause()), elapsed(started));
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            return new Result(0, null, "interrupted", elapsed(started));
        }
    }

    /**
     * HTTP/1.1 only: the JDK client otherwise offers an h2c upgrade on every plain-http request. The cache is keyed by
     * connect timeout (the JDK sets it per client; one value per realm in practice) and bounded: an admin trying many
     * values must not pin a client, with its selector thread, for each.
     */
    private static HttpClient clientFor(Duration connectTimeout) {
        if (CLIENTS.size() >= MAX_CLIENTS && !CLIENTS.containsKey(connectTimeout)) {
            // make room by dropping one: a dropped client is collected, and its thread ends with it
            CLIENTS.keySet().stream().findAny().ifPresent(CLIENTS::remove);
        }
        return CLIENTS.computeIfAbsent(connectTimeout, timeout -> HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build());
    }

    private static String failureOf(Throwable cause) {
        if (cause instanceof HttpTimeoutException) {
            return "timeout";
        }
        if (cause instanceof CappedBodySubscriber.TooLarge) {
            return cause.getMessage();
        }
        if (cause instanceof IllegalArgumentException) {
            return "bad bridge URL";
        }
        if (cause instanceof IOException && cause.getCause() instanceof CappedBodySubscriber.TooLarge tooLarge) {
            return tooLarge.getMessage();
        }
        return "unreachable: " + (cause == null ? "unknown" : cause.getClass().getSimpleName());
    }

    private static long elapsed(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos).toMillis();
    }
}
