package com.bmsjit.keycloak.provisioning;

import java.util.Locale;

/**
 * What the provisioning step decided for one login: a short detail recorded on Keycloak's events
 * ({@code bms_provisioning}), and, when the login must stop, the event error and the text of the page the user sees.
 *
 * @param detail      e.g. {@code provisioned}, {@code denied}, {@code failed-open: timeout}, {@code failed-closed: misconfigured}
 * @param eventError  Keycloak event error when the login stops, else null
 * @param pageMessage the text shown on Keycloak's error page when the login stops, else null
 */
record StepOutcome(String detail, String eventError, String pageMessage) {

    static final String DEFAULT_DENY_MESSAGE = "Your account may not use BMS.";

    /** The bridge answered within the contract. {@code pending} lets the login through only in fail-open mode. */
    static StepOutcome of(BridgeAnswer answer, ProvisioningSettings settings) {
        String detail = answer.status().name().toLowerCase(Locale.ROOT);
        return switch (answer.status()) {
            case PROVISIONED -> new StepOutcome(detail, null, null);
            case DENIED -> new StepOutcome(detail, "bms_provisioning_denied",
                    answer.message() == null || answer.message().isBlank() ? DEFAULT_DENY_MESSAGE : answer.message());
            // the employee does not exist yet (BMS slow or down): fail-closed shows the "being set up" page
            case PENDING -> settings.failOpen() ? new StepOutcome(detail, null, null)
                    : new StepOutcome(detail, "bms_provisioning_pending", settings.failClosedMessage());
        };
    }

    /** The bridge could not be asked, or did not answer within the contract: the failure mode decides. */
    static StepOutcome failure(ProvisioningSettings settings, String why) {
        return settings.failOpen() ? new StepOutcome("failed-open: " + why, null, null)
                : new StepOutcome("failed-closed: " + why, "bms_provisioning_unavailable", settings.failClosedMessage());
    }

    boolean stopsLogin() {
        return pageMessage != null;
    }
}
