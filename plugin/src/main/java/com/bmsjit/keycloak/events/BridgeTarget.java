package com.bmsjit.keycloak.events;

import java.util.Optional;

import org.keycloak.models.AuthenticatorConfigModel;
import org.keycloak.models.RealmModel;

import com.bmsjit.keycloak.provisioning.BmsProvisioningAuthenticatorFactory;
import com.bmsjit.keycloak.provisioning.ProvisioningSettings;

/**
 * Where the listener sends its webhooks: the bridge configured on the realm's BMS provisioning step, so an admin
 * sets the bridge URL and secret in one place.
 */
final class BridgeTarget {

    private BridgeTarget() {
    }

    static Optional<ProvisioningSettings> of(RealmModel realm) {
        return realm.getAuthenticationFlowsStream()
                .flatMap(flow -> realm.getAuthenticationExecutionsStream(flow.getId()))
                .filter(execution -> BmsProvisioningAuthenticatorFactory.PROVIDER_ID.equals(execution.getAuthenticator()))
                .map(execution -> execution.getAuthenticatorConfig() == null ? null : realm.getAuthenticatorConfigById(execution.getAuthenticatorConfig()))
                .filter(config -> config != null)
                .map(AuthenticatorConfigModel::getConfig)
                .map(ProvisioningSettings::from)
                .findFirst();
    }
}
