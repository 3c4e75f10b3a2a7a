package com.bmsjit.keycloak.events;

import java.util.Optional;

import org.keycloak.models.RealmModel;

import com.bmsjit.keycloak.provisioning.ProvisioningSettings;
import com.bmsjit.keycloak.provisioning.StepModel;

/**
 * Where the listener sends its webhooks: the bridge configured on the realm's BMS provisioning required action, so
 * an admin sets the bridge URL and secret in one place. Used whether or not the action is enabled: the bridge must
 * hear of a deleted user even while sign-ins are not gated.
 */
final class BridgeTarget {

    private BridgeTarget() {
    }

    static Optional<ProvisioningSettings> of(RealmModel realm) {
        return StepModel.of(realm).map(StepModel::settings).filter(settings -> !settings.isEmpty()).map(ProvisioningSettings::from);
    }
}
