import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type IdentityProviderRepresentation from '@keycloak/keycloak-admin-client/lib/defs/identityProviderRepresentation';
import type { UserProfileConfig } from '@keycloak/keycloak-admin-client/lib/defs/userProfileMetadata';

import { OperationError } from '../errors/operation-error';
import { SetupOptions, flowAliasOf, SSO_URL_NAME_ATTRIBUTE, STEP_SETTINGS } from './options';
import { parseRecord, SETUP_RECORD_ATTRIBUTE } from './record';
import { PLUGIN, REALM_MANAGEMENT } from './wiring';

/** An execution of a flow, as the admin API lists it (level 0: the flow's own steps; deeper: sub-flows'). */
export interface Execution {
  id: string;
  providerId: string;
  displayName: string;
  requirement: string;
  level: number;
  index: number;
}

/** A client as setup needs to know it. */
export interface ClientFacts {
  id: string;
  clientId: string;
  protocol: string;
  publicClient: boolean;
  serviceAccountsEnabled: boolean;
  /** for the bridge's client: the realm-management roles of its service account (undefined: not read) */
  roles?: string[];
  /** a SAML client's IdP-initiated SSO URL name (the Passly tile posts to …/clients/<name>); undefined: none */
  ssoUrlName?: string;
}

/** What a realm holds of the wiring, read once, before anything is planned. */
export interface RealmState {
  realm: string;
  /** whether this Keycloak has the plugin (its first-broker-login authenticator is among the authenticator providers) */
  pluginInstalled: boolean;
  eventsListeners: string[];
  /** the setup record (realm attribute), as stored; undefined when setup never ran here */
  record?: string;
  /** undefined: the realm has no identity provider with this alias */
  idp?: {
    alias: string;
    providerId: string;
    syncMode: string;
    /** the first-broker-login flow in force: the identity provider's own, else the realm's default (Keycloak 24+) */
    firstBrokerLoginFlowAlias: string;
    /** as the identity provider says it ('' : the realm's default); what --remove binds again */
    firstBrokerLoginFlowBound: string;
    postBrokerLoginFlowAlias: string;
  };
  mappers: { id: string; name: string; identityProviderMapper: string; config: Record<string, string> }[];
  profile: UserProfileConfig;
  /** aliases of every flow of the realm */
  flows: string[];
  /** aliases of Keycloak's built-in flows (shared; setup never changes one); undefined: not read */
  builtInFlows?: string[];
  /** flow alias → where it is bound, in words ("the realm's browser flow", "identity provider 'x''s first login flow"); undefined: not read */
  flowBindings?: Record<string, string[]>;
  /** executions of the flows the plan looks into: the identity provider's two flows and setup's own */
  executions: Record<string, Execution[]>;
  /** the BMS provisioning required action, found by provider id (its alias may differ); undefined: not registered */
  step?: { alias: string; enabled: boolean; settings: Record<string, string> };
  /** the clients the plan looks at, by client id (only those looked up are keys); undefined: no such client */
  clients: Record<string, ClientFacts | undefined>;
  /** when setup is to create the BMS client: the client id of another client with its IdP-initiated SSO URL name */
  ssoUrlNameTakenBy?: string;
}

/**
 * Reads what the plan needs, with the admin client given (an admin's, or the bridge's own for /readyz). Errors: an
 * OperationError naming the read and Keycloak's URL (a 403 names the role that is missing, in check.ts).
 */
