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
        assertEquals(List.of("Order must be a whole number of at most 9 digits (for example 10), not 'first'.",
                        "A BMS mapping rule needs at least one match condition: AD domain, security group or user."),
                MapperRules.problems(rule("3", "Bad", Map.of("bms.order", "first")), List.of()));
        assertEquals("Effect must be 'provision' or 'deny', not 'maybe'.",
                MapperRules.problems(rule("3", "Bad", Map.of("bms.order", "5", "bms.match.group", "x", "bms.effect", "maybe")), List.of()).get(0));
    }

    @Test
    void aSecondDefaultsMapperIsRefusedNamingTheFirst() {
        MapperRules.Mapper second = new MapperRules.Mapper("10", "More defaults", BmsEmployeeDefaultsMapper.PROVIDER_ID, Map.of("bms.no.match.policy", "defaults"));
        assertEquals("This identity provider already has a BMS employee defaults mapper ('Defaults'); edit that one instead.",
                MapperRules.problems(second, List.of(DEFAULTS, TECHS)).get(0));
        assertEquals(List.of("'When no rule matches' must be 'deny' or 'defaults', not 'allow'."),
                MapperRules.problems(new MapperRules.Mapper("9", "Defaults", BmsEmployeeDefaultsMapper.PROVIDER_ID, Map.of("bms.no.match.policy", "allow")), List.of(DEFAULTS)));
    }

    @Test
    void otherMapperTypesAreLeftAlone() {
        assertEquals(List.of(), MapperRules.problems(new MapperRules.Mapper("5", "Email", "saml-user-attribute-idp-mapper", Map.of()), List.of()));
    }

    private static List<String> defaultsProblems(Map<String, String> config) {
        return MapperRules.problems(new MapperRules.Mapper("9", "Defaults", BmsEmployeeDefaultsMapper.PROVIDER_ID, config), List.of(DEFAULTS));
    }

    @Test
    void syncFieldsAndRehirePolicyAcceptEveryOptionTheDefaultsAndRepeats() {
        assertEquals(List.of(), defaultsProblems(Map.of()));
        assertEquals(List.of(), defaultsProblems(Map.of("bms.sync.fields", "", "bms.rehire.policy", "")));
        assertEquals(List.of(), defaultsProblems(Map.of("bms.sync.fields", BmsEmployeeDefaultsMapper.SYNC_FIELDS_DEFAULT, "bms.rehire.policy", "deny")));
        assertEquals(List.of(), defaultsProblems(Map.of("bms.sync.fields", String.join("##", BmsEmployeeDefaultsMapper.SYNC_FIELD_OPTIONS.stream().filter(o -> !o.equals("none")).toList()),
                "bms.rehire.policy", "reactivate")));
        assertEquals(List.of(), defaultsProblems(Map.of("bms.sync.fields", "email##active##email")));
        assertEquals(List.of(), defaultsProblems(Map.of("bms.sync.fields", "active")));
        assertEquals(List.of(), defaultsProblems(Map.of("bms.sync.fields", "none")));
        assertEquals(List.of("'Keep in sync with the directory' has 'none' with other fields: choose 'none' alone (every field create only), or only the fields to keep in sync."),
                defaultsProblems(Map.of("bms.sync.fields", "none##names")));
    }

    @Test
    void domainPairsAreNetbiosEqualsDns() {
        assertEquals(List.of(), defaultsProblems(Map.of("bms.domain.pairs", "CORP=contoso.com##LEGACY=fabrikam.co.uk")));
        assertEquals(List.of(), defaultsProblems(Map.of("bms.domain.pairs", "")));
        String hint = "': write each pair as NETBIOS=dns.domain, for example CORP=contoso.com.";
        assertEquals(List.of("'NetBIOS and DNS domain pairs' has 'contoso.com=CORP', 'CORP" + hint),
                defaultsProblems(Map.of("bms.domain.pairs", "contoso.com=CORP##CORP")));
    }

    @Test
    void theDefaultSyncFieldsAreTheOnesTheContractNames() {
        assertEquals("names##email##securityRole##active", BmsEmployeeDefaultsMapper.SYNC_FIELDS_DEFAULT);
        assertEquals(List.of("names", "email", "userName", "account", "department", "location", "manager", "jobTitle", "employmentType",
                "securityRole", "employeeRole", "active", "none"), BmsEmployeeDefaultsMapper.SYNC_FIELD_OPTIONS);
    }

    @Test
    void anUnknownSyncFieldIsNamedWithTheChoices() {
        String choices = "choose from names, email, userName, account, department, location, manager, jobTitle, employmentType, securityRole, employeeRole, active, none.";
        assertEquals(List.of("'Keep in sync with the directory' has unknown fields 'phone'; " + choices),
                defaultsProblems(Map.of("bms.sync.fields", "names##phone")));
        assertEquals(List.of("'Keep in sync with the directory' has unknown fields 'securityrole' (did you mean 'securityRole'?), ' email' (did you mean 'email'?); " + choices),
                defaultsProblems(Map.of("bms.sync.fields", "securityrole## email##securityrole")));
        assertEquals(List.of("'Keep in sync with the directory' has unknown fields 'names,email'; " + choices),
                defaultsProblems(Map.of("bms.sync.fields", "names,email")));
    }

    @Test
    void anEmptySyncFieldItemIsRefused() {
        String message = "'Keep in sync with the directory' has an empty item ('%s'): separate the fields with a single '##' and none at either end.";
        for (String stored : List.of("names####email", "names##", "##names")) {
            assertEquals(List.of(String.format(message, stored)), defaultsProblems(Map.of("bms.sync.fields", stored)), stored);
        }
    }

    @Test
    void anUnknownRehirePolicyIsRefused() {
        assertEquals(List.of("'Rehire' must be 'reactivate' or 'deny', not 'rehire'."),
                defaultsProblems(Map.of("bms.rehire.policy", "rehire")));
        assertEquals(List.of("'Rehire' must be 'reactivate' or 'deny', not 'Deny'."),
                defaultsProblems(Map.of("bms.rehire.policy", "Deny")));
    }

    @Test
    void theConsoleOffersTheSettingsWithTheirDefaults() {
        Map<String, org.keycloak.provider.ProviderConfigProperty> byName = new java.util.HashMap<>();
        new BmsEmployeeDefaultsMapper().getConfigProperties().forEach(p -> byName.put(p.getName(), p));
        org.keycloak.provider.ProviderConfigProperty sync = byName.get("bms.sync.fields");
        assertEquals(org.keycloak.provider.ProviderConfigProperty.MULTIVALUED_LIST_TYPE, sync.getType());
        assertEquals(BmsEmployeeDefaultsMapper.SYNC_FIELD_OPTIONS, sync.getOptions());
        assertEquals("names##email##securityRole##active", sync.getDefaultValue());
        org.keycloak.provider.ProviderConfigProperty rehire = byName.get("bms.rehire.policy");
        assertEquals(org.keycloak.provider.ProviderConfigProperty.LIST_TYPE, rehire.getType());
        assertEquals(List.of("reactivate", "deny"), rehire.getOptions());
        assertEquals("reactivate", rehire.getDefaultValue());
    }
}
