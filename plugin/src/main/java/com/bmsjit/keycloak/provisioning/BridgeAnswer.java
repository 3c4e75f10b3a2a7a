package com.bmsjit.keycloak.provisioning;

import java.io.IOException;
import java.util.Map;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The bridge's answer to a login webhook: HTTP 200 with {@code {"status":"provisioned"|"pending"|"denied","message":"..."}}
 * (README, "Webhook contract"). Read strictly: the status is one of the three words exactly, as the bridge writes
 * them (no case folding: Unicode folding turns look-alikes such as "provıſıoned" into a status), each key once, one
 * JSON value. Anything else (not JSON, another status, another HTTP code) is not the contract and counts as a failure.
 */
public record BridgeAnswer(Status status, String message) {

    public enum Status { PROVISIONED, PENDING, DENIED }

    private static final Map<String, Status> STATUSES = Map.of("provisioned", Status.PROVISIONED, "pending", Status.PENDING, "denied", Status.DENIED);
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final int MAX_MESSAGE = 500;

    /** The answer, or null when the reply does not follow the contract. */
    public static BridgeAnswer parse(int httpStatus, String body) {
        if (httpStatus != 200 || body == null || body.isBlank()) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(body);
            JsonNode status = node == null ? null : node.get("status");
            Status parsed = status != null && status.isTextual() ? STATUSES.get(status.asText()) : null;
            if (parsed == null) {
                return null;
            }
            JsonNode message = node.get("message");
            String text = message != null && message.isTextual() ? message.asText() : null;
            return new BridgeAnswer(parsed, text == null ? null : text.substring(0, Math.min(MAX_MESSAGE, text.length())));
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }
}
