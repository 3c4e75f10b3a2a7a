import { SamlClient } from './model';

/** The provisioning step's settings keys (plugin: ProvisioningSettings.java). Multi-valued ones are joined with `##`. */
export const STEP_SETTINGS = {
  bridgeUrl: 'bridge.url',
  secret: 'webhook.secret',
  gatedClients: 'gated.clients',
  connectMs: 'connect.timeout.ms',
  readMs: 'read.timeout.ms',
  failureMode: 'failure.mode',
} as const;

/** What the provisioning step must say, when setup was told (setup and setup --check with --bridge-url). */
export interface StepWanted {
  /** the bridge's webhook endpoint, `<bridge>/webhooks/keycloak` */
  bridgeUrl: string;
  /** the bridge's BRIDGE_WEBHOOK_SECRET (never printed) */
  secret: string;
  /** unset: as the step has it, else fail-open (an admin's deliberate fail-closed is never switched back by a re-run) */
  failureMode?: 'fail-open' | 'fail-closed';
  /** unset: as the step has it, else 1000 */
  connectTimeoutMs?: number;
  /** unset: as the step has it, else 4000 */
  readTimeoutMs?: number;
}

/** What to create when the realm lacks the BMS client (setup --bms-acs-url). */
export interface BmsClientWanted {
  acsUrl: string;
  /** the CompanyName attribute BMS receives (your BMS tenant); unset: no such attribute */
  companyName?: string;
  /**
   * The client's IdP-initiated SSO URL name: the BMS tile in Passly posts to `…/broker/<idp>/endpoint/clients/<name>`
   * (README, "Passly-initiated sign-ins"). Keycloak finds the client by it, so no other client of the realm may have it.
   */
  ssoUrlName: string;
}

/** The Keycloak client attribute that holds a SAML client's IdP-initiated SSO URL name. */
export const SSO_URL_NAME_ATTRIBUTE = 'saml_idp_initiated_sso_url_name';

/**
 * What setup is asked to wire: one realm, one SAML identity provider. Every optional part that is undefined is not
 * planned (the readiness check of a running bridge knows only the realm and the identity provider).
 */
export interface SetupOptions {
  realm: string;
  idp: string;
  /** the BMS SAML client's client id: gated by the step */
  bmsClient?: string;
  bmsClientToCreate?: BmsClientWanted;
  step?: StepWanted;
  /** the bridge's service-account client (created with BRIDGE_ROLES and, unless checkRoles is false, CHECK_ROLES) */
  bridgeClient?: string;
  /** grant the bridge CHECK_ROLES too, so its /readyz can check the wiring (default true) */
  checkRoles?: boolean;
  /** the first-broker-login flow setup creates when the identity provider's flow lacks the plugin's step */
  flowAlias?: string;
  /** look clients up (needs view-clients; false for the bridge's own check, which has not that role) */
  readClients?: boolean;
  /** a BMS employee defaults mapper to create when the identity provider has none (its config) */
  employeeDefaults?: Record<string, string>;
}

/** The flow setup copies the identity provider's first-broker-login flow into, unless told another name. */
export const flowAliasOf = (options: SetupOptions): string => options.flowAlias ?? `${options.idp} first broker login with BMS`;

/**
 * Keycloak 26.7 refuses a flow alias with characters such as '(' ("Character '(' not allowed"), after setup may have
 * written other things; setup accepts only this set, so the refusal comes before anything is written.
 */
export const FLOW_ALIAS = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,199}$/;

/**
 * The step's settings setup is responsible for: the bridge URL and secret as told, gated clients kept (never removing
 * one) with the BMS client added, and the failure mode and timeouts as told, else as they are, else the plugin's
 * defaults. Settings not named here (the fail-closed message) are the admin's and stay as they are.
 */
export function stepSettingsOf(step: StepWanted, gated: string[], current: Record<string, string> = {}): Record<string, string> {
  const kept = (key: string, told: string | number | undefined, fallback: string): string => (told === undefined ? current[key] || fallback : String(told));
  return {
    [STEP_SETTINGS.bridgeUrl]: step.bridgeUrl,
    [STEP_SETTINGS.secret]: step.secret,
    [STEP_SETTINGS.gatedClients]: gated.join('##'),
    [STEP_SETTINGS.connectMs]: kept(STEP_SETTINGS.connectMs, step.connectTimeoutMs, '1000'),
    [STEP_SETTINGS.readMs]: kept(STEP_SETTINGS.readMs, step.readTimeoutMs, '4000'),
    [STEP_SETTINGS.failureMode]: kept(STEP_SETTINGS.failureMode, step.failureMode, 'fail-open'),
  };
}

const basic = (name: string, mapper: string, config: Record<string, string>): SamlClient['protocolMappers'][number] => ({
  name,
  protocol: 'saml',
  protocolMapper: mapper,
  consentRequired: false,
  config: { 'attribute.name': name, 'attribute.nameformat': 'Basic', 'friendly.name': '', ...config },
});

/** The BMS SAML client as keycloak-realm.json declares it (signed response and assertion, RSA-SHA256, the attributes BMS reads). */
export function bmsClientOf(clientId: string, wanted: BmsClientWanted): SamlClient {
  return {
    clientId,
    name: 'Kaseya BMS',
    description: 'The BMS portal as a SAML service provider; every sign-in to it runs the BMS provisioning step (created by bridge setup)',
    protocol: 'saml',
    enabled: true,
    baseUrl: clientId,
    redirectUris: [wanted.acsUrl],
    frontchannelLogout: true,
    fullScopeAllowed: false,
    attributes: {
      saml_assertion_consumer_url_post: wanted.acsUrl,
      'saml.authnstatement': 'true',
      'saml.server.signature': 'true',
      'saml.assertion.signature': 'true',
      'saml.signature.algorithm': 'RSA_SHA256',
      'saml.server.signature.keyinfo.xmlSigKeyInfoKeyNameTransformer': 'KEY_ID',
      saml_signature_canonicalization_method: 'http://www.w3.org/2001/10/xml-exc-c14n#',
      'saml.client.signature': 'false',
      'saml.encrypt': 'false',
      'saml.force.post.binding': 'true',
      saml_force_name_id_format: 'true',
      saml_name_id_format: 'email',
      [SSO_URL_NAME_ATTRIBUTE]: wanted.ssoUrlName,
    },
    protocolMappers: [
      ...(wanted.companyName ? [basic('CompanyName', 'saml-hardcode-attribute-mapper', { 'attribute.value': wanted.companyName })] : []),
      basic('Email', 'saml-user-property-mapper', { 'user.attribute': 'email' }),
      basic('FirstName', 'saml-user-property-mapper', { 'user.attribute': 'firstName' }),
      basic('LastName', 'saml-user-property-mapper', { 'user.attribute': 'lastName' }),
      basic('Username', 'saml-user-attribute-mapper', { 'user.attribute': 'upn', 'aggregate.attrs': 'false' }),
      basic('SecurityGroup', 'saml-user-attribute-mapper', { 'user.attribute': 'ad_groups', 'aggregate.attrs': 'false' }),
    ],
  };
}
