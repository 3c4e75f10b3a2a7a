package com.bmsjit.keycloak.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ProvisioningSettingsTest {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private static Map<String, String> good(String... more) {
        Map<String, String> c = new HashMap<>(Map.of("bridge.url", "http://127.0.0.1:9/webhooks/keycloak", "webhook.secret", SECRET));
        for (int i = 0; i < more.length; i += 2) {
            c.put(more[i], more[i + 1]);
        }
        return c;
    }

    @Test
    void defaultsToFailOpenWithBoundedTimeoutsAndGatesOnlyTheListedClients() {
        ProvisioningSettings s = ProvisioningSettings.from(good("gated.clients", "https://bms.example.invalid##other-sp"));
        assertNull(s.problem());
        assertEquals(List.of(), s.problems());
        assertTrue(s.failOpen());
        assertEquals(Duration.ofMillis(1000), s.connectTimeout());
        assertEquals(Duration.ofMillis(4000), s.readTimeout());
        assertTrue(s.gates("other-sp"));
        assertFalse(s.gates("account-console"));
        assertFalse(s.gates(null));
    }

    @Test
    void reportsUnusableSettingsInsteadOfThrowing() {
        assertEquals("The bridge URL must be an http(s) URL, e.g. https://bms-bridge.example.com/webhooks/keycloak.",
                ProvisioningSettings.from(good("bridge.url", "ftp://x")).problem());
        assertEquals("The webhook secret must start with 'whsec_' (Standard Webhooks format).",
                ProvisioningSettings.from(good("webhook.secret", "plain")).problem());
        assertEquals("The read timeout must be a whole number of milliseconds between 1 and 60000.",
                ProvisioningSettings.from(good("read.timeout.ms", "soon")).problem());
        ProvisioningSettings nothing = ProvisioningSettings.from(null);
        assertTrue(nothing.problem().startsWith("The bridge URL is empty"));
        assertEquals(2, nothing.problems().size(), "URL and secret are both reported: " + nothing.problems());
    }

    @Test
    void timeoutsAreAsciiDigitsWithinRange() {
        for (String bad : new String[] {"+1000", "-5", "0", "60001", "1e3", "\u0663\u0660\u0660\u0660", "1000ms"}) {
            ProvisioningSettings s = ProvisioningSettings.from(good("connect.timeout.ms", bad));
            assertEquals("The connect timeout must be a whole number of milliseconds between 1 and 60000.", s.problem(), bad);
        }
        assertEquals(Duration.ofMillis(60_000), ProvisioningSettings.from(good("read.timeout.ms", " 60000 ")).readTimeout());
    }

    @Test
    void failClosedIsChosenExplicitlyAndKeepsItsMessage() {
        ProvisioningSettings s = ProvisioningSettings.from(good("failure.mode", "fail-closed", "fail.closed.message", "Come back later"));
        assertFalse(s.failOpen());
        assertEquals(List.of(), s.problems());
        assertEquals("Come back later", s.failClosedMessage());
    }

    @Test
    void anUnknownFailureModeIsAProblemAndFailsClosedButStillLetsTheBridgeBeAsked() {
        for (String typo : new String[] {"fail_closed", "closed", "open", "failopen", "fail-open-please"}) {
            ProvisioningSettings s = ProvisioningSettings.from(good("failure.mode", typo));
            assertFalse(s.failOpen(), typo + " must never fail open");
            assertNull(s.problem(), "the bridge can still be asked");
            assertEquals(List.of("The failure mode '" + typo + "' is unknown: use fail-open or fail-closed. Until it is fixed the step fails closed."), s.problems());
        }
        assertTrue(ProvisioningSettings.from(good("failure.mode", " ")).failOpen(), "blank is the default");
    }

    @Test
    void caseIsFoldedWithTheRootLocaleWhateverTheServerLocale() {
        inLocale("tr-TR", () -> { // "I".toLowerCase() would be a dotless ı
            ProvisioningSettings open = ProvisioningSettings.from(good("failure.mode", "FAIL-OPEN", "bridge.url", "HTTPS://BRIDGE.EXAMPLE.INVALID/hook"));
            assertTrue(open.failOpen());
            assertEquals(List.of(), open.problems());
            assertFalse(ProvisioningSettings.from(good("failure.mode", "FAIL-CLOSED")).failOpen());
            assertEquals(List.of(), ProvisioningSettings.from(good("failure.mode", "FAIL-CLOSED")).problems());
        });
    }

    /** Runs the checks with the JVM's default locale set as a server's might be, and puts it back. */
    private static void inLocale(String tag, Runnable checks) {
        Locale before = Locale.getDefault();
        Locale.setDefault(Locale.forLanguageTag(tag));
        try {
            checks.run();
        } finally {
            Locale.setDefault(before);
        }
    }

    @Test
    void theStepsOutcomeFollowsTheAnswerAndTheFailureMode() {
        ProvisioningSettings open = ProvisioningSettings.from(good());
        ProvisioningSettings closed = ProvisioningSettings.from(good("failure.mode", "fail-closed", "fail.closed.message", "Later"));
        assertFalse(StepOutcome.of(BridgeAnswer.parse(200, "{\"status\":\"provisioned\"}"), closed).stopsLogin());
        assertFalse(StepOutcome.of(BridgeAnswer.parse(200, "{\"status\":\"pending\"}"), open).stopsLogin());
        assertEquals("Later", StepOutcome.of(BridgeAnswer.parse(200, "{\"status\":\"pending\"}"), closed).pageMessage());
        StepOutcome denied = StepOutcome.of(BridgeAnswer.parse(200, "{\"status\":\"denied\",\"message\":\"No\"}"), open);
        assertEquals("denied", denied.detail());
        assertEquals("No", denied.pageMessage());
        assertEquals(StepOutcome.DEFAULT_DENY_MESSAGE, StepOutcome.of(BridgeAnswer.parse(200, "{\"status\":\"denied\"}"), open).pageMessage());
        assertEquals("failed-open: timeout", StepOutcome.failure(open, "timeout").detail());
        assertFalse(StepOutcome.failure(open, "timeout").stopsLogin());
        StepOutcome failedClosed = StepOutcome.failure(closed, "unreachable: ConnectException");
        assertEquals("failed-closed: unreachable: ConnectException", failedClosed.detail());
        assertEquals("bms_provisioning_unavailable", failedClosed.eventError());
        assertEquals("Later", failedClosed.pageMessage());
    }

    @Test
    void bridgeAnswersOutsideTheContractAreNotAnswers() {
        assertEquals(BridgeAnswer.Status.PROVISIONED, BridgeAnswer.parse(200, "{\"status\":\"provisioned\"}").status());
        assertEquals("No contractors", BridgeAnswer.parse(200, "{\"status\":\"denied\",\"message\":\"No contractors\"}").message());
        assertNull(BridgeAnswer.parse(500, "{\"status\":\"provisioned\"}"));
        assertNull(BridgeAnswer.parse(201, "{\"status\":\"provisioned\"}"), "the bridge answers 200, nothing else");
        assertNull(BridgeAnswer.parse(200, "<html>"));
        assertNull(BridgeAnswer.parse(200, "{\"status\":\"maybe\"}"));
        assertNull(BridgeAnswer.parse(200, "{\"state\":\"provisioned\"}"));
        assertNull(BridgeAnswer.parse(200, "{\"status\":\"DENIED\"}"), "the contract's words, exactly");
        assertNull(BridgeAnswer.parse(200, "{\"status\":\"denied\",\"status\":\"provisioned\"}"), "a key twice is not an answer");
        assertNull(BridgeAnswer.parse(200, "{\"status\":\"denied\"} {\"status\":\"provisioned\"}"), "one JSON value");
    }

    @Test
    void lookAlikeStatusesNeverBecomeAStatusUnicodeCaseFoldingIsNotUsed() {
        inLocale("tr-TR", () -> {
            // dotless ı and long ſ fold to I and S in Unicode upper-casing: "provıſıoned" must not read as "provisioned"
            assertNull(BridgeAnswer.parse(200, "{\"status\":\"prov\u0131\u017f\u0131oned\"}"));
            assertNull(BridgeAnswer.parse(200, "{\"status\":\"PROVISIONED\"}"));
            assertEquals(BridgeAnswer.Status.PENDING, BridgeAnswer.parse(200, "{\"status\":\"pending\"}").status());
        });
    }

    @Test
    void bridgeUrlsJavasClientWouldMisuseAreRefusedWithTheReason() {
        assertEquals("The bridge URL must not carry a user name or password: the webhook is authenticated by its signature.",
                ProvisioningSettings.from(good("bridge.url", "http://user:secret@bridge.example.invalid/hook")).problem());
        assertEquals("The bridge URL's port 99999 is not a TCP port (1 to 65535).",
                ProvisioningSettings.from(good("bridge.url", "http://bridge.example.invalid:99999/hook")).problem());
        assertTrue(ProvisioningSettings.from(good("bridge.url", "http://bms_bridge:8090/webhooks/keycloak")).problem().contains("has an underscore"));
        assertEquals("The bridge URL must be an http(s) URL, e.g. https://bms-bridge.example.com/webhooks/keycloak.",
                ProvisioningSettings.from(good("bridge.url", "javascript:alert(1)")).problem());
        assertEquals("The bridge URL's port 0 is not a TCP port (1 to 65535).", ProvisioningSettings.from(good("bridge.url", "http://bridge.example.invalid:0/hook")).problem());
        assertNull(ProvisioningSettings.from(good("bridge.url", "https://10.0.0.7:8443/webhooks/keycloak")).problem());
    }

    @Test
    void bridgeMessagesAreShownLiterallyOnTheErrorPage() {
        assertEquals("Don&#39;t use <\u200Bb>BMS<\u200B/b> &\u200B &#123;0&#125; &\u200Blt;", LoginMessages.literal("Don't use <b>BMS</b> & {0} &lt;"));
    }
}
