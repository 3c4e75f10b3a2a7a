import { z } from 'zod';

import { Op } from './model';

/**
 * What setup added or re-bound in a realm, kept in the realm itself (a realm attribute), so `setup --remove` can undo
 * it from any machine, with any copy of the bridge, long after. It holds names, ids and earlier bindings, never a secret.
 */
export const SETUP_RECORD_ATTRIBUTE = 'bms.setup';

const recordSchema = z.object({
  version: z.literal(1),
  idp: z.string(),
  /** the event listener was added by setup */
  listenerAdded: z.boolean().default(false),
  /** ids of the identity-provider mappers setup created */
  mappersCreated: z.array(z.string()).default([]),
  /** mapper id → the sync mode it had before setup changed it */
  mapperSyncModesBefore: z.record(z.string(), z.string()).default({}),
  /** the first-broker-login flow setup created, and the flow the identity provider used before */
  flowCreated: z.string().optional(),
  firstBrokerLoginBefore: z.string().optional(),
  /** the flow setup bound (re-bound on --remove only while it is still bound: a later choice of the admin's stays) */
  firstBrokerLoginSetTo: z.string().optional(),
  /** client ids of the clients setup created */
  clientsCreated: z.array(z.string()).default([]),
  /** the BMS provisioning required action was registered by setup */
  stepRegistered: z.boolean().default(false),
  /** user-profile attributes setup declared (never taken out: they hold users' data) */
  profileAttributesAdded: z.array(z.string()).default([]),
});

/** The record's shape (the realm attribute's JSON). */
export type SetupRecord = z.infer<typeof recordSchema>;

/** An empty record for a realm and identity provider. */
export function emptyRecord(idp: string): SetupRecord {
  return recordSchema.parse({ version: 1, idp });
}

/** The record stored in the realm; an Error naming the attribute when it is not one of ours (edited by hand). */
export function parseRecord(stored: string | undefined, idp: string): SetupRecord {
  if (!stored) return emptyRecord(idp);
  let json: unknown;
  try {
    json = JSON.parse(stored);
  } catch {
    throw new Error(`the realm attribute '${SETUP_RECORD_ATTRIBUTE}' (what setup added) is not JSON: it was changed by hand; restore it from a realm export, or delete it and undo setup by hand (README, "Installing by hand")`);
  }
  const parsed = recordSchema.safeParse(json);
  if (!parsed.success) throw new Error(`the realm attribute '${SETUP_RECORD_ATTRIBUTE}' is not a setup record (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
  return parsed.data;
}

/** The record after an operation was carried out (created: the id Keycloak gave what it created, when it matters). */
export function recorded(record: SetupRecord, op: Op, created?: string): SetupRecord {
  const add = (list: string[], value: string | undefined): string[] => (value && !list.includes(value) ? [...list, value] : list);
  switch (op.kind) {
    case 'add-event-listener':
      return { ...record, listenerAdded: true };
    case 'declare-profile-attributes':
      return { ...record, profileAttributesAdded: op.attributes.reduce((l, a) => add(l, a.name), record.profileAttributesAdded) };
    case 'create-idp-mapper':
      return { ...record, mappersCreated: add(record.mappersCreated, created) };
    case 'set-mapper-sync-mode':
      // the first earlier value is the one to restore
      return { ...record, mapperSyncModesBefore: { [op.id]: op.before, ...record.mapperSyncModesBefore } };
    case 'create-saml-client':
      return { ...record, clientsCreated: add(record.clientsCreated, op.client.clientId) };
    case 'create-bridge-client':
      return { ...record, clientsCreated: add(record.clientsCreated, op.clientId) };
    case 'copy-flow':
      return { ...record, flowCreated: op.to };
    case 'bind-first-broker-login':
      return { ...record, firstBrokerLoginBefore: record.firstBrokerLoginBefore ?? op.before, firstBrokerLoginSetTo: op.flow };
    case 'register-step':
      return { ...record, stepRegistered: true };
    default:
      return record;
  }
}

/** The record as the realm attribute stores it. */
export const serializeRecord = (record: SetupRecord): string => JSON.stringify(record);
