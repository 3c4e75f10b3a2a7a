package com.bmsjit.keycloak.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ProvisioningPayloadTest {

    /** The fixture the bridge's tests validate too; Maven runs in plugin/, so it is one folder up. */
    private static final Path FIXTURE = Path.of("..", "test", "fixtures", "webhooks", "login-provisioning-requested.json");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void producesExactlyTheDocumentedContract() throws IOException {
        ProvisioningPayload payload = new ProvisioningPayload(
                "kc-login-3f0c6a1e-8d4b-3c2a-9f1e-0b7d5e6a4c21", "broker", "passly", "https://bms.example.invalid",
                "5b8f2f7e-1c3d-4e5f-8a9b-0c1d2e3f4a5b", "ada.lovelace@contoso.com", "ada.lovelace@contoso.com",
                "ada.lovelace@contoso.com", "Ada", "Lovelace", "Ada.Lovelace@contoso.com", "contoso.com",
                List.of("BMS-Techs", "CN=BMS-Admins,OU=Groups,DC=contoso,DC=com", "Domain Users"), true,
                Instant.parse("2026-11-29T09:30:00Z"));
        JsonNode expected = JSON.readTree(FIXTURE.toFile());
        assertEquals(expected, JSON.readTree(payload.toJsonBytes()));
    }

    @Test
    void missingValuesAreNullsAndGroupsAnEmptyListNeverAbsentKeys() throws IOException {
        ProvisioningPayload payload = new ProvisioningPayload("id", "r", "passly", "c", "u", "name", "sub", null, null, null, null, null, null, false,
                Instant.EPOCH);
        JsonNode user = JSON.readTree(payload.toJsonBytes()).get("user");
        assertEquals(9, user.size());
        assertEquals(true, user.get("email").isNull());
        assertEquals(0, user.get("groups").size());
    }
}