export async function readRealmState(api: KcAdminClient, options: SetupOptions): Promise<RealmState> {
  const realm = options.realm;
  const read = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      const forbidden = (err as { response?: { status?: number } }).response?.status === 403;
      throw new OperationError('Keycloak', `read of ${what} in realm '${realm}'`, api.baseUrl, err, forbidden ? `sign in as an admin of realm '${realm}' (realm-management's realm-admin)` : undefined);
    }
  };
  const rep = await read('the realm', () => api.realms.findOne({ realm }));
  if (!rep) throw new Error(`Keycloak at ${api.baseUrl} has no realm '${realm}' (realm names match exactly)`);
  const idpRep = await read(`identity provider '${options.idp}'`, () => api.identityProviders.findOne({ realm, alias: options.idp }));
  const mappers = idpRep ? await read(`identity provider '${options.idp}''s mappers`, () => api.identityProviders.findMappers({ realm, alias: options.idp })) : [];
  const profile = await read('the user profile', () => api.users.getProfile({ realm }));
  const flowReps = await read('the authentication flows', () => api.authenticationManagement.getFlows({ realm }));
  const flows = flowReps.map((f) => f.alias ?? '');
  const providers = await read('the authenticator providers', () => api.authenticationManagement.getAuthenticatorProviders({ realm } as void & { realm: string }));
  const allIdps = await read('the identity providers', () => allIdentityProviders(api, realm));
  const idp = idpRep && {
    alias: idpRep.alias ?? options.idp,
    providerId: idpRep.providerId ?? '',
    syncMode: idpRep.config?.syncMode ?? 'LEGACY',
    firstBrokerLoginFlowAlias: idpRep.firstBrokerLoginFlowAlias || ((rep as { firstBrokerLoginFlow?: string }).firstBrokerLoginFlow ?? ''),
    firstBrokerLoginFlowBound: idpRep.firstBrokerLoginFlowAlias ?? '',
    postBrokerLoginFlowAlias: idpRep.postBrokerLoginFlowAlias ?? '',
  };
  const executions: Record<string, Execution[]> = {};
  for (const flow of new Set([idp?.firstBrokerLoginFlowAlias, idp?.postBrokerLoginFlowAlias, flowAliasOf(options)])) {
    if (!flow || !flows.includes(flow)) continue;
    const list = await read(`the executions of flow '${flow}'`, () => api.authenticationManagement.getExecutions({ realm, flow }));
    executions[flow] = list.map((e) => ({ id: e.id ?? '', providerId: e.providerId ?? '', displayName: e.displayName ?? '', requirement: e.requirement ?? '', level: e.level ?? 0, index: e.index ?? 0 }));
  }
  const actions = await read('the required actions', () => api.authenticationManagement.getRequiredActions({ realm } as void & { realm: string }));
  const action = actions.find((a) => a.providerId === PLUGIN.step);
  const step = action && {
    alias: action.alias ?? '',
    enabled: action.enabled === true,
    settings: (await read('the BMS provisioning settings', () => api.authenticationManagement.getRequiredActionConfig({ realm, alias: action.alias ?? PLUGIN.step }).catch(notFound))).config ?? {},
  };
  const gated = (step?.settings[STEP_SETTINGS.gatedClients] ?? '').split('##').filter(Boolean);
  const clients: Record<string, ClientFacts | undefined> = {};
  const stored = rep.attributes?.[SETUP_RECORD_ATTRIBUTE] || undefined;
  // the clients setup created (for --remove); a record changed by hand is reported where it is used, not here
  const created = ((): string[] => { try { const r = parseRecord(stored); return [...r.clientsCreated, ...Object.keys(r.rolesGranted)]; } catch { return []; } })();
  const lookedUp = options.readClients === false ? [] : [options.bmsClient, options.bridgeClient, ...gated, ...created];
  for (const clientId of new Set(lookedUp)) {
    if (!clientId) continue;
    const found = (await read(`client '${clientId}'`, () => api.clients.find({ realm, clientId, search: false })))[0];
    clients[clientId] = found && { id: found.id ?? '', clientId, protocol: found.protocol ?? 'openid-connect', publicClient: found.publicClient === true, serviceAccountsEnabled: found.serviceAccountsEnabled === true, ssoUrlName: found.attributes?.[SSO_URL_NAME_ATTRIBUTE] || undefined };
  }
  // Keycloak serves an IdP-initiated sign-in to the first client with the name: a second one would never get it
  const ssoUrlName = options.bmsClient && !clients[options.bmsClient] ? options.bmsClientToCreate?.ssoUrlName : undefined;
  // every client this search finds is one Keycloak's own lookup of the tile could pick (on a case-blind database, 'BMS' too)
  const [namesake] = ssoUrlName ? await read(`the clients with IdP-initiated SSO URL name '${ssoUrlName}'`, () => api.clients.find({ realm, q: `${SSO_URL_NAME_ATTRIBUTE}:${ssoUrlName}` })) : [];
  const bridge = options.bridgeClient ? clients[options.bridgeClient] : undefined;
  if (bridge?.serviceAccountsEnabled) bridge.roles = await read(`the roles of client '${bridge.clientId}''s service account`, () => serviceAccountRoles(api, realm, bridge.id));
  return {
    realm,
    pluginInstalled: providers.some((p) => p.id === PLUGIN.requireAttributes),
    eventsListeners: rep.eventsListeners ?? [],
    record: stored,
    idp,
    mappers: mappers.map((m) => ({ id: m.id ?? '', name: m.name ?? '', identityProviderMapper: m.identityProviderMapper ?? '', config: (m.config ?? {}) as Record<string, string> })),
    profile,
    flows,
    builtInFlows: flowReps.filter((f) => f.builtIn === true).map((f) => f.alias ?? ''),
    flowBindings: flowBindingsOf(rep as Record<string, unknown>, allIdps),
    executions,
    step: step && { ...step, settings: step.settings as Record<string, string> },
    clients,
    ssoUrlNameTakenBy: namesake ? namesake.clientId ?? namesake.id : undefined,
  };
}

