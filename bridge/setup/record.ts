import { z } from 'zod';

import { Op } from './model';

/**
 * What setup added or re-bound in a realm, kept in the realm itself (a realm attribute), so `setup --remove` can undo
 * it from any machine, with any copy of the bridge, long after. It holds names, ids and earlier bindings, never a
 * secret. What belongs to one identity provider (its importers, its first-broker-login flow) is kept per provider;
 * what the realm shares (the step, the listener, the clients) once, and taken out with the last provider.
 */
export const SETUP_RECORD_ATTRIBUTE = 'bms.setup';

const idpRecordSchema = z.object({
  /** ids of the identity-provider mappers setup created */
  mappersCreated: z.array(z.string()).default([]),
  /** mapper id → the sync mode it had before setup changed it */
  mapperSyncModesBefore: z.record(z.string(), z.string()).default({}),
  /** the first-broker-login flow setup created, and the flow the identity provider used before */
  flowCreated: z.string().optional(),
  firstBrokerLoginBefore: z.string().optional(),
  /** the flow setup bound (re-bound on --remove only while it is still bound: a later choice of the admin's stays) */
  firstBrokerLoginSetTo: z.string().optional(),
});

const recordSchema = z.object({
  version: z.literal(2),
  /** the event listener was added by setup */
  listenerAdded: z.boolean().default(false),
  /** client ids of the clients setup created (recorded before each is created: --remove skips one that is not there) */
  clientsCreated: z.array(z.string()).default([]),
  /** client id → realm-management roles setup granted to a service account that existed before setup */
  rolesGranted: z.record(z.string(), z.array(z.string())).default({}),
  /** the BMS provisioning required action was registered by setup */
  stepRegistered: z.boolean().default(false),
  /** setup switched on a step that was there before, switched off */
  stepEnabled: z.boolean().default(false),
  /** setup changed the settings of a step that was there before (the earlier ones are not kept: they hold a secret) */
  stepSettingsChanged: z.boolean().default(false),
  /** user-profile attributes setup declared (never taken out: they hold users' data) */
  profileAttributesAdded: z.array(z.string()).default([]),
  /** per identity provider alias */
  idps: z.record(z.string(), idpRecordSchema).default({}),
});

/** The record's shape (the realm attribute's JSON). */
export type SetupRecord = z.infer<typeof recordSchema>;
/** What setup did for one identity provider. */
export type IdpRecord = z.infer<typeof idpRecordSchema>;

/** An empty record. */
export function emptyRecord(): SetupRecord {
  return recordSchema.parse({ version: 2 });
}

/** The record with identity provider `idp` among those setup wired (an empty part when it did nothing of its own yet). */
export const withIdp = (record: SetupRecord, idp: string): SetupRecord => (record.idps[idp] ? record : { ...record, idps: { ...record.idps, [idp]: idpRecordSchema.parse({}) } });

/** The record's part for one identity provider (empty when setup did nothing for it). */
export const idpRecordOf = (record: SetupRecord, idp: string): IdpRecord => record.idps[idp] ?? idpRecordSchema.parse({});

/** The record stored in the realm; an Error naming the attribute when it is not one of ours (edited by hand). */
export function parseRecord(stored: string | undefined): SetupRecord {
  if (!stored) return emptyRecord();
  let json: unknown;
  try {
    json = JSON.parse(stored);
  } catch {
    throw new Error(`the realm attribute '${SETUP_RECORD_ATTRIBUTE}' (what setup added) is not JSON: it was changed by hand; restore it from a realm export, or delete it and undo setup by hand (README, "Installing by hand")`);
  }
  const parsed = recordSchema.safeParse(fromVersion1(json));
  if (!parsed.success) throw new Error(`the realm attribute '${SETUP_RECORD_ATTRIBUTE}' is not a setup record (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
  return parsed.data;
}

const add = (list: string[], ...values: (string | undefined)[]): string[] => values.reduce<string[]>((l, v) => (v && !l.includes(v) ? [...l, v] : l), list);

/**
 * The record before an operation runs: what it is about to create, when that can be named beforehand (a client by its
 * client id), so a setup stopped between the create and the next write (kill -9, Keycloak gone) still lets --remove
 * find it. Everything else is recorded after the operation (`recorded`).
 */
export function intended(record: SetupRecord, op: Op): SetupRecord {
  if (op.kind === 'create-saml-client') return { ...record, clientsCreated: add(record.clientsCreated, op.client.clientId) };
  if (op.kind === 'create-bridge-client') return { ...record, clientsCreated: add(record.clientsCreated, op.clientId) };
  return record;
}

/**
 * The record after an operation was carried out for identity provider `idp` (created: the id Keycloak gave what it
 * created, when it matters; stepExisted: the step was registered before this run).
 */
export function recorded(record: SetupRecord, idp: string, op: Op, created?: string): SetupRecord {
  const forIdp = (change: (r: IdpRecord) => IdpRecord): SetupRecord => ({ ...record, idps: { ...record.idps, [idp]: change(idpRecordOf(record, idp)) } });
  switch (op.kind) {
    case 'add-event-listener':
      return { ...record, listenerAdded: true };
    case 'declare-profile-attributes':
      return { ...record, profileAttributesAdded: add(record.profileAttributesAdded, ...op.attributes.map((a) => a.name)) };
    case 'create-idp-mapper':
      return forIdp((r) => ({ ...r, mappersCreated: add(r.mappersCreated, created) }));
    case 'set-mapper-sync-mode':
      // the first earlier value is the one to restore
      return forIdp((r) => ({ ...r, mapperSyncModesBefore: { [op.id]: op.before, ...r.mapperSyncModesBefore } }));
    case 'create-saml-client':
    case 'create-bridge-client':
      return intended(record, op);
    case 'grant-bridge-roles':
      return record.clientsCreated.includes(op.clientId) ? record : { ...record, rolesGranted: { ...record.rolesGranted, [op.clientId]: add(record.rolesGranted[op.clientId] ?? [], ...op.roles) } };
    case 'copy-flow':
      return forIdp((r) => ({ ...r, flowCreated: op.to }));
    case 'bind-first-broker-login':
      return forIdp((r) => ({ ...r, firstBrokerLoginBefore: r.firstBrokerLoginBefore ?? op.before, firstBrokerLoginSetTo: op.flow }));
    case 'register-step':
      return { ...record, stepRegistered: true };
    case 'configure-step':
      return record.stepRegistered ? record : { ...record, stepSettingsChanged: true };
    case 'enable-step':
      return record.stepRegistered ? record : { ...record, stepEnabled: true };
    default:
      return record;
  }
}

/** The record as the realm attribute stores it. */
export const serializeRecord = (record: SetupRecord): string => JSON.stringify(record);

/**
 * A record of the first format (version 1: one identity provider's fields at the top, from the first build of setup)
 * in today's shape; anything else as it is.
 */
function fromVersion1(json: unknown): unknown {
  if (typeof json !== 'object' || json === null || (json as { version?: unknown }).version !== 1) return json;
  const { idp, mappersCreated, mapperSyncModesBefore, flowCreated, firstBrokerLoginBefore, firstBrokerLoginSetTo, version: _v1, ...shared } = json as Record<string, unknown>;
  if (typeof idp !== 'string') return json;
  return { ...shared, version: 2, idps: { [idp]: { mappersCreated, mapperSyncModesBefore, flowCreated, firstBrokerLoginBefore, firstBrokerLoginSetTo } } };
}
