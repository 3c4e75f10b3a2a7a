import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type RealmRepresentation from '@keycloak/keycloak-admin-client/lib/defs/realmRepresentation';
import { Webhook } from 'standardwebhooks';

import type { ConvergeStack } from './converge-id-stack';
import { eventually } from './eventually';

/**
 * What the converge tests do to Keycloak and the bridge besides signing people in: the defaults mapper's policies,
 * realm settings, users made through the admin API, and signed login webhooks sent as the plugin sends them.
 */

/** The identity provider's "BMS employee defaults" mapper. */
async function defaultsMapper(admin: KcAdminClient, realm: string) {
  const mapper = (await admin.identityProviders.findMappers({ realm, alias: 'passly' })).find((m) => m.identityProviderMapper === 'bms-employee-defaults');
  if (!mapper?.id) throw new Error(`realm ${realm} has no BMS employee defaults mapper`);
  return mapper as typeof mapper & { id: string };
}

/** Waits until the tap has passed a `rules.changed` to the bridge after `seen` earlier ones, and the bridge took it. */
async function rulesChangedAfter(stack: ConvergeStack, seen: number): Promise<void> {
  await eventually(() => {
    const changes = stack.tap.deliveries.filter((d) => d.type === 'rules.changed');
    return changes.length > seen && changes.slice(seen).every((d) => d.status >= 200 && d.status < 300);
  }, 'the bridge to receive rules.changed for the mapper change', 15_000);
}

/**
 * Runs the work with settings of the defaults mapper changed (e.g. `bms.rehire.policy`), and puts them back. Both
 * changes wait until the bridge has been told (the listener's `rules.changed`), so no stale rule cache is used.
 */
export async function withDefaults<T>(admin: KcAdminClient, stack: ConvergeStack, changes: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const mapper = await defaultsMapper(admin, stack.realm);
  const before = { ...(mapper.config ?? {}) } as Record<string, string>;
  const update = async (config: Record<string, string>): Promise<void> => {
    const seen = stack.tap.deliveries.filter((d) => d.type === 'rules.changed').length;
    await admin.identityProviders.updateMapper({ realm: stack.realm, alias: 'passly', id: mapper.id }, { ...mapper, config });
    await rulesChangedAfter(stack, seen);
  };
  await update({ ...before, ...changes });
  try {
    return await work();
  } finally {
    await update(before);
  }
}

/** Runs the work with realm settings changed, and puts them back. */
export async function withRealmSettings<T>(admin: KcAdminClient, realm: string, changes: Partial<RealmRepresentation>, work: () => Promise<T>): Promise<T> {
  const current = await admin.realms.findOne({ realm });
  const before = Object.fromEntries(Object.keys(changes).map((k) => [k, (current as Record<string, unknown> | undefined)?.[k]])) as Partial<RealmRepresentation>;
  await admin.realms.update({ realm }, changes);
  try {
    return await work();
  } finally {
    await admin.realms.update({ realm }, before);
  }
}

export interface DirectoryFacts {
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  domain: string;
  groups: string[];
}

/**
 * A broker-realm user made through the admin API with what Passly would have imported; `marked` sets the plugin's
 * `bms_provisioning_requested_at` (a login asked for provisioning), so the sweep looks at them.
 */
export async function createBrokerUser(admin: KcAdminClient, realm: string, facts: DirectoryFacts, marked: boolean): Promise<string> {
  const { id } = await admin.users.create({
    realm,
    username: facts.username,
    email: facts.email,
    emailVerified: true,
    firstName: facts.firstName,
    lastName: facts.lastName,
    enabled: true,
    attributes: {
      upn: [facts.email],
      ad_domain: [facts.domain],
      ad_groups: facts.groups,
      ...(marked ? { bms_provisioning_requested_at: [new Date().toISOString()] } : {}),
    },
  });
  return id;
}

/** A login webhook as the plugin's step sends it; `send` can be called again with the same webhook-id (a retry). */
export interface LoginWebhook {
  webhookId: string;
  send(): Promise<{ status: number; replay: boolean; answer: { status?: string; employeeId?: number; message?: string } }>;
}

export function loginWebhook(stack: ConvergeStack, userId: string, facts: DirectoryFacts, firstLogin = true): LoginWebhook {
  const signer = new Webhook(stack.webhookSecret);
  const webhookId = `msg_converge_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const body = JSON.stringify({
    type: 'login.provisioning_requested',
    eventId: webhookId,
    realm: stack.realm,
    idpAlias: 'passly',
    clientId: stack.portalUrl,
    user: { id: userId, username: facts.username, subject: facts.username, email: facts.email, firstName: facts.firstName, lastName: facts.lastName, upn: facts.email, domain: facts.domain, groups: facts.groups },
    firstLogin,
    time: new Date().toISOString(),
  });
  return {
    webhookId,
    send: async () => {
      const now = new Date();
      const res = await fetch(`${stack.bridge.url}/webhooks/keycloak`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': webhookId, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signer.sign(webhookId, now, body) },
        body,
      });
      return { status: res.status, replay: res.headers.get('webhook-replay') === 'true', answer: (await res.json()) as { status?: string; employeeId?: number; message?: string } };
    },
  };
}

/** Waits until none of the user's jobs is waiting or running (the bridge's store, read in this process). */
export async function settled(stack: ConvergeStack, userId: string, what: string, timeoutMs = 15_000): Promise<void> {
  await eventually(async () => {
    const jobs = await stack.bridge.store.jobs.list({ userId, limit: 1000 });
    return jobs.every((j) => j.state === 'done' || j.state === 'dead');
  }, `${what}: the bridge to finish the user's jobs`, timeoutMs);
}
