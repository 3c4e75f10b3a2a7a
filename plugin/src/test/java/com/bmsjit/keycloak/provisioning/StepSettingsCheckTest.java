package com.bmsjit.keycloak.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.keycloak.models.ClientModel;
import org.keycloak.models.RealmModel;

class StepSettingsCheckTest {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    /** A realm that knows only its name and which client ids exist: all the check asks of it. */
    private static RealmModel realmWith(String... clientIds) {
        Set<String> known = Set.of(clientIds);
        ClientModel client = (ClientModel) Proxy.newProxyInstance(ClientModel.class.getClassLoader(), new Class<?>[] {ClientModel.class}, (p, m, a) -> null);
        return (RealmModel) Proxy.newProxyInstance(RealmModel.class.getClassLoader(), new Class<?>[] {RealmModel.class}, (proxy, method, args) -> switch (method.getName()) {
            case "getName" -> "broker";
            case "getClientByClientId" -> known.contains((String) args[0]) ? client : null;
            default -> throw new UnsupportedOperationException(method.getName());
        });
    }

    private static Map<String, String> settings(String gated) {
        return Map.of("bridge.url", "https://bridge.example.invalid/webhooks/keycloak", "webhook.secret", SECRET, "gated.clients", gated);
    }

    @Test
    void gatedClientsMustBeSetAndNameClientsTheRealmHas() {
        RealmModel realm = realmWith("https://bms.example.invalid", "account-console");
        assertEquals(List.of(), StepSettingsCheck.problems(realm, settings("https://bms.example.invalid")));
        assertEquals(List.of("No gated client is set, so no sign-in is checked: set 'Gated clients' to the BMS SAML client's client id."),
                StepSettingsCheck.problems(realm, settings(" ")));
        assertEquals(List.of("The gated client 'https://bms.example.invalid/' does not exist in realm 'broker' (client ids match exactly)."),
                StepSettingsCheck.problems(realm, settings("https://bms.example.invalid/##account-console")));
    }

    @Test
    void theSettingsOwnProblemsComeFirst() {
        Map<String, String> bad = Map.of("webhook.secret", SECRET, "gated.clients", "nope", "failure.mode", "closed");
        List<String> problems = StepSettingsCheck.problems(realmWith(), bad);
        assertEquals(3, problems.size(), problems.toString());
        assertEquals(true, problems.get(0).startsWith("The bridge URL is empty"));
        assertEquals(true, problems.get(1).startsWith("The failure mode 'closed' is unknown"));
        assertEquals(true, problems.get(2).startsWith("The gated client 'nope' does not exist"));
    }
}
