package com.bmsjit.keycloak.provisioning;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.keycloak.authentication.InitiatedActionSupport;
import org.keycloak.authentication.RequiredActionContext;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.events.Details;
import org.keycloak.events.EventType;
import org.keycloak.models.UserModel;
import org.keycloak.sessions.AuthenticationSessionModel;

import com.bmsjit.keycloak.webhook.WebhookClient;

/**
 * The BMS provisioning step. Keycloak evaluates every enabled required action's trigger each time an
 * authentication completes, whatever completed it (README, "Every sign-in to BMS passes the provisioning step"): a login
 * through Passly (first or returning, SP- or IdP-initiated), an existing SSO session, re-authentication, a local
 * password, a passive or ECP request. So the trigger is where the step runs: for a login to a gated client (the BMS
 * SAML client) it marks the user, asks the bridge (a signed webhook, bounded in time), and either lets the login
 * finish or, when the user must be stopped (denied, or fail-closed), adds this action to the login so Keycloak shows
 * the page instead of answering the client. Logins to any other client never call the bridge.
 */
public class BmsProvisioningRequiredAction implements RequiredActionProvider {

    private static final Logger LOG = Logger.getLogger(BmsProvisioningRequiredAction.class);

    /** Admin-only user attribute: the sweep's mark that a gated login asked for provisioning (README). */
    public static final String REQUESTED_AT_ATTRIBUTE = UserAttributes.REQUESTED_AT;
    /** Written back by the bridge once the user has an employee. */
    public static final String EMPLOYEE_ID_ATTRIBUTE = UserAttributes.EMPLOYEE_ID;
    public static final String EVENT_OUTCOME = "bms_provisioning";
    public static final String EVENT_LATENCY = "bms_provisioning_ms";
    public static final String EVENT_ID = "bms_provisioning_event_id";

    /** Auth notes of one login: the step ran (its outcome), and the page to show when the login stops. */
    static final String OUTCOME_NOTE = "bms.provisioning.outcome";
    static final String LATENCY_NOTE = "bms.provisioning.ms";
    static final String EVENT_ID_NOTE = "bms.provisioning.event-id";
    static final String PAGE_NOTE = "bms.provisioning.page";
    static final String ERROR_NOTE = "bms.provisioning.error";
    static final String REPORTED_NOTE = "bms.provisioning.reported";

    /** Every sign-in of the realm evaluates the trigger: say that BMS sign-ins go unchecked now and then, not each time. */
    private static final OccasionalWarning NOT_GATING = new OccasionalWarning(LOG, Duration.ofMinutes(10),
            "BMS provisioning in realm '%s' is enabled but checks no BMS sign-in: %s");
    /** Settings that came in unchecked (a realm import): said on the first gated sign-in, then every 10 minutes. */
    private static final OccasionalWarning MISCONFIGURED = new OccasionalWarning(LOG, Duration.ofMinutes(10),
            "BMS provisioning in realm '%s' is misconfigured: %s");

    @Override
    public void evaluateTriggers(RequiredActionContext context) {
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        UserModel user = context.getUser();
        // Keycloak may evaluate triggers more than once in one login (e.g. around other required actions): ask once
        if (user == null || authSession == null || authSession.getAuthNote(OUTCOME_NOTE) != null) {
            return;
        }
        Map<String, String> config = context.getConfig() == null ? null : context.getConfig().getConfig();
        String clientId = authSession.getClient().getClientId();
        // every sign-in of the realm gets here: for another client, read the gated list only, and check it only when
        // a warning about it is due
        List<String> gated = ProvisioningSettings.gatedClientsOf(config);
        if (!gated.contains(clientId)) {
            String realm = context.getRealm().getName();
            if (NOT_GATING.due(realm)) {
                List<String> problems = StepSettingsCheck.gatedClientProblems(context.getRealm(), gated);
                if (!problems.isEmpty()) {
                    NOT_GATING.warn(realm, String.join(" ", problems));
                }
            }
            return;
        }
        ProvisioningSettings settings = ProvisioningSettings.from(config);
        StepOutcome outcome;
        String eventId = null;
        markRequested(user);
        try {
            ProvisioningPayload payload = LoginPayloads.of(context.getSession(), context.getRealm(), authSession, user, clientId);
            eventId = payload.eventId();
            context.getEvent().detail(EVENT_ID, eventId);
            outcome = ask(context, settings, payload, user);
        } catch (RuntimeException e) {
            // a fault in the step itself must not turn into Keycloak's generic error for every BMS sign-in
            LOG.errorf(e, "BMS provisioning failed inside Keycloak for user '%s' in realm '%s'", user.getUsername(), context.getRealm().getName());
            outcome = record(context, StepOutcome.failure(settings, "internal error: " + e.getClass().getSimpleName()), 0);
        }
        authSession.setAuthNote(OUTCOME_NOTE, outcome.detail());
        if (outcome.stopsLogin()) {
            // the page is shown in a later request, whose event starts afresh: keep what it must record
            if (eventId != null) {
                authSession.setAuthNote(EVENT_ID_NOTE, eventId);
            }
            authSession.setAuthNote(PAGE_NOTE, outcome.pageMessage());
            authSession.setAuthNote(ERROR_NOTE, outcome.eventError());
            authSession.addRequiredAction(BmsProvisioningRequiredActionFactory.PROVIDER_ID);
        }
    }

