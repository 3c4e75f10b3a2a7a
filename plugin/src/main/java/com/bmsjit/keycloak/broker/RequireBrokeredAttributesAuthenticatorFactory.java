package com.bmsjit.keycloak.broker;

import java.util.List;

import org.keycloak.Config;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.AuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

public class RequireBrokeredAttributesAuthenticatorFactory implements AuthenticatorFactory {

    public static final String PROVIDER_ID = "bms-require-brokered-attributes";

    /** Names of the attributes that must have a value: email, firstName, lastName or an imported user attribute. */
    public static final String REQUIRED_ATTRIBUTES = "required.attributes";
    public static final String ERROR_MESSAGE = "error.message";

    static final String DEFAULT_REQUIRED = "email";
    static final String DEFAULT_MESSAGE = "Your organisation's sign-in service did not send your {0}, so your account "
            + "cannot be set up. Ask your IT administrator to add it to your directory account, then sign in again.";

    private static final RequireBrokeredAttributesAuthenticator SINGLETON = new RequireBrokeredAttributesAuthenticator();

    private static final AuthenticationExecutionModel.Requirement[] REQUIREMENT_CHOICES = {
            AuthenticationExecutionModel.Requirement.REQUIRED,
            AuthenticationExecutionModel.Requirement.DISABLED
    };

    private static final List<ProviderConfigProperty> CONFIG = ProviderConfigurationBuilder.create()
            .property().name(REQUIRED_ATTRIBUTES).label("Required attributes")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE).defaultValue(DEFAULT_REQUIRED)
            .helpText("Attributes the identity provider must send on a first login: email, firstName, lastName, "
                    + "or the name of a user attribute filled by an attribute importer (for example upn).")
            .add()
            .property().name(ERROR_MESSAGE).label("Error message")
            .type(ProviderConfigProperty.TEXT_TYPE).defaultValue(DEFAULT_MESSAGE)
            .helpText("Shown on the error page when an attribute is missing. {0} is replaced by the missing names.")
            .add()
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
        return "Require brokered attributes";
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
        return "Stops a first broker login, before any user is created, when the identity provider did not send "
                + "the listed attributes (by default the e-mail address BMS provisioning matches on).";
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
