import type KcAdminClient from '@keycloak/keycloak-admin-client';

import { OperationError } from '../errors/operation-error';
import { updateRealm, writeRecord } from './apply';
import { RealmState } from './realm-state';
import { IdpRecord, idpRecordOf, parseRecord, SETUP_RECORD_ATTRIBUTE, SetupRecord } from './record';
import { FORCE, PLUGIN, REALM_MANAGEMENT } from './wiring';

/** The realm's own flow bindings (RealmRepresentation), each naming a flow by alias. */
const REALM_FLOW_BINDINGS = ['browserFlow', 'registrationFlow', 'directGrantFlow', 'resetCredentialsFlow', 'clientAuthenticationFlow', 'dockerAuthenticationFlow', 'firstBrokerLoginFlow'];

/** One thing --remove undoes. */
export type Undo =
  | { kind: 'unregister-step' }
  | { kind: 'disable-step' }
  | { kind: 'remove-event-listener'; listener: string }
  | { kind: 'bind-first-broker-login'; flow: string }
  | { kind: 'delete-flow'; flow: string }
  | { kind: 'delete-idp-mapper'; id: string; name: string }
  | { kind: 'restore-mapper-sync-mode'; id: string; name: string; syncMode: string }
  | { kind: 'delete-client'; clientId: string; id: string }
  | { kind: 'revoke-roles'; clientId: string; id: string; roles: string[] }
  | { kind: 'forget-idp'; idp: string }
  | { kind: 'forget-record' };

/** What --remove will do, each with its words, and what it leaves on purpose. */
export interface Removal {
  undo: { what: string; op: Undo }[];
  left: string[];
}

/**
 * What setup added for identity provider `idp` (its importers, its first-broker-login flow and binding), from the
 * realm's setup record, against the realm as it is now (something an admin already took out is skipped); and, when no
 * other identity provider wired by setup remains, what the realm shares. Order: the gate first (so no sign-in meets
 * half-removed wiring), the listener, the clients and roles, then the provider's binding, flow and mappers. Users, their
 * attributes and the user-profile declarations stay. An identity provider deleted since is forgotten (its importers and
 * binding went with it). Errors: an `idp` that is neither in the realm nor in the record (a typo must not remove the
 * shared part).
 */
export function planRemoval(state: RealmState, idp: string): Removal {
  const record = parseRecord(state.record);
  const recorded = Object.keys(record.idps);
  if (!state.idp && !recorded.includes(idp)) {
    throw new Error(`identity provider '${idp}' is neither in realm '${state.realm}' nor in setup's record${recorded.length ? ` (setup wired: ${recorded.join(', ')})` : ''}: give --idp the alias setup was run with`);
  }
  const others = recorded.filter((a) => a !== idp);
  const undo: Removal['undo'] = [];
  const left = ['users and their attributes'];
  if (!others.length) undo.push(...realmWideUndo(state, record));
  else left.push(`what the realm shares (the BMS provisioning step, the event listener, the clients setup created): identity provider(s) ${others.map((a) => `'${a}'`).join(', ')} still use it; run setup --remove --idp for them too`);
  undo.push(...idpUndo(state, idpRecordOf(record, idp)));
  if (record.idps[idp] && others.length) undo.push({ what: `forget what setup did for '${idp}' (in the setup record)${state.idp ? '' : '; the identity provider is gone from the realm'}`, op: { kind: 'forget-idp', idp } });
  if (!others.length && state.record) undo.push({ what: 'forget the setup record (realm attribute)', op: { kind: 'forget-record' } });
  if (!others.length && record.stepSettingsChanged && !record.stepRegistered) left.push("the BMS provisioning step's settings as setup wrote them (the earlier ones are not kept: they held a secret)");
  if (record.profileAttributesAdded.length) left.push(`user-profile attributes ${record.profileAttributesAdded.join(', ')} (they hold users' data; take them out in Realm settings → User profile if you want to)`);
  return { undo, left };
}

