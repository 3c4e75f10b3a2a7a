package com.bmsjit.keycloak.events;

import java.util.Optional;

import org.keycloak.models.RealmModel;
import org.keycloak.models.RequiredActionConfigModel;

import com.bmsjit.keycloak.provisioning.BmsProvisioningRequiredActionFactory;
import com.bmsjit.keycloak.provisioning.ProvisioningSettings;

/**
 * Where the listener sends its webhooks: the bridge configured on the realm's BMS provisioning required action, so
 * an admin sets the bridge URL and secret in one place. Used whether or not the action is enabled: the bridge must
 * hear of a deleted user even while sign-ins are not gated.
 */
final class BridgeTarget {

    private BridgeTarget() {
    }

    static Optional<ProvisioningSettings> of(RealmModel realm) {
        RequiredActionConfigModel config = realm.getRequiredActionProviderByAlias(BmsProvisioningRequiredActionFactory.PROVIDER_ID) == null ? null
                : realm.getRequiredActionConfigByAlias(BmsProvisioningRequiredActionFactory.PROVIDER_ID);
        return config == null || config.getConfig() == null ? Optional.empty() : Optional.of(ProvisioningSettings.from(config.getConfig()));
    }
}
