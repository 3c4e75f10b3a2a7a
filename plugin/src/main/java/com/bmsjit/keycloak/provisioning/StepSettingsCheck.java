package com.bmsjit.keycloak.provisioning;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.keycloak.models.RealmModel;

/**
 * Everything wrong with the step's settings in a realm: the settings' own problems ({@link ProvisioningSettings}), and
 * gated clients that would make the step guard nothing (none listed, or a client id the realm does not have, e.g. a
 * typo or a trailing slash). Used when the settings are saved, whichever admin endpoint saves them.
 */
public final class StepSettingsCheck {

    private StepSettingsCheck() {
    }

    /** @return the problems, each a sentence saying what to do; empty when the settings are good */
    public static List<String> problems(RealmModel realm, Map<String, String> config) {
        ProvisioningSettings settings = ProvisioningSettings.from(config);
        List<String> problems = new ArrayList<>(settings.problems());
        problems.addAll(gatedClientProblems(realm, settings.gatedClients()));
        return problems;
    }

    /** Gated clients that guard nothing; also used at sign-in time to say why BMS sign-ins are not checked. */
    static List<String> gatedClientProblems(RealmModel realm, List<String> gatedClients) {
        if (gatedClients.isEmpty()) {
            return List.of("No gated client is set, so no sign-in is checked: set 'Gated clients' to the BMS SAML client's client id.");
        }
        List<String> problems = new ArrayList<>();
        for (String clientId : gatedClients) {
            if (realm.getClientByClientId(clientId) == null) {
                problems.add("The gated client '" + clientId + "' does not exist in realm '" + realm.getName() + "' (client ids match exactly).");
            }
        }
        return problems;
    }
}
