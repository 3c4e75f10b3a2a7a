package com.bmsjit.keycloak.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ProvisioningSettingsTest {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @Test
    void defaultsToFailOpenWithBoundedTimeoutsAndGatesOnlyTheListedClients() {
        ProvisioningSettings s = ProvisioningSettings.from(Map.of("bridge.url", "http://127.0.0.1:9/webhooks/keycloak", "webhook.secret", SECRET,
                "gated.clients", "https://bms.example.invalid##other-sp"));
        assertNull(s.problem());
        assertTrue(s.failOpen());
        assertEquals(Duration.ofMillis(1000), s.connectTimeout());
        assertEquals(Duration.ofMillis(4000), s.readTimeout());
        assertTrue(s.gates("other-sp"));
        assertFalse(s.gates("account-console"));
        assertFalse(s.gates(null));
    }

    @Test
    void reportsUnusableSettingsInsteadOfThrowing() {
        assertEquals("The bridge URL must be an http(s) URL.", ProvisioningSettings.from(Map.of("bridge.url", "ftp://x", "webhook.secret", SECRET)).problem());
        assertEquals("The webhook secret must start with 'whsec_' (Standard Webhooks format).",
                ProvisioningSettings.from(Map.of("bridge.url", "http://x", "webhook.secret", "plain")).problem());
        assertEquals("The timeouts must be whole numbers of milliseconds between 1 and 60000.",
                ProvisioningSettings.from(Map.of("bridge.url", "http://x", "webhook.secret", SECRET, "read.timeout.ms", "soon")).problem());
        assertTrue(ProvisioningSettings.from(null).problem() != null);
    }

    @Test
    void failClosedIsChosenExplicitlyAndKeepsItsMessage() {
        ProvisioningSettings s = ProvisioningSettings.from(Map.of("failure.mode", "fail-closed", "fail.closed.message", "Come back later"));
        assertFalse(s.failOpen());
        assertEquals("Come back later", s.failClosedMessage());
    }

    @Test
    void bridgeAnswersOutsideTheContractAreNotAnswers() {
        assertEquals(BridgeAnswer.Status.PROVISIONED, BridgeAnswer.parse(200, "{\"status\":\"provisioned\"}").status());
        assertEquals("No contractors", BridgeAnswer.parse(200, "{\"status\":\"DENIED\",\"message\":\"No contractors\"}").message());
        assertNull(BridgeAnswer.parse(500, "{\"status\":\"provisioned\"}"));
        assertNull(BridgeAnswer.parse(200, "<html>"));
        assertNull(BridgeAnswer.parse(200, "{\"status\":\"maybe\"}"));
        assertNull(BridgeAnswer.parse(200, "{\"state\":\"provisioned\"}"));
    }

    @Test
    void bridgeMessagesAreShownLiterallyOnTheErrorPage() {
        assertEquals("Don&#39;t use <\u200Bb>BMS<\u200B/b> &\u200B &#123;0&#125; &\u200Blt;", LoginMessages.literal("Don't use <b>BMS</b> & {0} &lt;"));
    }
}
