package com.bmsjit.keycloak.provisioning;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The body of the login webhook (README, "Webhook contract"; pinned by
 * test/fixtures/webhooks/login-provisioning-requested.json). Field order is fixed so the bytes are predictable.
 */
public record ProvisioningPayload(
        String eventId,
        String realm,
        String idpAlias,
        String clientId,
        String userId,
        String username,
        String subject,
        String email,
        String firstName,
        String lastName,
        String upn,
        String domain,
        List<String> groups,
        boolean firstLogin,
        Instant time) {

    public static final String TYPE = "login.provisioning_requested";
    private static final ObjectMapper JSON = new ObjectMapper();

    public Map<String, Object> toMap() {
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("id", userId);
        user.put("username", username);
        user.put("subject", subject);
        user.put("email", email);
        user.put("firstName", firstName);
        user.put("lastName", lastName);
        user.put("upn", upn);
        user.put("domain", domain);
        user.put("groups", groups == null ? List.of() : groups);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", TYPE);
        body.put("eventId", eventId);
        body.put("realm", realm);
        body.put("idpAlias", idpAlias);
        body.put("clientId", clientId);
        body.put("user", user);
        body.put("firstLogin", firstLogin);
        body.put("time", time.toString());
        return body;
    }

    public byte[] toJsonBytes() {
        return toBytes(toMap());
    }

    static byte[] toBytes(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialise a webhook body", e);
        }
    }
}
