package com.bmsjit.keycloak.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class StandardWebhookSignerTest {

    /** The test vector published with the Standard Webhooks specification and its reference libraries. */
    @Test
    void matchesTheSpecificationsPublishedTestVector() {
        WebhookSecret secret = WebhookSecret.parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        String signature = StandardWebhookSigner.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330L,
                "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8));
        assertEquals("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }

    @Test
    void signsTheExactBytesSoAnyChangeChangesTheSignature() {
        WebhookSecret secret = WebhookSecret.parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        String a = StandardWebhookSigner.sign(secret, "id", 1, "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        String b = StandardWebhookSigner.sign(secret, "id", 1, "{\"a\": 1}".getBytes(StandardCharsets.UTF_8));
        assertTrue(!a.equals(b));
    }

    @Test
    void refusesSecretsThatAreNotStandardWebhooksSecretsWithoutEchoingThem() {
        assertEquals("The webhook secret must start with 'whsec_' (Standard Webhooks format).", WebhookSecret.problemWith("hunter2-hunter2"));
        assertEquals("The webhook secret after 'whsec_' is not valid base64.", WebhookSecret.problemWith("whsec_***"));
        assertEquals("The webhook secret must hold 24 to 64 bytes; it holds 3.", WebhookSecret.problemWith("whsec_YWJj"));
        assertTrue(WebhookSecret.problemWith(" ").startsWith("The webhook secret is empty"));
        assertNull(WebhookSecret.problemWith("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WebhookSecret.parse("whsec_YWJj"));
        assertTrue(!e.getMessage().contains("YWJj"));
    }
}
