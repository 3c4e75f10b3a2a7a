/** How the admin sign-in is set up: its settings, the role check it asks Keycloak, and the addresses it answers at. */

/** How the admin pages sign people in through the broker realm (README, "Admin pages"). Times in ms. */
export interface AdminSignInSettings {
  /** the bridge's URL as browsers reach it, without a trailing slash, e.g. https://bridge.example.com */
  publicUrl: string;
  /** the SAML client id of the admin pages in the broker realm (their entity id) */
  entityId: string;
  /** the broker realm's SAML endpoint, {keycloak}/realms/{realm}/protocol/saml (its metadata is at …/descriptor) */
  idpSsoUrl: string;
  /** the realm role a person needs (the SAML client sends realm roles as the multi-valued attribute `Role`) */
  role: string;
  /** a session ends after this long without a request */
  idleMs: number;
  /** and after this long in any case */
  absoluteMs: number;
  /** signs the session cookie; the same on every bridge behind one URL */
  sessionSecret: string;
  /** assertions are accepted this far from the bridge's clock */
  clockSkewMs: number;
  /** a signed-in admin's role is checked in Keycloak again this often (a person who lost it is signed out) */
  roleRecheckMs: number;
}

/** Whether the Keycloak user with this user name is enabled and still holds the realm role (asked every roleRecheckMs). */
export type StillAdmin = (username: string) => Promise<boolean>;

export const ACS_PATH = '/admin/saml/acs';
export const SLO_PATH = '/admin/saml/slo';
export const LOGIN_PATH = '/admin/saml/login';
