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
 * JSON value, a message (if any) a string of at most 500 characters; unknown keys are ignored. Anything else (not JSON,
 * another status, another HTTP code) is not the contract and counts as a failure. Every case is in
 * test/fixtures/contract/answers.json, which the bridge's answer schema is tested against too.
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
            if (message != null && !(message.isTextual() && message.asText().length() <= MAX_MESSAGE)) {
                return null; // the bridge sends a string of at most 500 characters, or none
            }
            return new BridgeAnswer(parsed, message == null ? null : message.asText());
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }
}
