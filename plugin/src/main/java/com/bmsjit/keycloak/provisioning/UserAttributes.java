package com.bmsjit.keycloak.provisioning;

/**
 * The Keycloak user attributes the plugin and the bridge share (pinned by test/fixtures/contract/attributes.json, which
 * the bridge's tests also check against keycloak-realm.json's user profile). The directory ones are filled by the
 * identity provider's attribute importers; the BMS ones are admin-only and written by the plugin and the bridge.
 */
public final class UserAttributes {

    /** AD security groups, one value per group, in whatever form Passly sends (name, DN, DOMAIN\name). */
    public static final String GROUPS = "ad_groups";
    /** The AD domain, NetBIOS or DNS form. */
    public static final String DOMAIN = "ad_domain";
    /** The user principal name. */
    public static final String UPN = "upn";
    /** The BMS employee id, written back by the bridge. */
    public static final String EMPLOYEE_ID = "bms_employee_id";
    /** When the user first asked for BMS at a sign-in (ISO-8601), set by the provisioning step. */
    public static final String REQUESTED_AT = "bms_provisioning_requested_at";

    private UserAttributes() {
    }
}
