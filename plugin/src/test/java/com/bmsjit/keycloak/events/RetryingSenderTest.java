package com.bmsjit.keycloak.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.bmsjit.keycloak.webhook.WebhookClient;
import com.bmsjit.keycloak.webhook.WebhookSecret;

class RetryingSenderTest {

    private static WebhookClient.Result status(int status) {
        return new WebhookClient.Result(status, "", null, 5);
    }

    private static WebhookClient.Result failure(String why) {
        return new WebhookClient.Result(0, null, why, 5);
    }

    @Test
    void retriesTransportErrorsServerErrorsAndTheTransientClientErrorsOnly() {
        for (int s : new int[] {401, 408, 429, 500, 502, 503, 504, 599}) {
            assertTrue(RetryingSender.retryable(status(s)), "HTTP " + s);
        }
        for (int s : new int[] {200, 204, 301, 302, 400, 403, 404, 405, 409, 410, 413, 415, 422}) {
            assertFalse(RetryingSender.retryable(status(s)), "HTTP " + s);
        }
        assertTrue(RetryingSender.retryable(failure("timeout")));
        assertTrue(RetryingSender.retryable(failure("unreachable: ConnectException")));
        assertTrue(RetryingSender.retryable(failure("answer larger than 16384 bytes")));
        assertFalse(RetryingSender.retryable(failure("bad bridge URL")));
        assertFalse(RetryingSender.retryable(failure("interrupted")));
    }

    @Test
    void decidesDeliveredRefusedRetryAndGiveUp() {
        assertEquals(RetryingSender.Decision.DELIVERED, RetryingSender.decide(status(200), 1));
        assertEquals(RetryingSender.Decision.DELIVERED, RetryingSender.decide(status(202), 6));
        assertEquals(RetryingSender.Decision.REFUSED, RetryingSender.decide(status(400), 1));
        assertEquals(RetryingSender.Decision.REFUSED, RetryingSender.decide(status(302), 1));
        assertEquals(RetryingSender.Decision.RETRY, RetryingSender.decide(status(401), 1));
        assertEquals(RetryingSender.Decision.RETRY, RetryingSender.decide(status(503), 5));
        assertEquals(RetryingSender.Decision.GIVE_UP, RetryingSender.decide(status(503), 6));
        assertEquals(RetryingSender.Decision.GIVE_UP, RetryingSender.decide(failure("bad bridge URL"), 1));
    }

    @Test
    void theBackoffDoublesWithBoundedJitterAndSpansAboutAMinute() {
        assertEquals(List.of(1_600L, 3_200L, 6_400L, 12_800L, 25_600L), backoffs(0.0));
        assertEquals(List.of(2_000L, 4_000L, 8_000L, 16_000L, 32_000L), backoffs(0.5));
        assertEquals(List.of(2_400L, 4_800L, 9_600L, 19_200L, 38_400L), backoffs(1.0));
        long shortest = backoffs(0.0).stream().mapToLong(Long::longValue).sum();
        long longest = backoffs(1.0).stream().mapToLong(Long::longValue).sum();
        assertTrue(shortest >= 45_000 && longest <= 80_000, shortest + " .. " + longest);
    }

    private static List<Long> backoffs(double random) {
        List<Long> waits = new ArrayList<>();
        for (int next = 2; next <= RetryingSender.ATTEMPTS; next++) {
            waits.add(RetryingSender.backoffMs(next, random));
        }
        return waits;
    }

    /** A scheduler that runs nothing by itself: the test steps through the queued attempts and a fake clock. */
    private static final class FakeScheduler implements RetryingSender.Scheduler {
        final Deque<Runnable> due = new ArrayDeque<>();
        final List<Long> delays = new ArrayList<>();
        long now;

        @Override
        public void schedule(Runnable attempt, long delayMs) {
            delays.add(delayMs);
            due.add(() -> {
                now += delayMs;
                attempt.run();
            });
        }

        void runAll() {
            while (!due.isEmpty()) {
                due.poll().run();
            }
        }
    }

    private static final OutgoingWebhook WEBHOOK = new OutgoingWebhook("kc-admin-1-user.deleted", "user.deleted",
            "{}".getBytes(StandardCharsets.UTF_8), URI.create("http://127.0.0.1:9/webhooks/keycloak"),
            WebhookSecret.parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), Duration.ofSeconds(1), Duration.ofSeconds(4));

    private static List<Integer> run(FakeScheduler scheduler, WebhookClient.Result... answers) {
        Deque<WebhookClient.Result> script = new ArrayDeque<>(List.of(answers));
        List<Integer> attempts = new ArrayList<>();
        RetryingSender sender = new RetryingSender(w -> {
            attempts.add(attempts.size() + 1);
            return script.isEmpty() ? status(503) : script.poll();
        }, scheduler, () -> 0.5, () -> scheduler.now);
        sender.send(WEBHOOK);
        assertTrue(attempts.isEmpty(), "the first attempt runs on the sender's threads, not the caller's");
        scheduler.runAll();
        return attempts;
    }

    @Test
    void aDeadBridgeGetsSixAttemptsOverAboutAMinuteThenGivesUp() {
        FakeScheduler scheduler = new FakeScheduler();
        assertEquals(6, run(scheduler, failure("timeout"), status(500), status(401), status(429), status(408), status(502)).size());
        assertEquals(List.of(0L, 2_000L, 4_000L, 8_000L, 16_000L, 32_000L), scheduler.delays);
        assertEquals(62_000L, scheduler.now);
    }

    @Test
    void stopsAtTheFirstSuccess() {
        FakeScheduler scheduler = new FakeScheduler();
        assertEquals(3, run(scheduler, status(503), failure("unreachable: ConnectException"), status(200)).size());
        assertEquals(List.of(0L, 2_000L, 4_000L), scheduler.delays);
    }

    @Test
    void neverRepeatsARefusal() {
        for (int s : new int[] {400, 403, 404, 409, 422}) {
            FakeScheduler scheduler = new FakeScheduler();
            assertEquals(1, run(scheduler, status(s)).size(), "HTTP " + s);
            assertEquals(List.of(0L), scheduler.delays);
        }
        FakeScheduler scheduler = new FakeScheduler();
        assertEquals(2, run(scheduler, status(401), status(400)).size());
    }

    @Test
    void aTransportThatThrowsCountsAsAFailedAttempt() {
        FakeScheduler scheduler = new FakeScheduler();
        List<Integer> attempts = new ArrayList<>();
        new RetryingSender(w -> {
            attempts.add(1);
            if (attempts.size() == 1) {
                throw new IllegalStateException("boom");
            }
            return status(204);
        }, scheduler, () -> 0.5, () -> scheduler.now).send(WEBHOOK);
        scheduler.runAll();
        assertEquals(2, attempts.size());
    }

    @Test
    void aSchedulerThatRefusesWorkDropsTheWebhookWithoutThrowing() {
        new RetryingSender(w -> status(200), (attempt, delayMs) -> {
            throw new java.util.concurrent.RejectedExecutionException("shut down");
        }, () -> 0.5, () -> 0).send(WEBHOOK);
    }
}
