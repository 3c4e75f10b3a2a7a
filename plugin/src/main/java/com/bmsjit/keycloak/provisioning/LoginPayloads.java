package com.bmsjit.keycloak.provisioning;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import org.keycloak.authentication.authenticators.broker.AbstractIdpAuthenticator;
import org.keycloak.events.Details;
import org.keycloak.models.FederatedIdentityModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.sessions.AuthenticationSessionModel;

/**
 * The login webhook's body for one login, built from what Keycloak holds when the login completes: the user's
 * stored attributes (refreshed from Passly by the importers on a broker login, as stored on any other path) and the
 * user's link to the identity provider. The same for every path, so the bridge decides the same way whatever way
 * the user signed in.
 */
final class LoginPayloads {

    /** Set by idp-create-user-if-unique for a brand-new user; the constant moved between Keycloak versions, so the literal. */
    private static final String BROKER_REGISTERED_NEW_USER = "BROKER_REGISTERED_NEW_USER";

    private LoginPayloads() {
    }

    static ProvisioningPayload of(KeycloakSession session, RealmModel realm, AuthenticationSessionModel authSession, UserModel user, String clientId) {
        FederatedIdentityModel link = brokerLink(session, realm, authSession, user);
        // a first broker login: a new user was created, or an existing one was linked, in this very login
        boolean firstLogin = "true".equals(authSession.getAuthNote(BROKER_REGISTERED_NEW_USER))
                || authSession.getAuthNote(AbstractIdpAuthenticator.FIRST_BROKER_LOGIN_SUCCESS) != null;
        List<String> groups = user.getAttributeStream(UserAttributes.GROUPS).toList();
        return new ProvisioningPayload(eventId(authSession, user), realm.getName(), link == null ? null : link.getIdentityProvider(), clientId,
                user.getId(), user.getUsername(), link == null ? null : link.getUserId(), user.getEmail(), user.getFirstName(), user.getLastName(),
                user.getFirstAttribute(UserAttributes.UPN), user.getFirstAttribute(UserAttributes.DOMAIN), groups, firstLogin, Instant.now());
    }

    /**
     * The same login, retried in the same browser tab, keeps its id (the bridge deduplicates on it); every new login
     * (a new authentication session tab) gets a new one.
     */
    static String eventId(AuthenticationSessionModel authSession, UserModel user) {
        String stableKey = authSession.getParentSession().getId() + "|" + authSession.getTabId() + "|" + user.getId();
        return "kc-login-" + UUID.nameUUIDFromBytes(stableKey.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The identity-provider link of this login: the provider the user just came through (a broker login), else the
     * user's first link by alias (a login from an existing session, or a local password login of a linked user), else
     * none (a local account).
     */
    private static FederatedIdentityModel brokerLink(KeycloakSession session, RealmModel realm, AuthenticationSessionModel authSession, UserModel user) {
        String alias = authSession.getUserSessionNotes().get(Details.IDENTITY_PROVIDER);
        List<FederatedIdentityModel> links = session.users().getFederatedIdentitiesStream(realm, user)
                .sorted(Comparator.comparing(FederatedIdentityModel::getIdentityProvider)).toList();
        return links.stream().filter(l -> l.getIdentityProvider().equals(alias)).findFirst()
                .orElse(links.isEmpty() ? null : links.get(0));
    }
}