    private StepOutcome ask(RequiredActionContext context, ProvisioningSettings settings, ProvisioningPayload payload, UserModel user) {
        String realm = context.getRealm().getName();
        if (!settings.problems().isEmpty()) {
            MISCONFIGURED.warn(realm, String.join(" ", settings.problems()));
        }
        if (settings.problem() != null) {
            return record(context, StepOutcome.failure(settings, "misconfigured"), 0);
        }
        WebhookClient.Result result = WebhookClient.post(settings.bridgeUrl(), settings.secret(), payload.eventId(), payload.toJsonBytes(),
                settings.connectTimeout(), settings.readTimeout());
        BridgeAnswer answer = result.delivered() ? BridgeAnswer.parse(result.status(), result.body()) : null;
        if (answer == null) {
            String why = result.delivered() ? "bad answer (HTTP " + result.status() + ")" : result.failure();
            LOG.warnf("BMS bridge did not answer the contract for user '%s' in realm '%s': %s", user.getUsername(), realm, why);
            return record(context, StepOutcome.failure(settings, why), result.latencyMs());
        }
        return record(context, StepOutcome.of(answer, settings), result.latencyMs());
    }

    private static StepOutcome record(RequiredActionContext context, StepOutcome outcome, long latencyMs) {
        context.getEvent().detail(EVENT_OUTCOME, outcome.detail()).detail(EVENT_LATENCY, Long.toString(latencyMs));
        context.getAuthenticationSession().setAuthNote(LATENCY_NOTE, Long.toString(latencyMs));
        return outcome;
    }

    /**
     * The sweep's mark, in the login's own transaction. Written on the first gated login and again while the user has
     * no employee id; a linked user's login writes nothing (no user update, no cache invalidation, on the hot path).
     */
    private static void markRequested(UserModel user) {
        if (user.getFirstAttribute(REQUESTED_AT_ATTRIBUTE) != null && user.getFirstAttribute(EMPLOYEE_ID_ATTRIBUTE) != null) {
            return;
        }
        try {
            user.setSingleAttribute(REQUESTED_AT_ATTRIBUTE, Instant.now().toString());
        } catch (RuntimeException e) {
            // e.g. a read-only federated user: the bridge is still asked; only the sweep's mark is missing
            LOG.warnf("BMS provisioning could not mark user '%s' as requested: %s", user.getUsername(), e.toString());
        }
    }

    /** Shows the page of a stopped login; with nothing to show (e.g. an admin made this a default action) it steps aside. */
    @Override
    public void requiredActionChallenge(RequiredActionContext context) {
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        String message = authSession.getAuthNote(PAGE_NOTE);
        if (message == null) {
            context.success();
            return;
        }
        if (authSession.getAuthNote(REPORTED_NOTE) == null) {
            authSession.setAuthNote(REPORTED_NOTE, "true");
            context.getEvent().clone().event(EventType.CUSTOM_REQUIRED_ACTION_ERROR)
                    .detail(Details.CUSTOM_REQUIRED_ACTION, BmsProvisioningRequiredActionFactory.PROVIDER_ID)
                    .detail(EVENT_OUTCOME, authSession.getAuthNote(OUTCOME_NOTE))
                    .detail(EVENT_LATENCY, authSession.getAuthNote(LATENCY_NOTE))
                    .detail(EVENT_ID, authSession.getAuthNote(EVENT_ID_NOTE))
                    .error(authSession.getAuthNote(ERROR_NOTE));
        }
        Response page = context.form().setError(LoginMessages.literal(message)).createErrorPage(Response.Status.FORBIDDEN);
        context.challenge(page);
    }

    /**
     * Supported as an application-initiated action only so that {@code kc_action=bms-provisioning} cannot be used to
     * skip it: Keycloak ignores an action that does not support it for the rest of that sign-in, trigger and page
     * included. Asked for explicitly, it does what it does on every sign-in.
     */
    @Override
    public InitiatedActionSupport initiatedActionSupport() {
        return InitiatedActionSupport.SUPPORTED;
    }

    /** The page has no form; a post to it (a replayed request) shows the page again, it never continues the login. */
    @Override
    public void processAction(RequiredActionContext context) {
        requiredActionChallenge(context);
    }

    @Override
    public void close() {
    }
}
