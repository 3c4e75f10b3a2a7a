package com.bmsjit.keycloak.provisioning;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.bmsjit.keycloak.broker.MissingAttributes;
import com.bmsjit.keycloak.webhook.WebhookSecret;

/**
 * The provisioning step's console settings, parsed once per login with defaults and clear problems.
 * A setting that cannot be used makes the step behave as if the bridge failed (its failure mode applies).
 */
public record ProvisioningSettings(
        URI bridgeUrl,
        WebhookSecret secret,
        Duration connectTimeout,
        Duration readTimeout,
        boolean failOpen,
        String failClosedMessage,
        List<String> gatedClients,
        String problem) {

    public static final String BRIDGE_URL = "bridge.url";
    public static final String WEBHOOK_SECRET = "webhook.secret";
    public static final String CONNECT_TIMEOUT_MS = "connect.timeout.ms";
    public static final String READ_TIMEOUT_MS = "read.timeout.ms";
    public static final String FAILURE_MODE = "failure.mode";
    public static final String FAIL_CLOSED_MESSAGE = "fail.closed.message";
    public static final String GATED_CLIENTS = "gated.clients";

    public static final String FAIL_OPEN = "fail-open";
    public static final String FAIL_CLOSED = "fail-closed";
    static final long DEFAULT_CONNECT_MS = 1000;
    static final long DEFAULT_READ_MS = 4000;
    static final String DEFAULT_FAIL_CLOSED_MESSAGE = "Your BMS account is being set up. Please try again in a few minutes; "
            + "if this message stays, contact your IT administrator.";

    public static ProvisioningSettings from(Map<String, String> config) {
        Map<String, String> c = config == null ? Map.of() : config;
        boolean failOpen = !FAIL_CLOSED.equalsIgnoreCase(c.getOrDefault(FAILURE_MODE, FAIL_OPEN).trim());
        String message = c.getOrDefault(FAIL_CLOSED_MESSAGE, "").isBlank() ? DEFAULT_FAIL_CLOSED_MESSAGE : c.get(FAIL_CLOSED_MESSAGE);
        List<String> gated = MissingAttributes.parseNames(c.get(GATED_CLIENTS));
        String problem = null;
        URI url = null;
        try {
            url = URI.create(c.getOrDefault(BRIDGE_URL, "").trim());
            if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
                problem = "The bridge URL must be an http(s) URL.";
            }
        } catch (IllegalArgumentException e) {
            problem = "The bridge URL is not a valid URL.";
        }
        String secretProblem = WebhookSecret.problemWith(c.get(WEBHOOK_SECRET));
        WebhookSecret secret = secretProblem == null ? WebhookSecret.parse(c.get(WEBHOOK_SECRET)) : null;
        if (problem == null) {
            problem = secretProblem;
        }
        Duration connect = millis(c.get(CONNECT_TIMEOUT_MS), DEFAULT_CONNECT_MS);
        Duration read = millis(c.get(READ_TIMEOUT_MS), DEFAULT_READ_MS);
        if (connect == null || read == null) {
            problem = problem != null ? problem : "The timeouts must be whole numbers of milliseconds between 1 and 60000.";
            connect = Duration.ofMillis(DEFAULT_CONNECT_MS);
            read = Duration.ofMillis(DEFAULT_READ_MS);
        }
        return new ProvisioningSettings(url, secret, connect, read, failOpen, message, gated, problem);
    }

    public boolean gates(String clientId) {
        return clientId != null && gatedClients.contains(clientId);
    }

    private static Duration millis(String value, long fallback) {
        if (value == null || value.isBlank()) {
            return Duration.ofMillis(fallback);
        }
        try {
            long ms = Long.parseLong(value.trim());
            return ms >= 1 && ms <= 60_000 ? Duration.ofMillis(ms) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
