package com.bmsjit.keycloak.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class MissingAttributesTest {

    private static final Map<String, List<String>> SENT = Map.of(
            "email", List.of("ada@contoso.com"),
            "upn", List.of("   "),
            "groups", List.of("", "BMS-Techs"));

    @Test
    void reportsNamesWithoutAnyNonBlankValueInTheOrderGiven() {
        List<String> missing = MissingAttributes.find(List.of("domain", "email", "upn", "groups"), SENT::get);
        assertEquals(List.of("domain", "upn"), missing);
    }

    @Test
    void reportsNothingWhenEverythingWasSent() {
        assertEquals(List.of(), MissingAttributes.find(List.of("email", "groups"), SENT::get));
    }

    @Test
    void ignoresBlankRequiredNamesAndTrimsTheOthers() {
        assertEquals(List.of("lastName"), MissingAttributes.find(List.of(" ", " lastName "), SENT::get));
    }

    @Test
    void parsesTheConsolesMultivaluedFormatAndCommas() {
        assertEquals(List.of("email", "upn", "domain"), MissingAttributes.parseNames("email##upn, domain"));
        assertEquals(List.of(), MissingAttributes.parseNames(null));
    }

    @Test
    void labelsTheBuiltInNamesInWordsAndLeavesOthersAlone() {
        assertEquals("e-mail address", MissingAttributes.label("email"));
        assertEquals("last name", MissingAttributes.label("lastName"));
        assertEquals("upn", MissingAttributes.label("upn"));
    }
}
