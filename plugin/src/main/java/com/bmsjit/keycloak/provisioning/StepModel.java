package com.bmsjit.keycloak.provisioning;

import java.util.Map;
import java.util.Optional;

import org.keycloak.models.RealmModel;
import org.keycloak.models.RequiredActionProviderModel;

/**
 * The step's registration in a realm, found by provider id: Keycloak runs an enabled required action by its provider
 * id, but finds its settings by its alias, and an admin can change the alias. Everything that must see the step as
 * Keycloak runs it looks it up here.
 */
public final class StepModel {

    private StepModel() {
    }

    /** The step's registration in the realm, if it is registered. */
    public static Optional<RequiredActionProviderModel> of(RealmModel realm) {
        return realm.getRequiredActionProvidersStream()
                .filter(m -> BmsProvisioningRequiredActionFactory.PROVIDER_ID.equals(m.getProviderId()))
                .findFirst();
    }

    /** Its settings, whatever its alias; empty when it has none. */
    public static Map<String, String> settings(RequiredActionProviderModel step) {
        return step.getConfig() == null ? Map.of() : step.getConfig();
    }
}
