package com.bmsjit.keycloak.provisioning;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

class OccasionalWarningTest {

    @Test
    void aStandingConditionIsLoggedOncePerIntervalPerRealm() throws InterruptedException {
        OccasionalWarning warning = new OccasionalWarning(Logger.getLogger(OccasionalWarningTest.class), Duration.ofMillis(300), "realm %s gates nothing");
        assertTrue(warning.warn("broker"));
        assertFalse(warning.warn("broker"));
        assertTrue(warning.warn("other"), "each realm is warned about");
        Thread.sleep(400);
        assertTrue(warning.warn("broker"), "and again after the interval");
    }
}
