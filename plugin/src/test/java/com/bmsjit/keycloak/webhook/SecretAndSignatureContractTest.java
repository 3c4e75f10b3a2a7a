package com.bmsjit.keycloak.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import com.bmsjit.keycloak.Contract;

/** The secret grammar and the signature vectors of test/fixtures/contract/, which the bridge is tested against too. */
class SecretAndSignatureContractTest {

    @TestFactory
    Stream<DynamicTest> exactlyTheValidSecretsAreAccepted() {
        return each(Contract.read("secrets.json").get("cases")).map(c -> DynamicTest.dynamicTest(c.get("case").asText(), () -> {
            String value = c.get("value").asText();
            boolean valid = c.get("valid").asBoolean();
            assertEquals(valid, WebhookSecret.problemWith(value) == null, () -> "problem: " + WebhookSecret.problemWith(value));
            if (valid) {
                assertEquals(c.get("keyBytes").asInt(), WebhookSecret.parse(value).key().length);
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> eachBodyIsSignedToTheVectorsSignature() {
        return each(Contract.read("signatures.json").get("vectors")).map(v -> DynamicTest.dynamicTest(v.get("case").asText(), () -> {
            byte[] body = v.get("body").asText().getBytes(StandardCharsets.UTF_8);
            assertEquals(v.get("signature").asText(), StandardWebhookSigner.sign(WebhookSecret.parse(v.get("secret").asText()),
                    v.get("webhookId").asText(), v.get("timestamp").asLong(), body));
        }));
    }

    private static Stream<JsonNode> each(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false);
    }
}
