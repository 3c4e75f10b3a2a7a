import type KcAdminClient from '@keycloak/keycloak-admin-client';

import { OperationError } from '../errors/operation-error';
import { updateRealm, writeRecord } from './apply';
import { RealmState } from './realm-state';
import { parseRecord } from './record';
import { PLUGIN } from './wiring';

/** One thing --remove undoes. */
export type Undo =
  | { kind: 'unregister-step' }
  | { kind: 'remove-event-listener'; listener: string }
  | { kind: 'bind-first-broker-login'; flow: string }
  | { kind: 'delete-flow'; flow: string }
  | { kind: 'delete-idp-mapper'; id: string; name: string }
  | { kind: 'restore-mapper-sync-mode'; id: string; name: string; syncMode: string }
  | { kind: 'delete-client'; clientId: string; id: string }
  | { kind: 'forget-record' };

/** What --remove will do, each with its words, and what it leaves on purpose. */
export interface Removal {
  undo: { what: string; op: Undo }[];
  left: string[];
}

/**
 * What setup added, from the realm's setup record, against the realm as it is now (something an admin already took out
 * is skipped). Order: the gate first (so no sign-in meets half-removed wiring), the listener, the flow binding, then
 * what nothing points at any more. Users, their attributes and the user-profile declarations stay.
 */
export function planRemoval(state: RealmState): Removal {
  const record = parseRecord(state.record, state.idp?.alias ?? '');
  const undo: Removal['undo'] = [];
  if (record.stepRegistered && state.step) undo.push({ what: `unregister required action '${PLUGIN.stepName}' (with its settings)`, op: { kind: 'unregister-step' } });
  if (record.listenerAdded && state.eventsListeners.includes(PLUGIN.listener)) undo.push({ what: `remove event listener '${PLUGIN.listener}' (the others stay)`, op: { kind: 'remove-event-listener', listener: PLUGIN.listener } });
  const before = record.firstBrokerLoginBefore;
  if (state.idp && before !== undefined && state.idp.firstBrokerLoginFlowBound === record.firstBrokerLoginSetTo && before !== record.firstBrokerLoginSetTo) {
    undo.push({ what: `first login flow of '${state.idp.alias}': '${state.idp.firstBrokerLoginFlowBound}' → ${before ? `'${before}'` : "the realm's default"} (as before setup)`, op: { kind: 'bind-first-broker-login', flow: before } });
  }
  if (record.flowCreated && state.flows.includes(record.flowCreated)) undo.push({ what: `delete flow '${record.flowCreated}'`, op: { kind: 'delete-flow', flow: record.flowCreated } });
  for (const id of record.mappersCreated) {
    const mapper = state.mappers.find((m) => m.id === id);
    if (mapper) undo.push({ what: `delete mapper '${mapper.name}'`, op: { kind: 'delete-idp-mapper', id, name: mapper.name } });
  }
  for (const [id, syncMode] of Object.entries(record.mapperSyncModesBefore)) {
    const mapper = state.mappers.find((m) => m.id === id);
    if (mapper && !record.mappersCreated.includes(id)) undo.push({ what: `mapper '${mapper.name}': sync mode back to ${syncMode}`, op: { kind: 'restore-mapper-sync-mode', id, name: mapper.name, syncMode } });
  }
  for (const clientId of record.clientsCreated) {
    const client = state.clients[clientId];
    if (client) undo.push({ what: `delete client '${clientId}'`, op: { kind: 'delete-client', clientId, id: client.id } });
  }
  if (state.record) undo.push({ what: 'forget the setup record (realm attribute)', op: { kind: 'forget-record' } });
  const left = ['users and their attributes', ...(record.profileAttributesAdded.length ? [`user-profile attributes ${record.profileAttributesAdded.join(', ')} (they hold users' data; take them out in Realm settings → User profile if you want to)`] : [])];
  return { undo, left };
}

/** Carries the removal out, in order. Errors: an OperationError naming the step and Keycloak's URL. */
export async function applyRemoval(api: KcAdminClient, realm: string, idp: string, removal: Removal): Promise<void> {
  for (const { what, op } of removal.undo) {
    try {
      await undoOne(api, realm, idp, op);
    } catch (err) {
      throw new OperationError('Keycloak', `setup --remove: ${what} in realm '${realm}'`, api.baseUrl, err, 'run setup --remove again: what is done is skipped');
    }
  }
}

async function undoOne(api: KcAdminClient, realm: string, idp: string, op: Undo): Promise<void> {
  switch (op.kind) {
    case 'unregister-step':
      return api.authenticationManagement.deleteRequiredAction({ realm, alias: PLUGIN.step });
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
      const flow = (await api.authenticationManagement.getFlows({ realm })).find((f) => f.alias === op.flow);
      if (flow?.id) await api.authenticationManagement.deleteFlow({ realm, flowId: flow.id });
      return;
    }
    case 'delete-idp-mapper':
      return api.identityProviders.delMapper({ realm, alias: idp, id: op.id });
    case 'restore-mapper-sync-mode': {
      const mapper = await api.identityProviders.findOneMapper({ realm, alias: idp, id: op.id });
      if (mapper) await api.identityProviders.updateMapper({ realm, alias: idp, id: op.id }, { ...mapper, config: { ...mapper.config, syncMode: op.syncMode } });
      return;
    }
    case 'delete-client':
      return api.clients.del({ realm, id: op.id });
    case 'forget-record':
      return writeRecord(api, realm, undefined);
  }
}
