import type KcAdminClient from '@keycloak/keycloak-admin-client';

import { newWebhookSecret } from '../stack/webhook-secret';
import { adminClient, unique } from '../support/admin';
import { brokerRealmCopy, RealmCopy } from '../support/broker-realm-copy';
import { stackInfo } from '../support/stack-info';
import { WebhookReceiver } from '../support/webhook-receiver';

// User events (not admin changes) reach the bridge as webhooks. Keycloak hands user events to the realm's event
// listeners whatever "save events" says (it gates only the event store), so this realm has it switched off.

const { baseUrl } = stackInfo();
const PASSWORD = 'Correct-Horse-9';
let admin: KcAdminClient;
let receiver: WebhookReceiver;
let copy: RealmCopy;
const directClient = unique('direct');

async function passwordGrant(username: string, password: string): Promise<{ status: number; token?: string }> {
  const res = await fetch(`${baseUrl}/realms/${copy.realm}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: directClient, username, password }),
  });
  const json = (await res.json()) as { access_token?: string };
  return { status: res.status, token: json.access_token };
}

async function createUser(): Promise<{ id: string; username: string }> {
  const username = unique('events');
  const { id } = await admin.users.create({
    realm: copy.realm, username, email: `${username}@contoso.com`, firstName: 'Ada', lastName: 'Lovelace', enabled: true,
    credentials: [{ type: 'password', value: PASSWORD, temporary: false }],
  });
  return { id, username };
}

beforeAll(async () => {
  admin = await adminClient();
  receiver = new WebhookReceiver(newWebhookSecret());
  const url = await receiver.start();
  copy = await brokerRealmCopy(admin, baseUrl, 'broker-user-events', { BMS_BRIDGE_URL: url, BMS_WEBHOOK_SECRET: receiver.secret }, {
    eventsEnabled: false,
    // one wrong password disables the user for good
    bruteForceProtected: true, permanentLockout: true, maxTemporaryLockouts: 0, failureFactor: 1,
  });
  await admin.clients.create({ realm: copy.realm, clientId: directClient, publicClient: true, directAccessGrantsEnabled: true, standardFlowEnabled: false });
});

afterAll(async () => {
  await copy?.cleanup();
  await receiver?.stop();
});

test('a profile saved in the account API sends user.updated', async () => {
  const { id, username } = await createUser();
  const { status, token } = await passwordGrant(username, PASSWORD);
  expect(status).toBe(200);
  const res = await fetch(`${baseUrl}/realms/${copy.realm}/account/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ username, email: `${username}@contoso.com`, firstName: 'Ada', lastName: 'Lovelace' }),
  });
  expect(res.status).toBe(204);
  const delivery = await receiver.waitFor((d) => d.body.type === 'user.updated' && d.body.userId === id);
  expect(delivery.verified).toBe(true);
  expect(delivery.body).toEqual({ type: 'user.updated', eventId: expect.stringMatching(/^kc-event-.+-user\.updated$/), realm: copy.realm, userId: id, username, time: expect.any(String) });
  expect(delivery.id).toBe(delivery.body.eventId);
});

test('a permanent lockout sends user.disabled', async () => {
  const { id, username } = await createUser();
  expect((await passwordGrant(username, 'wrong')).token).toBeUndefined();
  const delivery = await receiver.waitFor((d) => d.body.type === 'user.disabled' && d.body.userId === id);
  expect(delivery.body).toMatchObject({ userId: id, username, eventId: expect.stringMatching(/^kc-event-.+-user\.disabled$/) });
  expect((await admin.users.findOne({ realm: copy.realm, id }))?.enabled).toBe(false);
});
