package com.bmsjit.keycloak.provisioning;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

/**
 * A standing misconfiguration that code on a hot path meets on every call (every sign-in of a realm): logged at error
 * level at most once per interval per key (a realm), so the log says it loudly without being flooded.
 */
final class OccasionalWarning {

    private final Logger log;
    private final long intervalNanos;
    private final String format;
    private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();

    /** @param format a {@link String#format} pattern: {@code %s} the key, then {@code %s} the detail */
    OccasionalWarning(Logger log, Duration interval, String format) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
        this.format = format;
    }

    /** Whether a warning for the key would be logged now: lets a caller skip working out its detail otherwise. */
    boolean due(String key) {
        Long previous = lastLogged.get(key);
        return previous == null || System.nanoTime() - previous >= intervalNanos;
    }

    /** @return whether it was logged this time */
    boolean warn(String key, String detail) {
        if (!due(key)) {
            return false;
        }
        long now = System.nanoTime();
        // another thread may log the same moment: at worst twice, never a lost warning
        lastLogged.put(key, now);
        log.errorf(format, key, detail);
        return true;
    }
}
