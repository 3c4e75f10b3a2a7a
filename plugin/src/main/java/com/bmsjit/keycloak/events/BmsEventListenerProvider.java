package com.bmsjit.keycloak.events;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.jboss.logging.Logger;
import org.keycloak.events.Event;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventType;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.AbstractKeycloakTransaction;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

import com.bmsjit.keycloak.provisioning.ProvisioningSettings;

/**
 * Tells the bridge about changes that matter to BMS: by an admin, a user deleted, disabled or re-enabled, and BMS rule
 * mappers created, changed or removed; by the user or Keycloak itself, an account deleted, a profile or e-mail changed,
 * a user disabled by permanent lockout. Webhooks are queued during the request and sent only after the transaction
 * commits (a rolled-back change sends nothing), on the factory's threads, so a slow or dead bridge never delays or
 * breaks the operation. Every webhook only says "look at this user" (or "the rules changed"): the bridge reads the
 * truth from Keycloak when it acts.
 */
public class BmsEventListenerProvider implements EventListenerProvider {

    private static final Logger LOG = Logger.getLogger(BmsEventListenerProvider.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KeycloakSession session;
    private final RetryingSender sender;
    private final List<OutgoingWebhook> queued = new ArrayList<>();
    private boolean enlisted;

    BmsEventListenerProvider(KeycloakSession session, RetryingSender sender) {
        this.session = session;
        this.sender = sender;
    }

    /**
     * User events (not logins: those reach the bridge through the provisioning step). Keycloak hands every user event
     * to the realm's listeners whatever the realm's "save events" setting and its enabled event types: those decide
     * only what is stored.
     */
    @Override
    public void onEvent(Event event) {
        String type = userEventType(event.getType());
        if (type == null || event.getUserId() == null) {
            return; // e.g. an e-mail changed while reviewing the profile at a first broker login, before the user exists
        }
        try {
            RealmModel realm = session.realms().getRealm(event.getRealmId());
            if (realm == null) {
                return;
            }
            String username = null;
            if (!type.equals("user.deleted")) {
                UserModel user = session.users().getUserById(realm, event.getUserId());
                if (user == null) {
                    return;
                }
                username = user.getUsername();
            }
            String eventId = "kc-event-" + (event.getId() != null ? event.getId() : Long.toString(event.getTime())) + "-" + type;
            prepare(realm, EventBodies.userEvent(type, eventId, event.getTime(), realm.getName(), event.getUserId(), username));
        } catch (IOException | RuntimeException e) {
            LOG.warnf(e, "BMS event listener could not prepare a webhook for user event %s", event.getType());
        }
    }

    /** The webhook type for a user event that matters, or null. */
    static String userEventType(EventType type) {
        if (type == null) {
            return null;
        }
        return switch (type) {
            case DELETE_ACCOUNT -> "user.deleted";
            case UPDATE_PROFILE, UPDATE_EMAIL -> "user.updated";
            case USER_DISABLED_BY_PERMANENT_LOCKOUT -> "user.disabled";
            default -> null;
        };
    }

    @Override
    public void onEvent(AdminEvent event, boolean includeRepresentation) {
        try {
            RealmModel realm = session.realms().getRealm(event.getRealmId());
            if (realm == null) {
                return;
            }
            MapperGuard.check(session, event);
            StepSettingsGuard.check(session, realm, event);
            Map<String, Object> body = bodyFor(event, realm);
            if (body != null) {
                prepare(realm, body);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warnf(e, "BMS event listener could not prepare a webhook for admin event %s %s", event.getOperationType(), event.getResourcePath());
        }
    }

    /** Queues the webhook to the realm's bridge, or logs why there is none. */
    private void prepare(RealmModel realm, Map<String, Object> body) throws IOException {
        ProvisioningSettings target = BridgeTarget.of(realm).orElse(null);
        if (target == null || target.problem() != null) {
            LOG.warnf("BMS webhook '%s' for realm '%s' not sent: %s", body.get("type"), realm.getName(),
                    target == null ? "the realm has no configured BMS provisioning step" : target.problem());
            return;
        }
        queue(new OutgoingWebhook((String) body.get("eventId"), (String) body.get("type"), JSON.writeValueAsBytes(body), target.bridgeUrl(),
                target.secret(), target.connectTimeout(), target.readTimeout()));
    }

    /** The webhook body for an admin event that matters, or null. */
    private Map<String, Object> bodyFor(AdminEvent event, RealmModel realm) {
        String path = event.getResourcePath() == null ? "" : event.getResourcePath();
        String[] parts = path.split("/");
        if (event.getResourceType() == ResourceType.USER && parts.length == 2 && parts[0].equals("users")) {
            String userId = parts[1];
            if (event.getOperationType() == OperationType.DELETE) {
                return EventBodies.userEvent("user.deleted", adminEventId(event, "user.deleted"), event.getTime(), realm.getName(), userId, null);
            }
            UserModel user = event.getOperationType() == OperationType.UPDATE ? session.users().getUserById(realm, userId) : null;
            if (user == null) {
                return null;
            }
            String type = user.isEnabled() ? "user.enabled" : "user.disabled";
            return EventBodies.userEvent(type, adminEventId(event, type), event.getTime(), realm.getName(), userId, user.getUsername());
        }
        if (event.getResourceType() == ResourceType.IDENTITY_PROVIDER_MAPPER && parts.length == 5 && parts[0].equals("identity-provider")) {
            return EventBodies.rulesChanged(adminEventId(event, "rules.changed"), event.getTime(), realm.getName(), parts[2], parts[4],
                    event.getOperationType().name().toLowerCase(Locale.ROOT));
        }
        return null;
    }

    private static String adminEventId(AdminEvent event, String type) {
        return "kc-admin-" + (event.getId() != null ? event.getId() : Long.toString(event.getTime())) + "-" + type;
    }

    private void queue(OutgoingWebhook webhook) {
        queued.add(webhook);
        if (enlisted) {
            return;
        }
        enlisted = true;
        session.getTransactionManager().enlistAfterCompletion(new AbstractKeycloakTransaction() {
            @Override
            protected void commitImpl() {
                for (OutgoingWebhook w : queued) {
                    sender.send(w);
                }
                queued.clear();
            }

            @Override
            protected void rollbackImpl() {
                LOG.debugf("Change rolled back: %d BMS webhook(s) dropped", queued.size());
                queued.clear();
            }
        });
    }

    @Override
    public void close() {
    }
}
