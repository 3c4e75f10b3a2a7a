package com.bmsjit.keycloak.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import com.bmsjit.keycloak.Contract;

/** Every listener webhook in test/fixtures/contract/events.json is what EventBodies builds from the case's input. */
class EventContractTest {

    @TestFactory
    Stream<DynamicTest> eachEventBodyIsExactlyTheFixture() {
        JsonNode cases = Contract.read("events.json").get("cases");
        return StreamSupport.stream(cases.spliterator(), false).map(c -> DynamicTest.dynamicTest(c.get("case").asText(), () -> {
            JsonNode in = c.get("input");
            String type = in.get("type").asText();
            long time = in.get("time").asLong();
            Map<String, Object> body = type.equals("rules.changed")
                    ? EventBodies.rulesChanged(Contract.text(in, "eventId"), time, Contract.text(in, "realm"), Contract.text(in, "idpAlias"),
                            Contract.text(in, "mapperId"), Contract.text(in, "operation"))
                    : EventBodies.userEvent(type, Contract.text(in, "eventId"), time, Contract.text(in, "realm"), Contract.text(in, "userId"),
                            Contract.text(in, "username"));
            assertEquals(c.get("body"), Contract.JSON.readTree(Contract.JSON.writeValueAsBytes(body)));
            // the key order too: type, eventId, realm, the event's fields, time
            assertEquals(Contract.list(fieldNames(c.get("body"))), Contract.list(fieldNames(Contract.JSON.valueToTree(body))));
        }));
    }

    private static JsonNode fieldNames(JsonNode object) {
        var names = Contract.JSON.createArrayNode();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