/** The realm-wide part: the step (unregistered, or switched off again), the listener, clients and roles. */
function realmWideUndo(state: RealmState, record: SetupRecord): Removal['undo'] {
  const undo: Removal['undo'] = [];
  if (record.stepRegistered && state.step) undo.push({ what: `unregister required action '${PLUGIN.stepName}' (with its settings)`, op: { kind: 'unregister-step' } });
  else if (record.stepEnabled && state.step?.enabled) undo.push({ what: `switch required action '${PLUGIN.stepName}' off again (it was off before setup)`, op: { kind: 'disable-step' } });
  if (record.listenerAdded && state.eventsListeners.includes(PLUGIN.listener)) undo.push({ what: `remove event listener '${PLUGIN.listener}' (the others stay)`, op: { kind: 'remove-event-listener', listener: PLUGIN.listener } });
  for (const clientId of record.clientsCreated) {
    const client = state.clients[clientId];
    if (client) undo.push({ what: `delete client '${clientId}'`, op: { kind: 'delete-client', clientId, id: client.id } });
  }
  for (const [clientId, roles] of Object.entries(record.rolesGranted)) {
    const client = state.clients[clientId];
    if (client && roles.length) undo.push({ what: `take the realm-management role(s) ${roles.join(', ')} setup granted back from client '${clientId}'`, op: { kind: 'revoke-roles', clientId, id: client.id, roles } });
  }
  return undo;
}

/** One identity provider's part: its binding back, the flow setup made, its importers and their sync modes. */
function idpUndo(state: RealmState, record: IdpRecord): Removal['undo'] {
  const idp = state.idp;
  if (!idp) return [];
  const undo: Removal['undo'] = [];
  const before = record.firstBrokerLoginBefore;
  if (before !== undefined && idp.firstBrokerLoginFlowBound === record.firstBrokerLoginSetTo && before !== record.firstBrokerLoginSetTo) {
    undo.push({ what: `first login flow of '${idp.alias}': '${idp.firstBrokerLoginFlowBound}' → ${before ? `'${before}'` : "the realm's default"} (as before setup)`, op: { kind: 'bind-first-broker-login', flow: before } });
  }
  if (record.flowCreated && state.flows.includes(record.flowCreated)) undo.push({ what: `delete flow '${record.flowCreated}' (unless another identity provider uses it)`, op: { kind: 'delete-flow', flow: record.flowCreated } });
  for (const id of record.mappersCreated) {
    const mapper = state.mappers.find((m) => m.id === id);
    if (mapper) undo.push({ what: `delete mapper '${mapper.name}'`, op: { kind: 'delete-idp-mapper', id, name: mapper.name } });
  }
  for (const [id, syncMode] of Object.entries(record.mapperSyncModesBefore)) {
    const mapper = state.mappers.find((m) => m.id === id);
    if (mapper && !record.mappersCreated.includes(id)) undo.push({ what: `mapper '${mapper.name}': sync mode back to ${syncMode}`, op: { kind: 'restore-mapper-sync-mode', id, name: mapper.name, syncMode } });
  }
  return undo;
}

/**
 * Carries the removal out, in order; returns what it skipped and why (a flow another identity provider uses). Errors:
 * an OperationError naming the step and Keycloak's URL.
 */
export async function applyRemoval(api: KcAdminClient, realm: string, idp: string, removal: Removal): Promise<string[]> {
  const skipped: string[] = [];
  for (const { what, op } of removal.undo) {
    try {
      const note = await undoOne(api, realm, idp, op);
      if (note) skipped.push(note);
    } catch (err) {
      throw new OperationError('Keycloak', `setup --remove: ${what} in realm '${realm}'`, api.baseUrl, err, 'run setup --remove again: what is done is skipped');
    }
  }
  return skipped;
}

