package com.bmsjit.keycloak.events;

import org.jboss.logging.Logger;

import com.bmsjit.keycloak.webhook.WebhookClient;

/** Sends a listener webhook with a few bounded retries on transport errors and 5xx; gives up with a log line. */
final class RetryingSender {

    private static final Logger LOG = Logger.getLogger(RetryingSender.class);
    static final int ATTEMPTS = 3;
    private static final long[] BACKOFF_MS = {500, 2000};

    private RetryingSender() {
    }

    static void send(OutgoingWebhook webhook) {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            WebhookClient.Result result = WebhookClient.post(webhook.url(), webhook.secret(), webhook.messageId(), webhook.body(),
                    webhook.connectTimeout(), webhook.readTimeout());
            if (result.delivered() && result.status() < 500) {
                if (result.status() >= 300) {
                    LOG.warnf("BMS bridge refused webhook %s (%s): HTTP %d", webhook.messageId(), webhook.type(), result.status());
                }
                return;
            }
            String why = result.delivered() ? "HTTP " + result.status() : result.failure();
            if (attempt == ATTEMPTS) {
                LOG.errorf("BMS webhook %s (%s) not delivered after %d attempts: %s; the bridge's reconciler will catch up",
                        webhook.messageId(), webhook.type(), ATTEMPTS, why);
                return;
            }
            LOG.infof("BMS webhook %s (%s) attempt %d failed (%s); retrying", webhook.messageId(), webhook.type(), attempt, why);
            try {
                Thread.sleep(BACKOFF_MS[attempt - 1]);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
