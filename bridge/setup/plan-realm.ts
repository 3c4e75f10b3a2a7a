import { Op, PlanItem } from './model';
import { bmsClientOf, SetupOptions, STEP_SETTINGS, stepSettingsOf } from './options';
import { RealmState } from './realm-state';
import { stepSettingsProblems } from './step-settings';
import { BRIDGE_ROLES, CHECK_ROLES, PLUGIN } from './wiring';

/** The plugin's event listener, added to the realm's listeners (never replacing one). */
export function planListener(state: RealmState): PlanItem {
  const base = { key: 'event-listener', what: `event listener '${PLUGIN.listener}'`, ops: [] };
  if (state.eventsListeners.includes(PLUGIN.listener)) return { ...base, action: 'keep', details: [`listeners: ${state.eventsListeners.join(', ')}`] };
  const after = [...state.eventsListeners, PLUGIN.listener];
  return { ...base, action: 'create', details: [`listeners: ${state.eventsListeners.join(', ') || '(none)'} → ${after.join(', ')}`], ops: [{ kind: 'add-event-listener', listener: PLUGIN.listener }] };
}

/**
 * The plugin must be in this Keycloak: without it Keycloak refuses the listener and the required action part-way, and a
 * realm wired before an upgrade that lost the JAR lets BMS sign-ins through unchecked (README, "What an admin must not
 * change").
 */
export function planPlugin(state: RealmState): PlanItem {
  const base = { key: 'plugin', what: 'the Keycloak extension (bms-jit-keycloak-plugin.jar)', ops: [] };
  if (state.pluginInstalled) return { ...base, action: 'keep', details: ['installed'] };
  return { ...base, action: 'conflict', details: ['not installed in this Keycloak'], fix: "copy bms-jit-keycloak-plugin.jar into Keycloak's providers/ folder and restart Keycloak (README, \"Installing into an existing Keycloak\"), then run setup again" };
}

/** The identity provider must exist and be SAML; everything else hangs on it. */
export function planIdp(state: RealmState, options: SetupOptions): PlanItem {
  const base = { key: 'identity-provider', what: `identity provider '${options.idp}'`, ops: [] };
  if (!state.idp) return { ...base, action: 'conflict', details: ['not found (aliases match exactly)'], fix: `create the SAML identity provider for Passly first (Identity providers → SAML v2.0), or give setup its alias with --idp` };
  if (state.idp.providerId !== 'saml') return { ...base, action: 'conflict', details: [`it is '${state.idp.providerId}', not SAML`], fix: 'give setup the alias of the SAML identity provider that brokers Passly' };
  return { ...base, action: 'keep', details: ['SAML'] };
}

const splitList = (value: string | undefined): string[] => (value ?? '').split('##').map((v) => v.trim()).filter(Boolean);

/**
 * The BMS provisioning required action: registered, its settings as asked (gated clients kept, the BMS client added),
 * enabled. Registering leaves it off (the plugin's listener switches a step without settings off), the settings are
 * validated by Keycloak when saved, and only then is it switched on. Without options.step (the bridge's own check),
 * only that it is enabled with settings is checked.
 */
export function planStep(state: RealmState, options: SetupOptions): PlanItem {
  const base = { key: 'provisioning-step', what: `required action '${PLUGIN.stepName}' (the gate on every BMS sign-in)` };
  const step = state.step;
  if (step && step.alias !== PLUGIN.step) {
    return { ...base, action: 'conflict', details: [`registered under the alias '${step.alias}'; Keycloak finds its settings only under '${PLUGIN.step}'`], fix: `delete the required action '${step.alias}' (Authentication → Required actions), then run setup again`, ops: [] };
  }
  const settings = step?.settings ?? {};
  const gated = splitList(settings[STEP_SETTINGS.gatedClients]);
  if (!options.step) {
    const problems = [
      ...(!step ? ['not registered'] : !step.enabled ? ['switched off: BMS sign-ins are not checked'] : []),
      ...(!settings[STEP_SETTINGS.bridgeUrl] ? ['no bridge URL'] : []),
      ...(!settings[STEP_SETTINGS.secret] ? ['no webhook secret'] : []),
      ...(!gated.length ? ['no gated client'] : gated.filter((c) => c in state.clients && !state.clients[c]).map((c) => `gated client '${c}' does not exist`)),
      ...(options.bmsClient && !gated.includes(options.bmsClient) ? [`'${options.bmsClient}' is not gated`] : []),
    ];
    return problems.length
      ? { ...base, action: 'conflict', details: problems, fix: 'run bridge setup (with --bridge-url and BRIDGE_WEBHOOK_SECRET) to register, configure and enable it', ops: [] }
      : { ...base, action: 'keep', details: [`enabled; gated: ${gated.join(', ')}`], ops: [] };
  }
  const wantedGated = options.bmsClient && !gated.includes(options.bmsClient) ? [...gated, options.bmsClient] : gated;
  const wanted = stepSettingsOf(options.step, wantedGated, settings);
  // Keycloak runs the plugin's check when the settings are saved: whatever it would refuse is found here, before any write
  const refused = [...stepSettingsProblems({ ...settings, ...wanted }), ...missingGated(state, options, gated)];
  if (refused.length) {
    return {
      ...base,
      action: 'conflict',
      details: refused,
      fix: `correct these in Authentication → Required actions → ${PLUGIN.stepName} → settings (a gated client that is gone: remove it from Gated clients, or create the client again), or give setup the value with its flag, then run setup again`,
      ops: [],
    };
  }
  const diff = Object.entries(wanted)
    .filter(([k, v]) => settings[k] !== v)
    .map(([k, v]) => (k === STEP_SETTINGS.secret ? `${k}: ${settings[k] ? '(another secret)' : '(none)'} → (BRIDGE_WEBHOOK_SECRET)` : `${k}: ${settings[k] ?? '(none)'} → ${v}`));
  // Keycloak replaces the whole set: the admin's other settings (the fail-closed message) go back as they are
  const ops: Op[] = [...(step ? [] : [{ kind: 'register-step' as const }]), ...(diff.length ? [{ kind: 'configure-step' as const, settings: { ...settings, ...wanted } }] : []), ...(step?.enabled ? [] : [{ kind: 'enable-step' as const }])];
  if (!ops.length) return { ...base, action: 'keep', details: [`enabled; bridge ${settings[STEP_SETTINGS.bridgeUrl]}; gated: ${gated.join(', ')}`], ops };
  const details = [...(step ? [] : ['registered']), ...diff, ...(step?.enabled ? [] : ['enabled'])];
  return { ...base, action: step ? 'change' : 'create', details, ops };
}

