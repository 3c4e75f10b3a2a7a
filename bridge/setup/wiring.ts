import type { UserProfileAttribute } from '@keycloak/keycloak-admin-client/lib/defs/userProfileMetadata';

import { USER_ATTRIBUTES } from '../keycloak/attributes';

/**
 * What the product needs in a realm, as data: the names the Keycloak extension registers, the attribute importers, the
 * user-profile attributes, and the roles of the bridge's service account. keycloak-realm.json is the same wiring as an
 * import file; a unit test (wiring.test.ts) holds the two together.
 */

/** Provider ids of the plugin (plugin/src/main/java/…: BmsProvisioningRequiredActionFactory, BmsEventListenerProviderFactory, RequireBrokeredAttributesAuthenticatorFactory). */
export const PLUGIN = {
  /** the required action, also its alias (Keycloak finds a required action's settings by its alias) */
  step: 'bms-provisioning',
  stepName: 'BMS provisioning',
  /** the event listener */
  listener: 'bms-provisioning',
  /** the first-broker-login authenticator: refuses a first login without e-mail before a user is created */
  requireAttributes: 'bms-require-brokered-attributes',
  /** the post-broker-login authenticator of builds before the required action (README, "Installing", step 5) */
  legacyPostLoginStep: 'bms-provisioning',
  defaultsMapper: 'bms-employee-defaults',
} as const;

/** Keycloak's SAML attribute importer (org.keycloak.broker.saml.mappers.UserAttributeMapper.PROVIDER_ID). */
export const SAML_IMPORTER = 'saml-user-attribute-idp-mapper';

/**
 * Every login refreshes the imported value (IdentityProviderSyncMode.FORCE): a group or domain change in AD reaches
 * Keycloak at the person's next Passly login. INHERIT is as good when the identity provider itself is FORCE.
 */
export const FORCE = 'FORCE';

/** One attribute importer: Passly's SAML attribute → the Keycloak user attribute. */
export interface Importer {
  name: string;
  samlAttribute: string;
  userAttribute: string;
}

/** Passly's attributes and where they land (README, "The broker realm"; test/fixtures/contract/attributes.json). */
export const IMPORTERS: Importer[] = [
  { name: 'Email', samlAttribute: 'Email', userAttribute: 'email' },
  { name: 'FirstName', samlAttribute: 'FirstName', userAttribute: 'firstName' },
  { name: 'LastName', samlAttribute: 'LastName', userAttribute: 'lastName' },
  { name: 'Username (UPN)', samlAttribute: 'Username', userAttribute: USER_ATTRIBUTES.upn },
  { name: 'SecurityGroup', samlAttribute: 'SecurityGroup', userAttribute: USER_ATTRIBUTES.groups },
  { name: 'Domain', samlAttribute: 'Domain', userAttribute: USER_ATTRIBUTES.domain },
];

/** The importer's mapper configuration (Keycloak's UserAttributeMapper config keys). */
export function importerConfig(importer: Importer): Record<string, string> {
  return { syncMode: FORCE, 'attribute.name': importer.samlAttribute, 'attribute.name.format': 'ATTRIBUTE_FORMAT_BASIC', 'user.attribute': importer.userAttribute };
}

const adminOnly = { view: ['admin'], edit: ['admin'] };
const single = (name: string, displayName: string, group: string, max: number): UserProfileAttribute => ({ name, displayName, group, validations: { length: { max } }, permissions: adminOnly, multivalued: false });

/** The user-profile attributes the product reads or writes, each admin-only (view and edit), as keycloak-realm.json declares them. */
export const PROFILE_ATTRIBUTES: UserProfileAttribute[] = [
  single(USER_ATTRIBUTES.upn, 'User principal name (from Passly)', 'passly', 255),
  single(USER_ATTRIBUTES.domain, 'AD domain (from Passly)', 'passly', 255),
  { ...single(USER_ATTRIBUTES.groups, 'AD security groups (from Passly)', 'passly', 2048), multivalued: true },
  single(USER_ATTRIBUTES.employeeId, 'BMS employee id', 'bms', 64),
  single(USER_ATTRIBUTES.requestedAt, 'BMS provisioning requested at', 'bms', 64),
];

/** The attribute groups those attributes name (a profile that names an undeclared group is refused by Keycloak). */
export const PROFILE_GROUPS = [
  { name: 'passly', displayHeader: 'Passly (Active Directory)', displayDescription: 'Imported from Passly on every login. Only administrators can see or change them.' },
  { name: 'bms', displayHeader: 'Kaseya BMS', displayDescription: 'Written by the BMS provisioning bridge. Only administrators can see or change it.' },
];

/**
 * The roles of realm-management the bridge's service account needs, and no more (read in the bridge's code):
 * - `view-identity-providers`: the BMS rules are the identity provider's mappers (keycloak/gateway.ts `mappers`);
 * - `view-users`: users by id, e-mail, user name and page, and a person's realm roles for the admin pages
 *   (`user`, `userByEmail`, `usersPage`, `hasRealmRole`); it includes query-users;
 * - `manage-users`: the write-back of `bms_employee_id` (the plugin's endpoint checks `canManage(user)`, as the admin
 *   API does: plugin/…/writeback/EmployeeIdResource.java).
 */
export const BRIDGE_ROLES = ['view-identity-providers', 'view-users', 'manage-users'];

/**
 * The read role the wiring check of /readyz needs on top (setup --check uses the admin's own): `view-realm` (the
 * realm's event listeners and setup record, authentication flows, required actions and their settings; the identity
 * provider, its mappers and the user profile are readable with the roles above). Whether the gated clients exist is
 * left to setup --check: Keycloak 26.7 lists a client to an admin only with view-clients (query-clients alone finds
 * nothing), which would also let the bridge read every client's settings.
 */
export const CHECK_ROLES = ['view-realm'];

/** Keycloak's client that holds the admin roles of a realm. */
export const REALM_MANAGEMENT = 'realm-management';
