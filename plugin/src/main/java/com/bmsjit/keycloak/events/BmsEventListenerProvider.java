package com.bmsjit.keycloak.events;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.jboss.logging.Logger;
import org.keycloak.events.Event;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.AbstractKeycloakTransaction;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

import com.bmsjit.keycloak.provisioning.ProvisioningSettings;

/**
 * Tells the bridge about admin changes that matter to BMS: a user deleted, disabled or re-enabled, and BMS rule
 * mappers created, changed or removed. Webhooks are queued during the request and sent only after the
 * transaction commits (a rolled-back change sends nothing), on the factory's threads, so a slow or dead bridge
 * never delays or breaks the admin's operation.
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

    @Override
    public void onEvent(Event event) {
        // user events are not needed: logins reach the bridge through the provisioning step
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
            if (body == null) {
                return;
            }
            ProvisioningSettings target = BridgeTarget.of(realm).orElse(null);
            if (target == null || target.problem() != null) {
                LOG.warnf("BMS webhook '%s' for realm '%s' not sent: %s", body.get("type"), realm.getName(),
                        target == null ? "the realm has no configured BMS provisioning step" : target.problem());
                return;
            }
            queue(new OutgoingWebhook((String) body.get("eventId"), (String) body.get("type"), JSON.writeValueAsBytes(body), target.bridgeUrl(),
                    target.secret(), target.connectTimeout(), target.readTimeout()));
        } catch (IOException | RuntimeException e) {
            LOG.warnf(e, "BMS event listener could not prepare a webhook for admin event %s %s", event.getOperationType(), event.getResourcePath());
        }
    }

    /** The webhook body for an admin event that matters, or null. */
    private Map<String, Object> bodyFor(AdminEvent event, RealmModel realm) {
        String path = event.getResourcePath() == null ? "" : event.getResourcePath();
        String[] parts = path.split("/");
        Map<String, Object> body = new LinkedHashMap<>();
        if (event.getResourceType() == ResourceType.USER && parts.length == 2 && parts[0].equals("users")) {
            String userId = parts[1];
            String type;
            if (event.getOperationType() == OperationType.DELETE) {
                type = "user.deleted";
            } else if (event.getOperationType() == OperationType.UPDATE) {
                UserModel user = session.users().getUserById(realm, userId);
                if (user == null) {
                    return null;
                }
                type = user.isEnabled() ? "user.enabled" : "user.disabled";
                body.put("username", user.getUsername());
            } else {
                return null;
            }
            body.put("userId", userId);
            return envelope(type, event, realm, body);
        }
        if (event.getResourceType() == ResourceType.IDENTITY_PROVIDER_MAPPER && parts.length == 5 && parts[0].equals("identity-provider")) {
            body.put("idpAlias", parts[2]);
            body.put("mapperId", parts[4]);
            body.put("operation", event.getOperationType().name().toLowerCase(Locale.ROOT));
            return envelope("rules.changed", event, realm, body);
        }
        return null;
    }

    private static Map<String, Object> envelope(String type, AdminEvent event, RealmModel realm, Map<String, Object> fields) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type);
        body.put("eventId", "kc-admin-" + (event.getId() != null ? event.getId() : Long.toString(event.getTime())) + "-" + type);
        body.put("realm", realm.getName());
        body.putAll(fields);
        body.put("time", Instant.ofEpochMilli(event.getTime() > 0 ? event.getTime() : System.currentTimeMillis()).toString());
        return body;
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
                LOG.debugf("Admin change rolled back: %d BMS webhook(s) dropped", queued.size());
                queued.clear();
            }
        });
    }

    @Override
    public void close() {
    }
}
