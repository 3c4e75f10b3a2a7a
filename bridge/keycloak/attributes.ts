/**
 * The Keycloak user attributes the plugin and the bridge share (pinned by test/fixtures/contract/attributes.json; the
 * plugin's UserAttributes has the same names, and a test checks keycloak-realm.json declares each admin-only).
 */
export const USER_ATTRIBUTES = {
  /** AD security groups, one value per group, in whatever form Passly sends */
  groups: 'ad_groups',
  /** the AD domain, NetBIOS or DNS form */
  domain: 'ad_domain',
  /** the user principal name */
  upn: 'upn',
  /** the BMS employee id the bridge writes back */
  employeeId: 'bms_employee_id',
  /** the plugin's mark: a gated sign-in asked for provisioning at this time (ISO-8601) */
  requestedAt: 'bms_provisioning_requested_at',
} as const;
