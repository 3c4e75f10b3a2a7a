package com.bmsjit.keycloak.provisioning;

import java.io.IOException;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The bridge's answer to a login webhook: {@code {"status":"provisioned"|"pending"|"denied","message":"..."}}.
 * Anything else (not JSON, another status, a non-2xx code) is not the contract and counts as a failure.
 */
public record BridgeAnswer(Status status, String message) {

    public enum Status { PROVISIONED, PENDING, DENIED }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_MESSAGE = 500;

    /** The answer, or null when the reply does not follow the contract. */
    public static BridgeAnswer parse(int httpStatus, String body) {
        if (httpStatus < 200 || httpStatus > 299 || body == null || body.isBlank()) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(body);
            JsonNode status = node == null ? null : node.get("status");
            if (status == null || !status.isTextual()) {
                return null;
            }
            Status parsed = Status.valueOf(status.asText().toUpperCase(Locale.ROOT));
            JsonNode message = node.get("message");
            String text = message != null && message.isTextual() ? message.asText() : null;
            return new BridgeAnswer(parsed, text == null ? null : text.substring(0, Math.min(MAX_MESSAGE, text.length())));
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }
}
