package com.bmsjit.keycloak.mappers;

import org.keycloak.broker.provider.AbstractIdentityProviderMapper;
import org.keycloak.models.IdentityProviderSyncMode;

/** What the two BMS mapper types share: SAML identity providers, one console category, and no effect on users. */
abstract class AbstractBmsMapper extends AbstractIdentityProviderMapper {

    @Override
    public String[] getCompatibleProviders() {
        return new String[] {"saml"};
    }

    @Override
    public String getDisplayCategory() {
        return "BMS provisioning";
    }

    @Override
    public boolean supportsSyncMode(IdentityProviderSyncMode syncMode) {
        return true; // it never touches the user, so every sync mode is fine
    }
}
