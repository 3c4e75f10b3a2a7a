package com.bmsjit.keycloak.provisioning;

import java.util.List;

import org.keycloak.Config;
import org.keycloak.authentication.RequiredActionFactory;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RequiredActionConfigModel;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;
import org.keycloak.userprofile.ValidationException;
import org.keycloak.validate.ValidationError;

/**
 * Registers the BMS provisioning step as a configurable required action ("BMS provisioning" under Authentication →
 * Required actions; settings behind its gear icon). Keycloak 26.7 validates required-action settings when they are
 * saved, so a bad URL, secret, timeout or failure mode is refused with the reason before it can reach a login.
 */
public class BmsProvisioningRequiredActionFactory implements RequiredActionFactory {

    /** Also the action's alias: Keycloak looks a required action's settings up under an alias equal to its provider id. */
    public static final String PROVIDER_ID = "bms-provisioning";
    private static final BmsProvisioningRequiredAction SINGLETON = new BmsProvisioningRequiredAction();

    private static final List<ProviderConfigProperty> CONFIG = ProviderConfigurationBuilder.create()
            .property().name(ProvisioningSettings.BRIDGE_URL).label("Bridge URL")
            .type(ProviderConfigProperty.STRING_TYPE)
            .helpText("The bridge's webhook endpoint, e.g. https://bms-bridge.example.com/webhooks/keycloak").add()
            .property().name(ProvisioningSettings.WEBHOOK_SECRET).label("Webhook secret")
            .type(ProviderConfigProperty.PASSWORD).secret(true)
            .helpText("The Standard Webhooks secret shared with the bridge: whsec_ followed by base64 of 24 to 64 random bytes.").add()
            .property().name(ProvisioningSettings.GATED_CLIENTS).label("Gated clients")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE)
            .helpText("Client ids whose sign-ins run this step (the BMS SAML client), on every path: a login through the identity provider, "
                    + "an existing session, re-authentication, a local password. Sign-ins to every other client skip it entirely.").add()
            .property().name(ProvisioningSettings.CONNECT_TIMEOUT_MS).label("Connect timeout (ms)")
            .type(ProviderConfigProperty.STRING_TYPE).defaultValue(Long.toString(ProvisioningSettings.DEFAULT_CONNECT_MS))
            .helpText("How long to wait for a connection to the bridge (1 to 60000).").add()
            .property().name(ProvisioningSettings.READ_TIMEOUT_MS).label("Read timeout (ms)")
            .type(ProviderConfigProperty.STRING_TYPE).defaultValue(Long.toString(ProvisioningSettings.DEFAULT_READ_MS))
            .helpText("The rest of the wait for the bridge's whole answer (1 to 60000). The step never holds a sign-in longer than both timeouts together.").add()
            .property().name(ProvisioningSettings.FAILURE_MODE).label("When the bridge fails")
            .type(ProviderConfigProperty.LIST_TYPE).options(ProvisioningSettings.FAIL_OPEN, ProvisioningSettings.FAIL_CLOSED)
            .defaultValue(ProvisioningSettings.FAIL_OPEN)
            .helpText("fail-open: the sign-in continues and the bridge's sweep provisions later. fail-closed: the user sees the message below.").add()
            .property().name(ProvisioningSettings.FAIL_CLOSED_MESSAGE).label("Fail-closed message")
            .type(ProviderConfigProperty.TEXT_TYPE).defaultValue(ProvisioningSettings.DEFAULT_FAIL_CLOSED_MESSAGE)
            .helpText("Shown when the bridge cannot be reached, times out, answers outside the contract, or the employee is not ready, in fail-closed mode.").add()
            .build();

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String getDisplayText() {
        return "BMS provisioning";
    }

    @Override
    public RequiredActionProvider create(KeycloakSession session) {
        return SINGLETON;
    }

    @Override
    public List<ProviderConfigProperty> getConfigMetadata() {
        return CONFIG;
    }

    /** Refuses settings with any problem, naming each (gated clients that do not exist included); nothing is stored. */
    @Override
    public void validateConfig(KeycloakSession session, RealmModel realm, RequiredActionConfigModel model) {
        List<String> problems = StepSettingsCheck.problems(realm, model.getConfig());
        if (!problems.isEmpty()) {
            throw new ValidationException(new ValidationError(PROVIDER_ID, "config", "BMS provisioning settings not saved: " + String.join(" ", problems)));
        }
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
