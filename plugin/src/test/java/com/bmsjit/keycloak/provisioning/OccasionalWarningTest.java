package com.bmsjit.keycloak.provisioning;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

class OccasionalWarningTest {

    @Test
    void aStandingConditionIsLoggedOncePerIntervalPerRealm() throws InterruptedException {
        OccasionalWarning warning = new OccasionalWarning(Logger.getLogger(OccasionalWarningTest.class), Duration.ofMillis(300), "realm %s checks nothing: %s");
        assertTrue(warning.warn("broker", "no gated client"));
        assertFalse(warning.warn("broker", "no gated client"));
        assertTrue(warning.warn("other", "no gated client"), "each realm is warned about");
        Thread.sleep(400);
        assertTrue(warning.warn("broker", "no gated client"), "and again after the interval");
    }
}
