package com.bmsjit.keycloak.webhook;

import java.util.Base64;

/**
 * A Standard Webhooks symmetric secret: {@code whsec_} followed by canonical, padded base64 (RFC 4648 section 4) of 24
 * to 64 random bytes; surrounding whitespace is ignored. Parsing refuses anything else, so a mistyped secret is caught
 * when it is saved, not at the first login. The bridge reads secrets by the same grammar; both are tested against
 * test/fixtures/contract/secrets.json.
 */
public final class WebhookSecret {

    public static final String PREFIX = "whsec_";
    private static final int MIN_BYTES = 24;
    private static final int MAX_BYTES = 64;

    private final byte[] key;

    private WebhookSecret(byte[] key) {
        this.key = key;
    }

    public static WebhookSecret parse(String value) {
        String problem = problemWith(value);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return new WebhookSecret(Base64.getDecoder().decode(value.trim().substring(PREFIX.length())));
    }

    /** Why the value is not a usable secret, or null when it is. Never echoes the value. */
    public static String problemWith(String value) {
        if (value == null || value.isBlank()) {
            return "The webhook secret is empty: set it to the bridge's secret (whsec_ followed by base64).";
        }
        String trimmed = value.trim();
        if (!trimmed.startsWith(PREFIX)) {
            return "The webhook secret must start with 'whsec_' (Standard Webhooks format).";
        }
        String encoded = trimmed.substring(PREFIX.length());
        byte[] key;
        try {
            key = Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            return "The webhook secret after 'whsec_' is not valid base64.";
        }
        // Java's decoder also takes missing padding and stray low bits; the bridge's does not, so neither do we
        if (!Base64.getEncoder().encodeToString(key).equals(encoded)) {
            return "The webhook secret after 'whsec_' is not canonical base64 (padding missing, or extra bits in the last character): copy it exactly as the bridge's secret.";
        }
        if (key.length < MIN_BYTES || key.length > MAX_BYTES) {
            return "The webhook secret must hold " + MIN_BYTES + " to " + MAX_BYTES + " bytes; it holds " + key.length + ".";
        }
        return null;
    }

    byte[] key() {
        return key.clone();
    }
}
