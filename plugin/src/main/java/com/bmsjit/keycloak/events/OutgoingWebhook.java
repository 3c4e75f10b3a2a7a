package com.bmsjit.keycloak.events;

import java.net.URI;
import java.time.Duration;

import com.bmsjit.keycloak.webhook.WebhookSecret;

/** One webhook waiting for its transaction to commit: everything needed to send it without a Keycloak session. */
record OutgoingWebhook(String messageId, String type, byte[] body, URI url, WebhookSecret secret, Duration connectTimeout, Duration readTimeout) {
}
