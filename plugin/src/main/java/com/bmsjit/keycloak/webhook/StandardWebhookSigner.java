package com.bmsjit.keycloak.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs a webhook the Standard Webhooks way: HMAC-SHA256 over {@code id.timestamp.body}, sent as
 * {@code webhook-signature: v1,<base64>}. The body is the exact bytes that go on the wire.
 */
public final class StandardWebhookSigner {

    private StandardWebhookSigner() {
    }

    public static String sign(WebhookSecret secret, String messageId, long timestampSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.key(), "HmacSHA256"));
            mac.update((messageId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            // every JVM ships HmacSHA256; reaching this means a broken runtime, not bad input
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }
}
