import type KcAdminClient from '@keycloak/keycloak-admin-client';

import { OperationError } from '../errors/operation-error';
import { Op, opsInOrder, Plan } from './model';
import { intended, recorded, SETUP_RECORD_ATTRIBUTE, SetupRecord, serializeRecord, withIdp } from './record';
import { PLUGIN, PROFILE_GROUPS, REALM_MANAGEMENT } from './wiring';

/** What a real run did. */
export interface Applied {
  /** the operations carried out, in order */
  done: Op[];
  record: SetupRecord;
  /** the secret of a client setup created (the bridge's): shown once, never stored by setup */
  clientSecret?: { clientId: string; secret: string };
}

/** Apply stopped part-way (Keycloak refused or failed an operation): what was done is in the realm's setup record. */
export class SetupApplyError extends Error {
  override readonly name = 'SetupApplyError';
  constructor(
    readonly done: Op[],
    readonly failed: Op,
    options: ErrorOptions,
    /** the secret of a client created before the stop (shown once, as after a whole run) */
    readonly clientSecret?: Applied['clientSecret'],
    /** the record could not be saved either: what was done is listed here only */
    recordFailure?: Error,
  ) {
    const cause = (options.cause as Error).message.replace(/\.+$/, '');
    const undo = recordFailure && !done.length
      ? 'Nothing was changed'
      : recordFailure
      ? `The setup record could not be saved either (${recordFailure.message.replace(/\.+$/, '')}): --remove will not know of ${done.length ? `these changes: ${done.map((o) => o.kind).join(', ')}` : 'anything'}; take them out by hand or run setup again once Keycloak answers`
      : 'What was done is recorded in the realm: run setup again to finish, or setup --remove to take it out';
    super(`setup stopped at '${failed.kind}' after ${done.length} change(s): ${cause}. ${undo}`, options);
  }
}

/**
 * Carries out a plan that has no conflict, in OP_ORDER. The setup record is saved in the realm before an operation
 * that creates something it can name (a client) and after every operation, so a run stopped anywhere (Keycloak gone,
 * kill -9) leaves a record --remove can undo from. Never called with a conflicting plan (setup-command.ts checks first).
 */
export async function applyPlan(api: KcAdminClient, plan: Plan, record: SetupRecord): Promise<Applied> {
  const realm = plan.realm;
  const done: Op[] = [];
  let clientSecret: Applied['clientSecret'];
  let current = record;
  const save = async (next: SetupRecord): Promise<void> => {
    if (serializeRecord(next) !== serializeRecord(current)) await writeRecord(api, realm, next);
    current = next;
  };
  for (const op of opsInOrder(plan)) {
    let ran: { id?: string } | undefined;
    try {
      // the provider is in the record from the first change on: --remove counts it among those using the shared part
      await save(intended(withIdp(current, plan.idp), op));
      ran = (await run(api, realm, plan.idp, op, (secret) => (clientSecret = secret))) ?? {};
      await save(recorded(current, plan.idp, op, ran.id));
      done.push(op);
    } catch (err) {
      // an operation that ran but could not be recorded is among the changes made, and the record saved on the way out
      const last = ran ? recorded(current, plan.idp, op, ran.id) : current;
      throw await stopped(api, realm, last, ran ? [...done, op] : done, op, err, clientSecret);
    }
  }
  return { done, record: current, clientSecret };
}

/** The error of a run stopped at `op`: the record is saved once more (it may be what failed), and a failure to save it is said. */
async function stopped(api: KcAdminClient, realm: string, record: SetupRecord, done: Op[], op: Op, err: unknown, secret: Applied['clientSecret']): Promise<SetupApplyError> {
  const recordFailure = await writeRecord(api, realm, record).then(() => undefined, (e: unknown) => e as Error);
  return new SetupApplyError(done, op, { cause: new OperationError('Keycloak', `${op.kind} in realm '${realm}'`, api.baseUrl, err) }, secret, recordFailure);
}

/** Stores the setup record in the realm's attributes, or (undefined) takes it out. */
export async function writeRecord(api: KcAdminClient, realm: string, record: SetupRecord | undefined): Promise<void> {
  await updateRealm(api, realm, { attributes: { [SETUP_RECORD_ATTRIBUTE]: record && serializeRecord(record) } });
}

/**
 * A partial update of the realm: only the fields given change. Keycloak 26.7 takes a realm update's `attributes` as
 * the whole set (an attribute it does not name is removed, e.g. the OTP policy's `realmReusableOtpCode`), so attributes
 * are merged into the set read just before; an attribute given as undefined is removed.
 */
export async function updateRealm(api: KcAdminClient, realm: string, changes: { eventsListeners?: string[]; attributes?: Record<string, string | undefined> }): Promise<void> {
  const { attributes, ...rest } = changes;
  if (!attributes) return api.realms.update({ realm }, rest);
  const current = (await api.realms.findOne({ realm }))?.attributes ?? {};
  const merged = Object.fromEntries(Object.entries({ ...current, ...attributes }).filter((e): e is [string, string] => e[1] !== undefined));
  await api.realms.update({ realm }, { ...rest, attributes: merged });
}

/**
 * One operation. `created`: a client's secret, told as soon as the client exists (before its roles are granted), so a
 * stop after it still shows the secret once.
 */
