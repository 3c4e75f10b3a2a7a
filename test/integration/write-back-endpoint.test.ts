import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type UserRepresentation from '@keycloak/keycloak-admin-client/lib/defs/userRepresentation';

import { newWebhookSecret } from '../stack/webhook-secret';
import { adminClient, unique } from '../support/admin';
import { brokerRealmCopy, RealmCopy } from '../support/broker-realm-copy';
import { stackInfo } from '../support/stack-info';
import { WebhookReceiver } from '../support/webhook-receiver';

// PUT /realms/{realm}/bms-provisioning/users/{userId}/employee-id: the bridge's only way to write bms_employee_id.

const { baseUrl } = stackInfo();
const clientSecret = newWebhookSecret();
let admin: KcAdminClient;
let receiver: WebhookReceiver;
let copy: RealmCopy;
let bridgeToken: string;

async function clientToken(realm: string, clientId: string, secret: string): Promise<string> {
  const res = await fetch(`${baseUrl}/realms/${realm}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }),
  });
  if (res.status !== 200) throw new Error(`token for ${clientId}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

function endpoint(userId: string, realm = copy.realm): string {
  return `${baseUrl}/realms/${realm}/bms-provisioning/users/${encodeURIComponent(userId)}/employee-id`;
}

/** `token` null: no Authorization header at all. */
async function put(userId: string, body: string, token: string | null = bridgeToken, realm?: string): Promise<{ status: number; json: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(endpoint(userId, realm), { method: 'PUT', headers, body });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

async function createUser(extra: UserRepresentation = {}): Promise<string> {
  const username = unique('writeback');
  const { id } = await admin.users.create({
    realm: copy.realm,
    username,
    email: `${username}@contoso.com`,
    firstName: 'Ada',
    lastName: 'Lovelace',
    enabled: true,
    attributes: { upn: [`${username}@contoso.com`], ad_domain: ['contoso.com'] },
    ...extra,
  });
  return id;
}

async function user(id: string): Promise<UserRepresentation> {
  const found = await admin.users.findOne({ realm: copy.realm, id });
  if (!found) throw new Error(`user ${id} not found`);
  return found;
}

/** What a write must leave alone: everything about the user but bms_employee_id. */
function withoutEmployeeId(u: UserRepresentation): UserRepresentation {
  const { bms_employee_id: _id, ...attributes } = u.attributes ?? {};
  return { ...u, attributes };
}

/**
 * Waits until the listener has demonstrably sent something after `since` (an admin change made for that purpose) and
 * returns what arrived since then. Webhooks of one transaction are queued in commit order on two sender threads, so
 * a moment's grace covers one sent just before the fence.
 */
async function deliveriesUpToFence(since: number, fenceUserId: string): Promise<string[]> {
  await admin.users.update({ realm: copy.realm, id: fenceUserId }, { enabled: false });
  await receiver.waitFor((d) => d.body.type === 'user.disabled' && d.body.userId === fenceUserId);
  await new Promise((r) => setTimeout(r, 1000));
  return receiver.deliveries.slice(since).map((d) => `${String(d.body.type)} ${String(d.body.userId)}`);
}

beforeAll(async () => {
  admin = await adminClient();
  receiver = new WebhookReceiver(newWebhookSecret());
  const url = await receiver.start();
  copy = await brokerRealmCopy(admin, baseUrl, 'broker-writeback', {
    BMS_BRIDGE_URL: url,
    BMS_WEBHOOK_SECRET: receiver.secret,
    BRIDGE_KEYCLOAK_CLIENT_SECRET: clientSecret,
  });
  bridgeToken = await clientToken(copy.realm, 'bms-bridge', clientSecret);
});

afterAll(async () => {
  await copy?.cleanup();
  await receiver?.stop();
});

describe('the bms_employee_id write-back endpoint', () => {
  test("the bridge's service account sets and clears bms_employee_id; nothing else changes and no webhook is sent", async () => {
    const id = await createUser({ attributes: { upn: ['ada@contoso.com'], ad_domain: ['contoso.com'], ad_groups: ['BMS-Techs', 'Domain Users'] } });
    const fence = await createUser();
    // disabled just before: a write that re-saved the user from a stale copy would re-enable it
    await admin.users.update({ realm: copy.realm, id }, { enabled: false });
    const disabled = await receiver.waitFor((d) => d.body.type === 'user.disabled' && d.body.userId === id);
    expect(disabled.verified).toBe(true);
    const before = await user(id);
    expect(before.enabled).toBe(false);
    const since = receiver.deliveries.length;

    expect(await put(id, JSON.stringify({ employeeId: 4711 }))).toEqual({ status: 204, json: undefined });
    const set = await user(id);
    expect(set.attributes?.bms_employee_id).toEqual(['4711']);
    expect(withoutEmployeeId(set)).toEqual(before);
    expect(set.enabled).toBe(false);
    expect(set.firstName).toBe('Ada');
    expect(set.attributes?.ad_groups).toEqual(['BMS-Techs', 'Domain Users']);

    expect(await put(id, JSON.stringify({ employeeId: 4712 }))).toEqual({ status: 204, json: undefined });
    expect((await user(id)).attributes?.bms_employee_id).toEqual(['4712']);

    expect(await put(id, JSON.stringify({ employeeId: null }))).toEqual({ status: 204, json: undefined });
    const cleared = await user(id);
    expect(cleared.attributes?.bms_employee_id).toBeUndefined();
    expect(cleared).toEqual(before);
    // clearing what is not there is fine too
    expect((await put(id, JSON.stringify({ employeeId: null }))).status).toBe(204);

    // the listener is alive (the fence's admin disable arrives), and the writes above sent nothing
    expect(await deliveriesUpToFence(since, fence)).toEqual([`user.disabled ${fence}`]);
  });

  test("a user whose other attributes fail the user profile's validation still gets the write", async () => {
    const id = await createUser();
    const profile = await admin.users.getProfile({ realm: copy.realm });
    // a new required attribute the user does not have: any admin save of the user is now refused
    await admin.users.updateProfile({
      realm: copy.realm,
      ...profile,
      attributes: [...(profile.attributes ?? []), { name: 'cost_center', displayName: 'Cost center', required: { roles: ['admin', 'user'] }, permissions: { view: ['admin'], edit: ['admin'] } }],
    });
    try {
      const before = await user(id);
      await expect(admin.users.update({ realm: copy.realm, id }, { ...before, attributes: { ...before.attributes, bms_employee_id: ['1'] } })).rejects.toThrow();
      expect((await put(id, JSON.stringify({ employeeId: 99 }))).status).toBe(204);
      expect((await user(id)).attributes?.bms_employee_id).toEqual(['99']);
    } finally {
      await admin.users.updateProfile({ realm: copy.realm, ...profile });
    }
  });

  test('without a valid token: 401; with a token of another realm: 403', async () => {
    const id = await createUser();
    const [header, payload, signature] = bridgeToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, azp: 'someone-else' })).toString('base64url')}.${signature}`;
    for (const token of [null, '', 'not-a-jwt', forged, `${header}.${payload}.`]) {
      const res = await put(id, JSON.stringify({ employeeId: 1 }), token);
      expect({ token, status: res.status }).toEqual({ token, status: 401 });
      expect(res.json).toEqual({ error: expect.any(String) });
    }
    // a token of another realm's client is not accepted here either
    const other = await brokerRealmCopy(admin, baseUrl, 'broker-writeback-other', { BRIDGE_KEYCLOAK_CLIENT_SECRET: clientSecret });
    try {
      const foreign = await clientToken(other.realm, 'bms-bridge', clientSecret);
      expect((await put(id, JSON.stringify({ employeeId: 1 }), foreign)).status).toBe(403);
    } finally {
      await other.cleanup();
    }
    expect((await user(id)).attributes?.bms_employee_id).toBeUndefined();
  });

  test('a client without manage-users: 403, and the user is unchanged', async () => {
    const id = await createUser();
    const clientId = unique('no-manage-users');
    const secret = newWebhookSecret();
    const { id: internalId } = await admin.clients.create({
      realm: copy.realm, clientId, secret, publicClient: false, serviceAccountsEnabled: true, standardFlowEnabled: false,
    });
    // view-users only: it may look users up, not change them
    const serviceAccount = await admin.clients.getServiceAccountUser({ realm: copy.realm, id: internalId });
    const realmManagement = (await admin.clients.find({ realm: copy.realm, clientId: 'realm-management' }))[0];
    const viewUsers = await admin.clients.findRole({ realm: copy.realm, id: realmManagement.id!, roleName: 'view-users' });
    await admin.users.addClientRoleMappings({ realm: copy.realm, id: serviceAccount.id!, clientUniqueId: realmManagement.id!, roles: [{ id: viewUsers!.id!, name: 'view-users' }] });
    const token = await clientToken(copy.realm, clientId, secret);
    const res = await put(id, JSON.stringify({ employeeId: 5 }), token);
    expect(res.status).toBe(403);
    expect(res.json).toEqual({ error: expect.any(String) });
    expect((await user(id)).attributes?.bms_employee_id).toBeUndefined();
  });

  test('an unknown user: 404 with a JSON error', async () => {
    const res = await put('00000000-0000-0000-0000-000000000000', JSON.stringify({ employeeId: 5 }));
    expect(res).toEqual({ status: 404, json: { error: 'User not found.' } });
  });

  test('a bad body: 400 with a JSON error saying what is wrong, and nothing written', async () => {
    const id = await createUser();
    await put(id, JSON.stringify({ employeeId: 7 }));
    for (const body of ['', 'not json', '[]', '{}', '{"employeeId": 0}', '{"employeeId": -3}', '{"employeeId": "7"}', '{"employeeId": 7.5}',
      '{"employeeId": 8, "enabled": false}', '{"employee_id": 8}']) {
      const res = await put(id, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.json).toEqual({ error: expect.any(String) });
    }
    expect((await put(id, '{"employeeId": 8, "firstName": "Eve"}')).json).toEqual({ error: "Unknown field 'firstName'; the body has only \"employeeId\"." });
    const after = await user(id);
    expect(after.attributes?.bms_employee_id).toEqual(['7']);
    expect(after.firstName).toBe('Ada');
  });
});
