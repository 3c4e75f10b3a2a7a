package com.bmsjit.keycloak.events;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RequiredActionProviderModel;

import com.bmsjit.keycloak.provisioning.BmsProvisioningRequiredActionFactory;
import com.bmsjit.keycloak.provisioning.StepModel;
import com.bmsjit.keycloak.provisioning.StepSettingsCheck;

/**
 * Keeps an enabled BMS provisioning step from being emptied by an admin change that skips its save-time check.
 * Keycloak validates required-action settings only on their own endpoint, while updating the required action itself
 * (a script toggling "enabled" without sending the settings, or sending another alias, under which Keycloak then finds
 * no settings) or deleting its settings replaces them unchecked, which would leave BMS sign-ins unchecked without a
 * word. On an admin change to the step (or its registration), after Keycloak applied it and before it commits:
 * <ul>
 *   <li>an enabled step with problems (settings, gated clients, alias) → the change is refused with the problems named;</li>
 *   <li>a step just registered (the console's "switch on" registers it, enabled and without settings) → it is switched
 *       off in the same transaction and a warning logged: it goes on once its settings are complete;</li>
 *   <li>a step disabled or unregistered → allowed (an admin's deliberate off switch) and logged as a warning.</li>
 * </ul>
 */
final class StepSettingsGuard {

    private static final Logger LOG = Logger.getLogger(StepSettingsGuard.class);
    private static final Pattern STEP_PATH = Pattern.compile("(^|/)required-actions/" + BmsProvisioningRequiredActionFactory.PROVIDER_ID + "(/|$)");

    private StepSettingsGuard() {
    }

    static void check(KeycloakSession session, RealmModel realm, AdminEvent event) {
        if (event.getResourceType() != ResourceType.REQUIRED_ACTION && event.getResourceType() != ResourceType.REQUIRED_ACTION_CONFIG) {
            return;
        }
        RequiredActionProviderModel step = StepModel.of(realm).orElse(null);
        boolean aboutTheStep = event.getResourcePath() != null && STEP_PATH.matcher(event.getResourcePath()).find();
        // registering creates the action enabled and without settings (its path names no alias)
        boolean justRegistered = event.getOperationType() == OperationType.CREATE && step != null && StepModel.settings(step).isEmpty();
        if (!aboutTheStep && !justRegistered) {
            return;
        }
        if (step == null || !step.isEnabled()) {
            LOG.warnf("BMS provisioning in realm '%s' is %s: sign-ins to BMS are not checked", realm.getName(), step == null ? "unregistered" : "disabled");
            return;
        }
        List<String> problems = new ArrayList<>();
        if (!BmsProvisioningRequiredActionFactory.PROVIDER_ID.equals(step.getAlias())) {
            problems.add("Its alias must stay '" + BmsProvisioningRequiredActionFactory.PROVIDER_ID + "' (Keycloak finds a required action's settings by its alias).");
        }
        problems.addAll(StepSettingsCheck.problems(realm, StepModel.settings(step)));
        if (problems.isEmpty()) {
            return;
        }
        if (justRegistered) {
            step.setEnabled(false);
            realm.updateRequiredActionProvider(step);
            LOG.warnf("BMS provisioning in realm '%s' was registered without settings and is left switched off until they are complete: %s",
                    realm.getName(), String.join(" ", problems));
            return;
        }
        String message = "BMS provisioning settings not saved: " + String.join(" ", problems);
        LOG.info(message);
        AdminRefusal.refuse(session, message);
    }
}
