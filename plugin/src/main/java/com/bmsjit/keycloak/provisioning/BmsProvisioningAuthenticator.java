package com.bmsjit.keycloak.provisioning;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationFlowError;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.authenticators.broker.AbstractIdpAuthenticator;
import org.keycloak.authentication.authenticators.broker.util.PostBrokerLoginConstants;
import org.keycloak.authentication.authenticators.broker.util.SerializedBrokeredIdentityContext;
import org.keycloak.models.AuthenticatorConfigModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.sessions.AuthenticationSessionModel;

import com.bmsjit.keycloak.webhook.WebhookClient;

/**
 * Post-broker-login step (also safe in first-broker-login) that asks the bridge to provision the user's BMS
 * employee before the login to BMS completes. It acts only for the clients it gates (the BMS SAML client), so a
 * bridge outage or a BMS deny never blocks the organisation's other applications.
 */
public class BmsProvisioningAuthenticator implements Authenticator {

    private static final Logger LOG = Logger.getLogger(BmsProvisioningAuthenticator.class);

    /** Admin-only user attribute: when a gated login last asked for provisioning (the reconciler's work list). */
    public static final String REQUESTED_AT_ATTRIBUTE = "bms_provisioning_requested_at";
    public static final String EVENT_OUTCOME = "bms_provisioning";
    public static final String EVENT_LATENCY = "bms_provisioning_ms";
    public static final String EVENT_ID = "bms_provisioning_event_id";
    /** Set by idp-create-user-if-unique for a brand-new user; the constant moved between Keycloak versions, so the literal. */
    private static final String BROKER_REGISTERED_NEW_USER = "BROKER_REGISTERED_NEW_USER";

    @Override
    public void authenticate(AuthenticationFlowContext context) {
        AuthenticatorConfigModel config = context.getAuthenticatorConfig();
        ProvisioningSettings settings = ProvisioningSettings.from(config == null ? null : config.getConfig());
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        String clientId = authSession.getClient().getClientId();
        UserModel user = context.getUser();
        if (!settings.gates(clientId) || user == null) {
            if (settings.gatedClients().isEmpty()) {
                LOG.warnf("BMS provisioning step in realm '%s' gates no client; set 'Gated clients' to the BMS client id", context.getRealm().getName());
            }
            context.success();
            return;
        }
        user.setSingleAttribute(REQUESTED_AT_ATTRIBUTE, Instant.now().toString());
        ProvisioningPayload payload = payloadFor(context, authSession, user, clientId);
        context.getEvent().detail(EVENT_ID, payload.eventId());
        if (settings.problem() != null) {
            LOG.errorf("BMS provisioning step in realm '%s' is misconfigured: %s", context.getRealm().getName(), settings.problem());
            onFailure(context, settings, "misconfigured", 0);
            return;
        }
        WebhookClient.Result result = WebhookClient.post(settings.bridgeUrl(), settings.secret(), payload.eventId(), payload.toJsonBytes(),
                settings.connectTimeout(), settings.readTimeout());
        BridgeAnswer answer = result.delivered() ? BridgeAnswer.parse(result.status(), result.body()) : null;
        if (answer == null) {
            String why = result.delivered() ? "bad answer (HTTP " + result.status() + ")" : result.failure();
            LOG.warnf("BMS bridge did not answer the contract for user '%s' in realm '%s': %s", user.getUsername(), context.getRealm().getName(), why);
            onFailure(context, settings, why, result.latencyMs());
            return;
        }
        record(context, answer.status().name().toLowerCase(), result.latencyMs());
        if (answer.status() == BridgeAnswer.Status.DENIED) {
            String message = answer.message() == null || answer.message().isBlank() ? "Your account may not use BMS." : answer.message();
            deny(context, "bms_provisioning_denied", message);
            return;
        }
        if (answer.status() == BridgeAnswer.Status.PENDING && !settings.failOpen()) {
            // the employee does not exist yet (BMS is slow or down): fail-closed sends the user to the "being set up" page
            deny(context, "bms_provisioning_pending", settings.failClosedMessage());
            return;
        }
        context.success();
    }

    private void onFailure(AuthenticationFlowContext context, ProvisioningSettings settings, String why, long latencyMs) {
        record(context, (settings.failOpen() ? "failed-open: " : "failed-closed: ") + why, latencyMs);
        if (settings.failOpen()) {
            context.success();
        } else {
            deny(context, "bms_provisioning_unavailable", settings.failClosedMessage());
        }
    }

    private static void record(AuthenticationFlowContext context, String outcome, long latencyMs) {
        context.getEvent().detail(EVENT_OUTCOME, outcome).detail(EVENT_LATENCY, Long.toString(latencyMs));
    }

    private static void deny(AuthenticationFlowContext context, String eventError, String message) {
        context.getEvent().error(eventError);
        Response page = context.form().setError(LoginMessages.literal(message)).createErrorPage(Response.Status.FORBIDDEN);
        context.failureChallenge(AuthenticationFlowError.ACCESS_DENIED, page);
    }

    private static ProvisioningPayload payloadFor(AuthenticationFlowContext context, AuthenticationSessionModel authSession, UserModel user, String clientId) {
        SerializedBrokeredIdentityContext broker = brokeredContext(authSession);
        boolean firstLogin = "true".equals(authSession.getAuthNote(PostBrokerLoginConstants.PBL_AFTER_FIRST_BROKER_LOGIN))
                || "true".equals(authSession.getAuthNote(BROKER_REGISTERED_NEW_USER));
        // the same login step, retried in the same browser tab, keeps its id: the bridge deduplicates on it
        String stableKey = authSession.getParentSession().getId() + "|" + authSession.getTabId() + "|" + user.getId();
        String eventId = "kc-login-" + UUID.nameUUIDFromBytes(stableKey.getBytes(StandardCharsets.UTF_8));
        List<String> groups = user.getAttributeStream("ad_groups").toList();
        return new ProvisioningPayload(eventId, context.getRealm().getName(), broker == null ? null : broker.getIdentityProviderId(), clientId,
                user.getId(), user.getUsername(), broker == null ? null : broker.getId(), user.getEmail(), user.getFirstName(), user.getLastName(),
                user.getFirstAttribute("upn"), user.getFirstAttribute("ad_domain"), groups, firstLogin, Instant.now());
    }

    private static SerializedBrokeredIdentityContext brokeredContext(AuthenticationSessionModel authSession) {
        SerializedBrokeredIdentityContext ctx = SerializedBrokeredIdentityContext.readFromAuthenticationSession(authSession,
                PostBrokerLoginConstants.PBL_BROKERED_IDENTITY_CONTEXT);
        return ctx != null ? ctx : SerializedBrokeredIdentityContext.readFromAuthenticationSession(authSession, AbstractIdpAuthenticator.BROKERED_CONTEXT_NOTE);
    }

    @Override
    public void action(AuthenticationFlowContext context) {
        authenticate(context);
    }

    @Override
    public boolean requiresUser() {
        return false;
    }

    @Override
    public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
        return true;
    }

    @Override
    public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {
    }

    @Override
    public void close() {
    }
}
