package com.bmsjit.keycloak.broker;

import java.util.Collection;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationFlowError;
import org.keycloak.authentication.authenticators.broker.AbstractIdpAuthenticator;
import org.keycloak.authentication.authenticators.broker.util.SerializedBrokeredIdentityContext;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.models.AuthenticatorConfigModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

/**
 * First-broker-login step that stops a login before any Keycloak user is created when the identity
 * provider did not send an attribute that provisioning depends on (by default the e-mail address,
 * which is how a BMS employee is matched). Without it Keycloak would create a user with no e-mail.
 */
public class RequireBrokeredAttributesAuthenticator extends AbstractIdpAuthenticator {

    private static final Logger LOG = Logger.getLogger(RequireBrokeredAttributesAuthenticator.class);

    /** Event error recorded when the identity provider left out a required attribute. */
    public static final String EVENT_ERROR = "missing_brokered_attribute";

    @Override
    protected void authenticateImpl(AuthenticationFlowContext context, SerializedBrokeredIdentityContext serializedCtx,
                                    BrokeredIdentityContext brokerContext) {
        Map<String, String> config = configOf(context);
        List<String> required = MissingAttributes.parseNames(
                config.getOrDefault(RequireBrokeredAttributesAuthenticatorFactory.REQUIRED_ATTRIBUTES,
                        RequireBrokeredAttributesAuthenticatorFactory.DEFAULT_REQUIRED));
        List<String> missing = MissingAttributes.find(required, name -> valuesOf(name, serializedCtx, brokerContext));
        if (missing.isEmpty()) {
            context.success();
            return;
        }
        String alias = brokerContext.getIdpConfig().getAlias();
        LOG.infof("Refusing first login of '%s' from identity provider '%s': missing attributes %s",
                brokerContext.getUsername(), alias, missing);
        context.getEvent()
                .detail("identity_provider", alias)
                .detail("missing_attributes", String.join(",", missing))
                .error(EVENT_ERROR);
        String message = config.getOrDefault(RequireBrokeredAttributesAuthenticatorFactory.ERROR_MESSAGE,
                RequireBrokeredAttributesAuthenticatorFactory.DEFAULT_MESSAGE);
        Response page = context.form()
                .setError(message.replace("{0}", String.join(", ", missing.stream().map(MissingAttributes::label).toList())))
                .createErrorPage(Response.Status.FORBIDDEN);
        context.failureChallenge(AuthenticationFlowError.IDENTITY_PROVIDER_ERROR, page);
    }

    @Override
    protected void actionImpl(AuthenticationFlowContext context, SerializedBrokeredIdentityContext serializedCtx,
                              BrokeredIdentityContext brokerContext) {
        authenticateImpl(context, serializedCtx, brokerContext);
    }

    private static Collection<String> valuesOf(String name, SerializedBrokeredIdentityContext serializedCtx,
                                               BrokeredIdentityContext brokerContext) {
        switch (name) {
            case UserModel.EMAIL:
                return singleton(brokerContext.getEmail());
            case UserModel.FIRST_NAME:
                return singleton(brokerContext.getFirstName());
            case UserModel.LAST_NAME:
                return singleton(brokerContext.getLastName());
            default:
                Map<String, List<String>> attributes = serializedCtx.getAttributes();
                return attributes == null ? null : attributes.get(name);
        }
    }

    private static Collection<String> singleton(String value) {
        return value == null ? null : List.of(value);
    }

    private static Map<String, String> configOf(AuthenticationFlowContext context) {
        AuthenticatorConfigModel model = context.getAuthenticatorConfig();
        return model == null || model.getConfig() == null ? Map.of() : model.getConfig();
    }

    @Override
    public boolean requiresUser() {
        return false;
    }

    @Override
    public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
        return true;
    }
}
