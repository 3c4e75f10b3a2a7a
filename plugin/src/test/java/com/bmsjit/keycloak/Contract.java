package com.bmsjit.keycloak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads the shared contract fixtures in test/fixtures/contract/ (the bridge's Jest suite reads the same files).
 * Maven runs in plugin/, so they are one folder up.
 */
public final class Contract {

    public static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FOLDER = Path.of("..", "test", "fixtures", "contract");

    private Contract() {
    }

    /** The parsed fixture {@code name} (for example "secrets.json"); fails the test run when it is missing or not JSON. */
    public static JsonNode read(String name) {
        try {
            return JSON.readTree(FOLDER.resolve(name).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the contract fixture " + FOLDER.resolve(name), e);
        }
    }

    /** A JSON string, or null for JSON null or an absent key. */
    public static String text(JsonNode node, String key) {
        JsonNode value = node.get(key);
        return value == null || value.isNull() ? null : value.asText();
    }

    /** A JSON object of strings as a map, in the fixture's order. */
    public static Map<String, String> strings(JsonNode object) {
        Map<String, String> map = new LinkedHashMap<>();
        object.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
        return map;
    }

    /** A JSON array of strings as a list. */
    public static List<String> list(JsonNode array) {
        List<String> list = new ArrayList<>();
        array.forEach(v -> list.add(v.asText()));
        return list;
    }
}