/** A required action registered without settings answers 404 for them: no settings. */
function notFound(err: unknown): { config?: Record<string, string> } {
  if ((err as { response?: { status?: number } }).response?.status === 404) return {};
  throw err;
}

/** The realm-management roles a client's service account holds, directly or through composites. */
async function serviceAccountRoles(api: KcAdminClient, realm: string, clientUuid: string): Promise<string[]> {
  const user = await api.clients.getServiceAccountUser({ realm, id: clientUuid });
  const [management] = await api.clients.find({ realm, clientId: REALM_MANAGEMENT, search: false });
  if (!user.id || !management?.id) return [];
  const roles = await api.users.listCompositeClientRoleMappings({ realm, id: user.id, clientUniqueId: management.id });
  return roles.map((r) => r.name ?? '').sort();
}

/** Every identity provider of the realm, page by page. */
async function allIdentityProviders(api: KcAdminClient, realm: string): Promise<IdentityProviderRepresentation[]> {
  const all: IdentityProviderRepresentation[] = [];
  for (let first = 0; ; first += PAGE) {
    const page = await api.identityProviders.find({ realm, first, max: PAGE });
    all.push(...page);
    if (page.length < PAGE) return all;
  }
}
const PAGE = 100;

/** The realm's flow bindings and every identity provider's: flow alias → where it is bound. */
function flowBindingsOf(realm: Record<string, unknown>, idps: IdentityProviderRepresentation[]): Record<string, string[]> {
  const bindings: Record<string, string[]> = {};
  const add = (flow: unknown, where: string): void => {
    if (typeof flow === 'string' && flow) (bindings[flow] ??= []).push(where);
  };
  for (const [key, name] of REALM_FLOWS) add(realm[key], `the realm's ${name} flow`);
  for (const i of idps) {
    add(i.firstBrokerLoginFlowAlias, `identity provider '${i.alias ?? ''}''s first login flow`);
    add(i.postBrokerLoginFlowAlias, `identity provider '${i.alias ?? ''}''s post login flow`);
  }
  return bindings;
}
const REALM_FLOWS = [
  ['browserFlow', 'browser'],
  ['registrationFlow', 'registration'],
  ['directGrantFlow', 'direct grant'],
  ['resetCredentialsFlow', 'reset credentials'],
  ['clientAuthenticationFlow', 'client authentication'],
  ['dockerAuthenticationFlow', 'docker authentication'],
  ['firstBrokerLoginFlow', 'default first broker login'],
] as const;
