package com.bmsjit.keycloak.mappers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class MapperRulesTest {

    private static MapperRules.Mapper rule(String id, String name, Map<String, String> config) {
        return new MapperRules.Mapper(id, name, BmsMappingRuleMapper.PROVIDER_ID, config);
    }

    private static final MapperRules.Mapper TECHS = rule("1", "Technicians", Map.of("bms.order", "20", "bms.match.group", "BMS-Techs"));
    private static final MapperRules.Mapper DEFAULTS = new MapperRules.Mapper("9", "Defaults", BmsEmployeeDefaultsMapper.PROVIDER_ID, Map.of());

    @Test
    void aValidRuleHasNoProblems() {
        assertEquals(List.of(), MapperRules.problems(rule("2", "Sales", Map.of("bms.order", " 30 ", "bms.match.domain", "fabrikam.com", "bms.effect", "deny")),
                List.of(TECHS, DEFAULTS)));
    }

    @Test
    void anOrderUsedByAnotherRuleNamesThatRule() {
        assertEquals(List.of("Order 20 is already used by the rule 'Technicians'; every BMS mapping rule of an identity provider needs its own order."),
                MapperRules.problems(rule("2", "Copy", Map.of("bms.order", "20", "bms.match.user", "ada@contoso.com")), List.of(TECHS)));
    }

    @Test
    void updatingARuleDoesNotCollideWithItself() {
        assertEquals(List.of(), MapperRules.problems(TECHS, List.of(TECHS)));
    }

    @Test
    void anOrderThatIsNotAWholeNumberAndNoMatchConditionAreBothReported() {
        assertEquals(List.of("Order must be a whole number (for example 10), not 'first'.",
                        "A BMS mapping rule needs at least one match condition: AD domain, security group or user."),
                MapperRules.problems(rule("3", "Bad", Map.of("bms.order", "first")), List.of()));
        assertEquals("Effect must be 'provision' or 'deny', not 'maybe'.",
                MapperRules.problems(rule("3", "Bad", Map.of("bms.order", "5", "bms.match.group", "x", "bms.effect", "maybe")), List.of()).get(0));
    }

    @Test
    void aSecondDefaultsMapperIsRefusedNamingTheFirst() {
        MapperRules.Mapper second = new MapperRules.Mapper("10", "More defaults", BmsEmployeeDefaultsMapper.PROVIDER_ID, Map.of("bms.no.match.policy", "defaults"));
        assertEquals(List.of("This identity provider already has a BMS employee defaults mapper ('Defaults'); edit that one instead."),
                MapperRules.problems(second, List.of(DEFAULTS, TECHS)));
        assertEquals(List.of("'When no rule matches' must be 'deny' or 'defaults', not 'allow'."),
                MapperRules.problems(new MapperRules.Mapper("9", "Defaults", BmsEmployeeDefaultsMapper.PROVIDER_ID, Map.of("bms.no.match.policy", "allow")), List.of(DEFAULTS)));
    }

    @Test
    void otherMapperTypesAreLeftAlone() {
        assertEquals(List.of(), MapperRules.problems(new MapperRules.Mapper("5", "Email", "saml-user-attribute-idp-mapper", Map.of()), List.of()));
    }
}
