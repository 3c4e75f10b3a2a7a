package com.bmsjit.keycloak.events;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;

import org.jboss.logging.Logger;

import com.bmsjit.keycloak.webhook.WebhookClient;

/**
 * Sends a listener webhook with bounded retries: {@value #ATTEMPTS} attempts spread over about a minute (exponential
 * back-off with jitter), on transport errors, 5xx, 408, 429 and 401 (the bridge's clock or secret may be in the middle
 * of a change). Any other answer is final: a 2xx is delivered, another 3xx/4xx is refused and never repeated. Giving up
 * is logged at error level; the bridge's sweep heals whatever a lost webhook would have told it.
 *
 * <p>Every attempt runs on the factory's daemon threads, and the waits between attempts are scheduled, not slept, so
 * a dead bridge holds no thread while it waits and never delays an admin request or another webhook.</p>
 */
final class RetryingSender {

    private static final Logger LOG = Logger.getLogger(RetryingSender.class);

    static final int ATTEMPTS = 6;
    /** The wait before attempt 2, doubled before each further attempt: 2, 4, 8, 16, 32 s (62 s in all), each ±20 %. */
    static final long FIRST_BACKOFF_MS = 2_000;
    static final double JITTER = 0.2;

    /** Where an attempt runs: now ({@code delayMs} 0) or later; the production one is a scheduled executor. */
    interface Scheduler {
        void schedule(Runnable attempt, long delayMs);
    }

    private final Function<OutgoingWebhook, WebhookClient.Result> transport;
    private final Scheduler scheduler;
    private final DoubleSupplier random;
    private final LongSupplier clockMs;

    RetryingSender(Function<OutgoingWebhook, WebhookClient.Result> transport, Scheduler scheduler, DoubleSupplier random, LongSupplier clockMs) {
        this.transport = transport;
        this.scheduler = scheduler;
        this.random = random;
        this.clockMs = clockMs;
    }

    /** The production sender: real HTTP on the given executor's threads. */
    static RetryingSender on(ScheduledExecutorService executor) {
        Scheduler scheduler = (attempt, delayMs) -> executor.schedule(attempt, delayMs, TimeUnit.MILLISECONDS);
        return new RetryingSender(
                w -> WebhookClient.post(w.url(), w.secret(), w.messageId(), w.body(), w.connectTimeout(), w.readTimeout()),
                scheduler, () -> ThreadLocalRandom.current().nextDouble(), System::currentTimeMillis);
    }

    /** Queues the first attempt; returns at once. */
    void send(OutgoingWebhook webhook) {
        schedule(webhook, 1, 0, clockMs.getAsLong());
    }

    /** What to do with an attempt's result. */
    enum Decision { DELIVERED, REFUSED, RETRY, GIVE_UP }

    /** Whether a result is worth another attempt (ignoring how many attempts are left). */
    static boolean retryable(WebhookClient.Result result) {
        if (!result.delivered()) {
            // a URL Java refuses stays refused; an interrupted sender is shutting down
            return !"bad bridge URL".equals(result.failure()) && !"interrupted".equals(result.failure());
        }
        int status = result.status();
        return status >= 500 || status == 401 || status == 408 || status == 429;
    }

    static Decision decide(WebhookClient.Result result, int attempt) {
        if (result.delivered() && result.status() >= 200 && result.status() < 300) {
            return Decision.DELIVERED;
        }
        if (!retryable(result)) {
            return result.delivered() ? Decision.REFUSED : Decision.GIVE_UP;
        }
        return attempt < ATTEMPTS ? Decision.RETRY : Decision.GIVE_UP;
    }

    /** The wait before attempt {@code next} (2..ATTEMPTS), for a random number in [0, 1). */
    static long backoffMs(int next, double random) {
        long base = FIRST_BACKOFF_MS << (next - 2);
        return Math.round(base * (1 - JITTER + 2 * JITTER * random));
    }

    private void schedule(OutgoingWebhook webhook, int attempt, long delayMs, long startedMs) {
        try {
            scheduler.schedule(() -> attempt(webhook, attempt, startedMs), delayMs);
        } catch (RejectedExecutionException e) {
            LOG.errorf("BMS webhook %s (%s) dropped before attempt %d: Keycloak is shutting down; the bridge's sweep will heal it",
                    webhook.messageId(), webhook.type(), attempt);
        }
    }

    private void attempt(OutgoingWebhook webhook, int attempt, long startedMs) {
        WebhookClient.Result result;
        try {
            result = transport.apply(webhook);
        } catch (RuntimeException e) {
            result = new WebhookClient.Result(0, null, "unreachable: " + e.getClass().getSimpleName(), 0);
        }
        String why = result.delivered() ? "HTTP " + result.status() : result.failure();
        switch (decide(result, attempt)) {
            case DELIVERED -> LOG.debugf("BMS webhook %s (%s) delivered at attempt %d", webhook.messageId(), webhook.type(), attempt);
            case REFUSED -> LOG.errorf("BMS bridge refused webhook %s (%s): %s; not retried, the bridge's sweep will heal it",
                    webhook.messageId(), webhook.type(), why);
            case GIVE_UP -> LOG.errorf("BMS webhook %s (%s) not delivered after %d attempt(s) in %d s: %s; giving up, the bridge's sweep will heal it",
                    webhook.messageId(), webhook.type(), attempt, (clockMs.getAsLong() - startedMs) / 1000, why);
            case RETRY -> {
                long wait = backoffMs(attempt + 1, random.getAsDouble());
                LOG.infof("BMS webhook %s (%s) attempt %d of %d failed (%s); retrying in %d ms",
                        webhook.messageId(), webhook.type(), attempt, ATTEMPTS, why, wait);
                schedule(webhook, attempt + 1, wait, startedMs);
            }
        }
    }
}
