package com.bmsjit.keycloak.events;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bodies of the event listener's webhooks (README, "Webhook contract"; every shape is pinned by
 * test/fixtures/contract/events.json, which the bridge's schema reads too). Keys keep a fixed order so the bytes are
 * predictable: type, eventId, realm, the event's own fields, time.
 */
final class EventBodies {

    private EventBodies() {
    }

    /**
     * {@code user.deleted} (no username: the user is gone), or {@code user.disabled}, {@code user.enabled},
     * {@code user.updated} with the username. {@code timeMillis} is the event's time, 0 or less meaning now.
     */
    static Map<String, Object> userEvent(String type, String eventId, long timeMillis, String realm, String userId, String username) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("userId", userId);
        if (!type.equals("user.deleted")) {
            fields.put("username", username);
        }
        return envelope(type, eventId, timeMillis, realm, fields);
    }

    /** {@code rules.changed}: a BMS mapper of {@code idpAlias} was created, updated or deleted ({@code operation} lower case). */
    static Map<String, Object> rulesChanged(String eventId, long timeMillis, String realm, String idpAlias, String mapperId, String operation) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("idpAlias", idpAlias);
        fields.put("mapperId", mapperId);
        fields.put("operation", operation);
        return envelope("rules.changed", eventId, timeMillis, realm, fields);
    }

    private static Map<String, Object> envelope(String type, String eventId, long timeMillis, String realm, Map<String, Object> fields) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type);
        body.put("eventId", eventId);
        body.put("realm", realm);
        body.putAll(fields);
        body.put("time", Instant.ofEpochMilli(timeMillis > 0 ? timeMillis : System.currentTimeMillis()).toString());
        return body;
    }
}
