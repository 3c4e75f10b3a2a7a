package com.bmsjit.keycloak.provisioning;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.bmsjit.keycloak.broker.MissingAttributes;
import com.bmsjit.keycloak.webhook.WebhookSecret;

/**
 * The provisioning step's settings (the BMS provisioning required action's configuration in the console), parsed
 * with defaults and clear problems. Nothing here throws: the admin console refuses a configuration with problems when
 * it is saved ({@link BmsProvisioningRequiredActionFactory#validateConfig}), and a realm imported with bad values still
 * logs in by the rules below.
 *
 * <ul>
 *   <li>{@link #problem()}: the first problem that makes calling the bridge impossible (URL, secret, timeouts); the
 *       step then behaves as if the bridge failed, so its failure mode applies;</li>
 *   <li>an unknown failure mode (e.g. {@code fail_closed}, {@code closed}) is a problem too, and is treated as
 *       {@code fail-closed}: a typo must never silently let people in.</li>
 * </ul>
 *
 * @param problems every problem found, in the order of the settings; empty when the settings are good
 */
public record ProvisioningSettings(
        URI bridgeUrl,
        WebhookSecret secret,
        Duration connectTimeout,
        Duration readTimeout,
        boolean failOpen,
        String failClosedMessage,
        List<String> gatedClients,
        String problem,
        List<String> problems) {

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
    static final long MAX_TIMEOUT_MS = 60_000;
    static final String DEFAULT_FAIL_CLOSED_MESSAGE = "Your BMS account is being set up. Please try again in a few minutes; "
            + "if this message stays, contact your IT administrator.";

    public static ProvisioningSettings from(Map<String, String> config) {
        Map<String, String> c = config == null ? Map.of() : config;
        List<String> blocking = new ArrayList<>();
        URI url = bridgeUrl(c.get(BRIDGE_URL), blocking);
        String secretProblem = WebhookSecret.problemWith(c.get(WEBHOOK_SECRET));
        WebhookSecret secret = secretProblem == null ? WebhookSecret.parse(c.get(WEBHOOK_SECRET)) : null;
        if (secretProblem != null) {
            blocking.add(secretProblem);
        }
        Duration connect = millis(c.get(CONNECT_TIMEOUT_MS), DEFAULT_CONNECT_MS, "connect", blocking);
        Duration read = millis(c.get(READ_TIMEOUT_MS), DEFAULT_READ_MS, "read", blocking);
        List<String> problems = new ArrayList<>(blocking);
        boolean failOpen = failOpen(c.get(FAILURE_MODE), problems);
        String message = blank(c.get(FAIL_CLOSED_MESSAGE)) ? DEFAULT_FAIL_CLOSED_MESSAGE : c.get(FAIL_CLOSED_MESSAGE);
        List<String> gated = gatedClientsOf(c);
        return new ProvisioningSettings(url, secret, connect, read, failOpen, message, List.copyOf(gated),
                blocking.isEmpty() ? null : blocking.get(0), List.copyOf(problems));
    }

    /**
     * Only the gated client ids of a configuration (the console's "##"-separated list), without parsing the rest: every
     * sign-in of the realm needs this much, only a gated one needs the whole settings.
     */
    public static List<String> gatedClientsOf(Map<String, String> config) {
        return MissingAttributes.parseNames(config == null ? null : config.get(GATED_CLIENTS));
    }

    public boolean gates(String clientId) {
        return clientId != null && gatedClients.contains(clientId);
    }

    private static URI bridgeUrl(String value, List<String> problems) {
        if (blank(value)) {
            problems.add("The bridge URL is empty: set it to the bridge's webhook endpoint, e.g. https://bms-bridge.example.com/webhooks/keycloak.");
            return null;
        }
        URI url;
        try {
            url = URI.create(value.trim());
        } catch (IllegalArgumentException e) {
            problems.add("The bridge URL is not a valid URL.");
            return null;
        }
        String problem = urlProblem(url);
        if (problem != null) {
            problems.add(problem);
            return null;
        }
        return url;
    }

    /** What Java's HTTP client could not use, or would use differently than the admin expects. */
    private static String urlProblem(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return "The bridge URL must be an http(s) URL, e.g. https://bms-bridge.example.com/webhooks/keycloak.";
        }
        if (url.getHost() == null) {
            String authority = url.getRawAuthority() == null ? "" : url.getRawAuthority();
            return authority.contains("_")
                    ? "The bridge URL's host '" + authority + "' has an underscore, which Java's HTTP client refuses in host names: use a name without '_', or an IP address."
                    : "The bridge URL must name a host, e.g. https://bms-bridge.example.com/webhooks/keycloak.";
        }
        if (url.getRawUserInfo() != null) {
            return "The bridge URL must not carry a user name or password: the webhook is authenticated by its signature.";
        }
        if (url.getPort() == 0 || url.getPort() > 65_535) {
            return "The bridge URL's port " + url.getPort() + " is not a TCP port (1 to 65535).";
        }
        return null;
    }

    /** Blank means the default (fail-open); anything but the two documented values is a problem and fails closed. */
    private static boolean failOpen(String value, List<String> problems) {
        if (blank(value)) {
            return true;
        }
        String mode = value.trim().toLowerCase(Locale.ROOT);
        if (mode.equals(FAIL_OPEN)) {
            return true;
        }
        if (!mode.equals(FAIL_CLOSED)) {
            problems.add("The failure mode '" + value.trim() + "' is unknown: use fail-open or fail-closed. Until it is fixed the step fails closed.");
        }
        return false;
    }

    private static Duration millis(String value, long fallback, String which, List<String> problems) {
        if (blank(value)) {
            return Duration.ofMillis(fallback);
        }
        // ASCII digits only: Long.parseLong would also take "+10" and non-ASCII digits
        String trimmed = value.trim();
        if (trimmed.matches("[0-9]{1,5}")) {
            long ms = Long.parseLong(trimmed);
            if (ms >= 1 && ms <= MAX_TIMEOUT_MS) {
                return Duration.ofMillis(ms);
            }
        }
        problems.add("The " + which + " timeout must be a whole number of milliseconds between 1 and " + MAX_TIMEOUT_MS + ".");
        return Duration.ofMillis(fallback);
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
