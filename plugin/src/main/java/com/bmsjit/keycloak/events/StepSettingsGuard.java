package com.bmsjit.keycloak.events;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RequiredActionProviderModel;

import com.bmsjit.keycloak.provisioning.BmsProvisioningRequiredActionFactory;
import com.bmsjit.keycloak.provisioning.StepSettingsCheck;

/**
 * Keeps an enabled BMS provisioning step from being emptied by an admin change that skips its save-time check:
 * Keycloak validates required-action settings only on their own endpoint, while updating the required action itself
 * (e.g. a script toggling "enabled" without sending the settings) or deleting its settings replaces them unchecked,
 * which would leave BMS sign-ins unchecked without a word. Such a change is refused with the problems named.
 * Disabling or unregistering the step stays possible (an admin's deliberate off switch) and is logged as a warning.
 */
final class StepSettingsGuard {

    private static final Logger LOG = Logger.getLogger(StepSettingsGuard.class);
    private static final Pattern STEP_PATH = Pattern.compile("(^|/)required-actions/" + BmsProvisioningRequiredActionFactory.PROVIDER_ID + "(/|$)");

    private StepSettingsGuard() {
    }

    static void check(KeycloakSession session, RealmModel realm, AdminEvent event) {
        boolean aboutTheStep = (event.getResourceType() == ResourceType.REQUIRED_ACTION || event.getResourceType() == ResourceType.REQUIRED_ACTION_CONFIG)
                && event.getResourcePath() != null && STEP_PATH.matcher(event.getResourcePath()).find();
        if (!aboutTheStep || event.getOperationType() == OperationType.CREATE) {
            return; // registering creates the action without settings: the sign-in check logs until it is configured
        }
        RequiredActionProviderModel step = realm.getRequiredActionProviderByAlias(BmsProvisioningRequiredActionFactory.PROVIDER_ID);
        if (step == null || !step.isEnabled()) {
            LOG.warnf("BMS provisioning in realm '%s' was %s by an admin: sign-ins to BMS are no longer checked", realm.getName(),
                    step == null ? "unregistered" : "disabled");
            return;
        }
        Map<String, String> config = step.getConfig() == null ? Map.of() : step.getConfig();
        List<String> problems = StepSettingsCheck.problems(realm, config);
        if (!problems.isEmpty()) {
            String message = "BMS provisioning settings not saved: " + String.join(" ", problems);
            LOG.info(message);
            AdminRefusal.refuse(session, message);
        }
    }
}