async function undoOne(api: KcAdminClient, realm: string, idp: string, op: Undo): Promise<string | void> {
  const auth = api.authenticationManagement;
  switch (op.kind) {
    case 'unregister-step':
      return auth.deleteRequiredAction({ realm, alias: PLUGIN.step });
    case 'disable-step': {
      const rep = (await auth.getRequiredActionForAlias({ realm, alias: PLUGIN.step })) as Record<string, unknown>;
      return auth.updateRequiredAction({ realm, alias: PLUGIN.step }, { ...rep, enabled: false });
    }
    case 'remove-event-listener': {
      const listeners = (await api.realms.findOne({ realm }))?.eventsListeners ?? [];
      return updateRealm(api, realm, { eventsListeners: listeners.filter((l) => l !== op.listener) });
    }
    case 'bind-first-broker-login': {
      const rep = await api.identityProviders.findOne({ realm, alias: idp });
      if (rep) await api.identityProviders.update({ realm, alias: idp }, { ...rep, firstBrokerLoginFlowAlias: op.flow });
      return;
    }
    case 'delete-flow': {
      // Keycloak refuses to delete a flow an identity provider or the realm still names: one an admin bound elsewhere stays
      const users = (await api.identityProviders.find({ realm })).filter((p) => p.firstBrokerLoginFlowAlias === op.flow || p.postBrokerLoginFlowAlias === op.flow).map((p) => `identity provider '${p.alias}'`);
      const rep = ((await api.realms.findOne({ realm })) ?? {}) as Record<string, unknown>;
      const bindings = REALM_FLOW_BINDINGS.filter((b) => rep[b] === op.flow).map((b) => `the realm's ${b}`);
      if (users.length || bindings.length) return `flow '${op.flow}' stays: ${[...users, ...bindings].join(', ')} use${users.length + bindings.length === 1 ? 's' : ''} it`;
      const flow = (await auth.getFlows({ realm })).find((f) => f.alias === op.flow);
      if (flow?.id) await auth.deleteFlow({ realm, flowId: flow.id });
      return;
    }
    case 'delete-idp-mapper':
      return api.identityProviders.delMapper({ realm, alias: idp, id: op.id });
    case 'restore-mapper-sync-mode': {
      const mapper = await api.identityProviders.findOneMapper({ realm, alias: idp, id: op.id });
      // only while it is as setup left it: a sync mode an admin chose since is theirs
      if (mapper && mapper.config?.syncMode !== FORCE) return `mapper '${op.name}' keeps sync mode ${String(mapper.config?.syncMode)} (changed since setup)`;
      if (mapper) await api.identityProviders.updateMapper({ realm, alias: idp, id: op.id }, { ...mapper, config: { ...mapper.config, syncMode: op.syncMode } });
      return;
    }
    case 'delete-client':
      return api.clients.del({ realm, id: op.id });
    case 'revoke-roles':
      return revoke(api, realm, op.id, op.roles);
    case 'forget-idp': {
      const record = parseRecord((await api.realms.findOne({ realm }))?.attributes?.[SETUP_RECORD_ATTRIBUTE]);
      const { [op.idp]: _gone, ...idps } = record.idps;
      return writeRecord(api, realm, { ...record, idps });
    }
    case 'forget-record':
      return writeRecord(api, realm, undefined);
  }
}

/** Takes realm-management roles back from a client's service account (those it no longer has are skipped). */
async function revoke(api: KcAdminClient, realm: string, clientUuid: string, roles: string[]): Promise<void> {
  const [management] = await api.clients.find({ realm, clientId: REALM_MANAGEMENT, search: false });
  if (!management?.id) return;
  const user = await api.clients.getServiceAccountUser({ realm, id: clientUuid });
  const held = await api.users.listClientRoleMappings({ realm, id: user.id ?? '', clientUniqueId: management.id });
  const taken = held.filter((r) => r.name && roles.includes(r.name)).map((r) => ({ id: r.id ?? '', name: r.name ?? '' }));
  if (taken.length) await api.users.delClientRoleMappings({ realm, id: user.id ?? '', clientUniqueId: management.id, roles: taken });
}