async function run(api: KcAdminClient, realm: string, idp: string, op: Op, created: (secret: Applied['clientSecret']) => void): Promise<{ id?: string } | undefined> {
  const auth = api.authenticationManagement;
  switch (op.kind) {
    case 'add-event-listener': {
      const listeners = (await api.realms.findOne({ realm }))?.eventsListeners ?? [];
      if (!listeners.includes(op.listener)) await updateRealm(api, realm, { eventsListeners: [...listeners, op.listener] });
      return undefined;
    }
    case 'declare-profile-attributes': {
      const profile = await api.users.getProfile({ realm });
      const attributes = [...(profile.attributes ?? []), ...op.attributes.filter((a) => !profile.attributes?.some((d) => d.name === a.name))];
      const groups = [...(profile.groups ?? []), ...PROFILE_GROUPS.filter((g) => !profile.groups?.some((d) => d.name === g.name))];
      await api.users.updateProfile({ realm, ...profile, attributes, groups });
      return undefined;
    }
    case 'create-idp-mapper':
      return api.identityProviders.createMapper({ realm, alias: idp, identityProviderMapper: { ...op.mapper, identityProviderAlias: idp } });
    case 'set-mapper-sync-mode': {
      const mapper = await api.identityProviders.findOneMapper({ realm, alias: idp, id: op.id });
      if (!mapper) throw new Error(`mapper '${op.name}' is gone`);
      await api.identityProviders.updateMapper({ realm, alias: idp, id: op.id }, { ...mapper, config: { ...mapper.config, syncMode: op.syncMode } });
      return undefined;
    }
    case 'create-saml-client':
      return api.clients.create({ realm, ...op.client });
    case 'create-bridge-client': {
      const { id } = await api.clients.create({
        realm, clientId: op.clientId, name: 'BMS provisioning bridge', description: "Service account of the BMS provisioning bridge (created by bridge setup)",
        protocol: 'openid-connect', publicClient: false, clientAuthenticatorType: 'client-secret', serviceAccountsEnabled: true,
        standardFlowEnabled: false, implicitFlowEnabled: false, directAccessGrantsEnabled: false,
      });
      created({ clientId: op.clientId, secret: (await api.clients.getClientSecret({ realm, id })).value ?? '' });
      await grant(api, realm, op.clientId, op.roles);
      return { id };
    }
    case 'grant-bridge-roles':
      await grant(api, realm, op.clientId, op.roles);
      return undefined;
    case 'copy-flow':
      await auth.copyFlow({ realm, flow: op.from, newName: op.to });
      return undefined;
    case 'add-attributes-step':
      await addAttributesStep(api, realm, op.flow, op.requiredAttributes);
      return undefined;
    case 'bind-first-broker-login': {
      const rep = await api.identityProviders.findOne({ realm, alias: idp });
      if (!rep) throw new Error(`identity provider '${idp}' is gone`);
      await api.identityProviders.update({ realm, alias: idp }, { ...rep, firstBrokerLoginFlowAlias: op.flow });
      return undefined;
    }
    case 'register-step':
      await auth.registerRequiredAction({ realm, providerId: PLUGIN.step, name: PLUGIN.stepName });
      return undefined;
    case 'configure-step':
      // Keycloak runs the plugin's check on this endpoint: a bad URL, secret or gated client is refused, naming it
      await auth.updateRequiredActionConfig({ realm, alias: PLUGIN.step }, { config: op.settings });
      return undefined;
    case 'enable-step': {
      const rep = (await auth.getRequiredActionForAlias({ realm, alias: PLUGIN.step })) as Record<string, unknown>;
      await auth.updateRequiredAction({ realm, alias: PLUGIN.step }, { ...rep, enabled: true });
      return undefined;
    }
  }
}

/** Grants realm-management roles to a client's service account. */
async function grant(api: KcAdminClient, realm: string, clientId: string, roles: string[]): Promise<void> {
  const [client] = await api.clients.find({ realm, clientId, search: false });
  const [management] = await api.clients.find({ realm, clientId: REALM_MANAGEMENT, search: false });
  if (!client?.id || !management?.id) throw new Error(`client '${clientId}' or '${REALM_MANAGEMENT}' not found`);
  const user = await api.clients.getServiceAccountUser({ realm, id: client.id });
  const reps = await Promise.all(roles.map(async (roleName) => {
    const role = await api.clients.findRole({ realm, id: management.id ?? '', roleName });
    if (!role?.id) throw new Error(`realm-management has no role '${roleName}'`);
    return { id: role.id, name: roleName };
  }));
  await api.users.addClientRoleMappings({ realm, id: user.id ?? '', clientUniqueId: management.id, roles: reps });
}

/** Adds the plugin's step to a flow: required, first, with the attributes it requires. */
async function addAttributesStep(api: KcAdminClient, realm: string, flow: string, requiredAttributes: string): Promise<void> {
  const auth = api.authenticationManagement;
  await auth.addExecutionToFlow({ realm, flow, provider: PLUGIN.requireAttributes });
  const find = async () => (await auth.getExecutions({ realm, flow })).find((e) => e.level === 0 && e.providerId === PLUGIN.requireAttributes);
  const added = await find();
  if (!added?.id) throw new Error(`the step added to flow '${flow}' is not listed`);
  await auth.updateExecution({ realm, flow }, { ...added, requirement: 'REQUIRED' });
  await auth.createConfig({ realm, id: added.id, alias: `${flow} required attributes`, config: { 'required.attributes': requiredAttributes } });
  // to the top: one place up per call (Keycloak has no "move to")
  for (let step = await find(); step?.id && (step.index ?? 0) > 0; step = await find()) await auth.raisePriorityExecution({ realm, id: step.id });
}
