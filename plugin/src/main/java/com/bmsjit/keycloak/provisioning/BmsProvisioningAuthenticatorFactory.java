package com.bmsjit.keycloak.provisioning;

import java.util.List;

import org.keycloak.Config;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.AuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

public class BmsProvisioningAuthenticatorFactory implements AuthenticatorFactory {

    public static final String PROVIDER_ID = "bms-provisioning";
    private static final BmsProvisioningAuthenticator SINGLETON = new BmsProvisioningAuthenticator();
    private static final AuthenticationExecutionModel.Requirement[] REQUIREMENT_CHOICES = {
            AuthenticationExecutionModel.Requirement.REQUIRED,
            AuthenticationExecutionModel.Requirement.DISABLED
    };

    private static final List<ProviderConfigProperty> CONFIG = ProviderConfigurationBuilder.create()
            .property().name(ProvisioningSettings.BRIDGE_URL).label("Bridge URL")
            .type(ProviderConfigProperty.STRING_TYPE)
            .helpText("The bridge's webhook endpoint, e.g. https://bms-bridge.example.com/webhooks/keycloak").add()
            .property().name(ProvisioningSettings.WEBHOOK_SECRET).label("Webhook secret")
            .type(ProviderConfigProperty.PASSWORD).secret(true)
            .helpText("The Standard Webhooks secret shared with the bridge: whsec_ followed by base64 of 24 to 64 random bytes.").add()
            .property().name(ProvisioningSettings.GATED_CLIENTS).label("Gated clients")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE)
            .helpText("Client ids whose logins run this step (the BMS SAML client). Logins to every other client skip it entirely.").add()
            .property().name(ProvisioningSettings.CONNECT_TIMEOUT_MS).label("Connect timeout (ms)")
            .type(ProviderConfigProperty.STRING_TYPE).defaultValue(Long.toString(ProvisioningSettings.DEFAULT_CONNECT_MS))
            .helpText("How long to wait for a connection to the bridge.").add()
            .property().name(ProvisioningSettings.READ_TIMEOUT_MS).label("Read timeout (ms)")
            .type(ProviderConfigProperty.STRING_TYPE).defaultValue(Long.toString(ProvisioningSettings.DEFAULT_READ_MS))
            .helpText("How long to wait for the bridge's answer. The step never holds a login longer than both timeouts together.").add()
            .property().name(ProvisioningSettings.FAILURE_MODE).label("When the bridge fails")
            .type(ProviderConfigProperty.LIST_TYPE).options(ProvisioningSettings.FAIL_OPEN, ProvisioningSettings.FAIL_CLOSED)
            .defaultValue(ProvisioningSettings.FAIL_OPEN)
            .helpText("fail-open: the login continues and the reconciler provisions later. fail-closed: the user sees the message below.").add()
            .property().name(ProvisioningSettings.FAIL_CLOSED_MESSAGE).label("Fail-closed message")
            .type(ProviderConfigProperty.TEXT_TYPE).defaultValue(ProvisioningSettings.DEFAULT_FAIL_CLOSED_MESSAGE)
            .helpText("Shown when the bridge cannot be reached, times out or answers outside the contract, in fail-closed mode.").add()
            .build();

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public Authenticator create(KeycloakSession session) {
        return SINGLETON;
    }

    @Override
    public String getDisplayType() {
        return "BMS provisioning";
    }

    @Override
    public String getReferenceCategory() {
        return null;
    }

    @Override
    public boolean isConfigurable() {
        return true;
    }

    @Override
    public AuthenticationExecutionModel.Requirement[] getRequirementChoices() {
        return REQUIREMENT_CHOICES;
    }

    @Override
    public boolean isUserSetupAllowed() {
        return false;
    }

    @Override
    public String getHelpText() {
        return "Asks the BMS provisioning bridge (signed webhook) to create or update the user's BMS employee before a login to a gated client completes.";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return CONFIG;
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }
}