/**
 * Gated clients the realm does not have (Keycloak refuses the step's settings naming one), as the plugin says it. The
 * BMS client setup creates in the same run is not missing.
 */
function missingGated(state: RealmState, options: SetupOptions, gated: string[]): string[] {
  const created = options.bmsClientToCreate ? options.bmsClient : undefined;
  return gated.filter((c) => c !== created && c in state.clients && !state.clients[c]).map((c) => `The gated client '${c}' does not exist in realm '${state.realm}' (client ids match exactly).`);
}

/** The BMS SAML client: kept as it is when there; created only when setup was given its ACS URL. */
export function planBmsClient(state: RealmState, options: SetupOptions): PlanItem | undefined {
  if (!options.bmsClient) return undefined;
  const base = { key: 'bms-client', what: `BMS client '${options.bmsClient}'`, ops: [] };
  const found = state.clients[options.bmsClient];
  if (found) return { ...base, action: 'keep', details: [`${found.protocol} client (left as it is)${found.protocol === 'saml' ? tileOf(state, options, found.ssoUrlName) : ''}`] };
  if (!options.bmsClientToCreate) return { ...base, action: 'conflict', details: ['no such client (client ids match exactly)'], fix: `give the BMS portal's SAML client id with --bms-client, or let setup create it with --bms-acs-url https://<your BMS host>/saml/connect.aspx (and --bms-company NAME)` };
  const { acsUrl, ssoUrlName } = options.bmsClientToCreate;
  if (state.ssoUrlNameTakenBy) {
    return { ...base, action: 'conflict', details: [`client '${state.ssoUrlNameTakenBy}' already has the IdP-initiated SSO URL name '${ssoUrlName}' (Keycloak gives a Passly tile posting to …/clients/${ssoUrlName} to that client only)`], fix: 'give the BMS client another name with --bms-sso-url-name NAME, and point the BMS tile in Passly at …/clients/NAME' };
  }
  const client = bmsClientOf(options.bmsClient, options.bmsClientToCreate);
  return { ...base, action: 'create', details: [`SAML client, ACS ${acsUrl}, signed response and assertion (RSA-SHA256), attributes ${client.protocolMappers.map((m) => m.name).join(', ')}${tileOf(state, options, ssoUrlName)}`], ops: [{ kind: 'create-saml-client', client }] };
}

/** Where the BMS tile in Passly must post for the BMS client, or how to give the client a name for it. */
function tileOf(state: RealmState, options: SetupOptions, ssoUrlName: string | undefined): string {
  if (!ssoUrlName) return '; it has no IdP-initiated SSO URL name, so a BMS tile in Passly cannot reach it: set one in Clients → the client → IDP-Initiated SSO URL name';
  return `; the BMS tile in Passly posts to <keycloak>/realms/${state.realm}/broker/${options.idp}/endpoint/clients/${ssoUrlName}`;
}

/** The bridge's service-account client, with the least roles it needs (and the check roles, unless told not to). */
export function planBridgeClient(state: RealmState, options: SetupOptions): PlanItem | undefined {
  if (!options.bridgeClient) return undefined;
  const clientId = options.bridgeClient;
  const roles = [...BRIDGE_ROLES, ...(options.checkRoles === false ? [] : CHECK_ROLES)];
  const base = { key: 'bridge-client', what: `the bridge's service-account client '${clientId}'` };
  const found = state.clients[clientId];
  if (!found) return { ...base, action: 'create', details: [`confidential, service account only, realm-management roles ${roles.join(', ')}; its secret is printed once`], ops: [{ kind: 'create-bridge-client', clientId, roles }] };
  if (found.publicClient || !found.serviceAccountsEnabled) {
    return { ...base, action: 'conflict', details: [`client '${clientId}' is ${found.publicClient ? 'public' : 'without a service account'}`], fix: `turn on Client authentication and Service accounts roles for client '${clientId}', or give setup another --bridge-client`, ops: [] };
  }
  const missing = roles.filter((r) => !(found.roles ?? []).includes(r));
  if (!missing.length) return { ...base, action: 'keep', details: [`roles ${roles.join(', ')}`], ops: [] };
  return { ...base, action: 'change', details: [`roles + ${missing.join(', ')}`], ops: [{ kind: 'grant-bridge-roles', clientId, roles: missing }] };
}
