package com.bmsjit.keycloak.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import com.bmsjit.keycloak.Contract;

/** The login webhook, the bridge's answers and the user attributes, against test/fixtures/contract/. */
class LoginContractTest {

    @TestFactory
    Stream<DynamicTest> theLoginWebhookIsExactlyEachFixtureBody() {
        return cases(Contract.read("login-requests.json").get("cases")).map(c -> DynamicTest.dynamicTest(c.get("case").asText(), () -> {
            JsonNode body = c.get("body");
            JsonNode user = body.get("user");
            ProvisioningPayload payload = new ProvisioningPayload(Contract.text(body, "eventId"), Contract.text(body, "realm"),
                    Contract.text(body, "idpAlias"), Contract.text(body, "clientId"), Contract.text(user, "id"), Contract.text(user, "username"),
                    Contract.text(user, "subject"), Contract.text(user, "email"), Contract.text(user, "firstName"), Contract.text(user, "lastName"),
                    Contract.text(user, "upn"), Contract.text(user, "domain"), Contract.list(user.get("groups")), body.get("firstLogin").asBoolean(),
                    Instant.parse(body.get("time").asText()));
            // the same keys, values and nulls; strings byte for byte (no normalisation on the way)
            assertEquals(body, Contract.JSON.readTree(payload.toJsonBytes()));
        }));
    }

    @Test
    void noGroupsIsAnEmptyListNeverNull() throws Exception {
        ProvisioningPayload payload = new ProvisioningPayload("id", "r", null, "c", "u", "name", null, null, null, null, null, null, null, false,
                Instant.EPOCH);
        assertEquals(0, Contract.JSON.readTree(payload.toJsonBytes()).get("user").get("groups").size());
    }

    @TestFactory
    Stream<DynamicTest> everyAnswerTheBridgeMaySendIsReadAsItsStatus() {
        return cases(Contract.read("answers.json").get("valid")).map(c -> DynamicTest.dynamicTest(c.get("case").asText(), () -> {
            BridgeAnswer answer = BridgeAnswer.parse(c.get("httpStatus").asInt(), c.get("body").asText());
            assertNotNull(answer);
            assertEquals(c.get("status").asText(), answer.status().name().toLowerCase(java.util.Locale.ROOT));
            assertEquals(Contract.text(c, "message"), answer.message());
        }));
    }

    @TestFactory
    Stream<DynamicTest> everythingElseIsNoAnswer() {
        return cases(Contract.read("answers.json").get("invalid")).map(c -> DynamicTest.dynamicTest(c.get("case").asText(),
                () -> assertNull(BridgeAnswer.parse(c.get("httpStatus").asInt(), c.get("body").asText()))));
    }

    @Test
    void aStatusGivenTwiceIsNoAnswer() {
        // JSON.parse in the bridge would keep the last one; the plugin refuses the ambiguity outright
        assertNull(BridgeAnswer.parse(200, "{\"status\":\"denied\",\"status\":\"provisioned\"}"));
    }

    @Test
    void theSharedUserAttributesAreTheFixturesNames() {
        Map<String, String> names = Contract.strings(Contract.read("attributes.json").get("attributes"));
        assertEquals(Map.of("groups", UserAttributes.GROUPS, "domain", UserAttributes.DOMAIN, "upn", UserAttributes.UPN,
                "employeeId", UserAttributes.EMPLOYEE_ID, "requestedAt", UserAttributes.REQUESTED_AT), names);
    }

    static Stream<JsonNode> cases(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false);
    }
}
