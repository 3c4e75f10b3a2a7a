package com.bmsjit.keycloak.writeback;

import java.io.IOException;
import java.math.BigInteger;
import java.util.Iterator;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The body of {@code PUT …/users/{userId}/employee-id}: exactly {@code {"employeeId": <positive integer>}} or
 * {@code {"employeeId": null}}. Anything else is refused with a sentence saying what is wrong; nothing is guessed
 * (no strings of digits, no 12.0, no extra fields, no duplicate keys).
 */
public final class EmployeeIdBody {

    public static final String FIELD = "employeeId";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

    /** The parsed body: {@code employeeId} null means "clear"; otherwise {@code problem} says why it was refused. */
    public record Parsed(String employeeId, String problem) {
        public boolean ok() {
            return problem == null;
        }
    }

    private EmployeeIdBody() {
    }

    public static Parsed parse(String body) {
        if (body == null || body.isBlank()) {
            return refused("The body is empty; send {\"employeeId\": 123} or {\"employeeId\": null}.");
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            return refused("The body is not JSON; send {\"employeeId\": 123} or {\"employeeId\": null}.");
        }
        if (root == null || !root.isObject()) {
            return refused("The body must be a JSON object: {\"employeeId\": 123} or {\"employeeId\": null}.");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!name.equals(FIELD)) {
                return refused("Unknown field '" + name + "'; the body has only \"employeeId\".");
            }
        }
        if (!root.has(FIELD)) {
            return refused("\"employeeId\" is missing; send a positive integer, or null to clear it.");
        }
        JsonNode value = root.get(FIELD);
        if (value.isNull()) {
            return new Parsed(null, null);
        }
        if (!value.isIntegralNumber() || value.bigIntegerValue().signum() <= 0 || value.bigIntegerValue().compareTo(MAX) > 0) {
            return refused("\"employeeId\" must be a positive whole number (a JSON number, not a string) or null, not " + value + ".");
        }
        return new Parsed(value.bigIntegerValue().toString(), null);
    }

    private static Parsed refused(String problem) {
        return new Parsed(null, problem);
    }
}
