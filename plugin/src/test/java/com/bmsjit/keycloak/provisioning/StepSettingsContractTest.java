package com.bmsjit.keycloak.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import com.bmsjit.keycloak.Contract;

/**
 * The step's settings have exactly the problems of test/fixtures/contract/step-settings.json: bridge setup checks the
 * settings it writes against the same file (bridge/setup/step-settings.ts), so what it accepts Keycloak saves.
 */
class StepSettingsContractTest {

    private static final JsonNode FIXTURE = Contract.read("step-settings.json");

    @TestFactory
    Stream<DynamicTest> eachConfigurationHasExactlyItsProblems() {
        return StreamSupport.stream(FIXTURE.get("cases").spliterator(), false).map(c -> DynamicTest.dynamicTest(c.get("case").asText(),
                () -> assertEquals(Contract.list(c.get("problems")), ProvisioningSettings.from(Contract.strings(c.get("config"))).problems())));
    }
}
