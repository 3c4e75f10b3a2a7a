package com.bmsjit.keycloak.mappers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import com.bmsjit.keycloak.Contract;

/** The save-time check gives exactly the problem codes of test/fixtures/contract/mapper-checks.json (the bridge's parser too). */
class MapperContractTest {

    private static final JsonNode FIXTURE = Contract.read("mapper-checks.json");

    @TestFactory
    Stream<DynamicTest> eachConfigurationHasExactlyItsProblems() {
        return StreamSupport.stream(FIXTURE.get("cases").spliterator(), false).map(c -> DynamicTest.dynamicTest(c.get("case").asText(), () -> {
            MapperRules.Mapper candidate = mapper(c.get("candidate"), "candidate", "Candidate");
            List<MapperRules.Mapper> others = new ArrayList<>();
            int n = 1;
            for (JsonNode other : c.get("others")) {
                others.add(mapper(other, "other-" + n, "Other " + n));
                n++;
            }
            List<String> codes = MapperRules.check(candidate, others).stream().map(MapperRules.Problem::code).sorted().toList();
            assertEquals(Contract.list(c.get("problems")).stream().sorted().toList(), codes);
        }));
    }

    @Test
    void theSyncOptionsTheDefaultAndTheRequiredFieldsAreTheFixtures() {
        assertEquals(Contract.list(FIXTURE.get("syncFields")),
                BmsEmployeeDefaultsMapper.SYNC_FIELD_OPTIONS.stream().filter(o -> !o.equals(BmsEmployeeDefaultsMapper.SYNC_NONE)).toList());
        assertEquals(String.join(BmsEmployeeDefaultsMapper.LIST_DELIMITER, Contract.list(FIXTURE.get("defaultSync"))),
                BmsEmployeeDefaultsMapper.SYNC_FIELDS_DEFAULT);
        assertEquals(Contract.list(FIXTURE.get("requiredFields")), BmsFields.REQUIRED);
    }

    private static MapperRules.Mapper mapper(JsonNode node, String id, String name) {
        Map<String, String> config = Contract.strings(node.get("config"));
        return new MapperRules.Mapper(node.has("id") ? node.get("id").asText() : id, node.has("name") ? node.get("name").asText() : name,
                node.get("type").asText(), config);
    }
}
