import { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Webhook } from 'standardwebhooks';

import { exampleLoginBody } from '../../test/support/contract';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { createApp, WebhookHandlers } from './app';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ADMIN_TOKEN = 'test-admin-token-not-a-secret-000';
const fixture = exampleLoginBody();
let server: Server;
let base: string;
let store: SqliteStore;
const calls: string[] = [];
const observed: [string, string, number][] = [];
const handlers: WebhookHandlers = {
  login: async (body) => {
    calls.push(`login ${body.user.username}`);
    return { status: 'provisioned' };
  },
  event: async (body) => void calls.push(body.type),
};

beforeAll(async () => {
  store = new SqliteStore(':memory:');
  const app = createApp({ secret: SECRET, realm: 'broker', maxBodyBytes: 2_097_152, deliveries: store.deliveries, handlers, metrics: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', text: '# the exposition\n' }), onWebhook: (...args) => void observed.push(args), preview: { token: ADMIN_TOKEN, run: async (request) => ({ asked: request }) }, ready: [{ name: 'store', check: async () => undefined }, { name: 'bms', check: async () => 'BMS unreachable: ECONNREFUSED' }] });
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await store.close();
});
beforeEach(() => (calls.length = 0));

let counter = 0;
function signed(body: string, options: { secret?: string; at?: Date; id?: string } = {}): Record<string, string> {
  const id = options.id ?? `msg_${Date.now()}_${counter++}`;
  const at = options.at ?? new Date();
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(options.secret ?? SECRET).sign(id, at, body),
  };
}

async function post(body: string, headers: Record<string, string>): Promise<{ status: number; json: Record<string, unknown>; replay: string | null }> {
  const res = await fetch(`${base}/webhooks/keycloak`, { method: 'POST', headers, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, replay: res.headers.get('webhook-replay') };
}

describe('POST /webhooks/keycloak: signatures', () => {
  test('a correctly signed login webhook is answered by the handler', async () => {
    expect(await post(fixture, signed(fixture))).toMatchObject({ status: 200, json: { status: 'provisioned' } });
    expect(calls).toEqual(['login ada.lovelace@contoso.com']);
  });

  test.each([
    ['a tampered body', () => ({ body: fixture.replace('Lovelace', 'Byron'), headers: signed(fixture) }), /signature does not match/],
    ['a wrong secret', () => ({ body: fixture, headers: signed(fixture, { secret: 'whsec_' + Buffer.alloc(32, 7).toString('base64') }) }), /signature does not match/],
    ['a stale timestamp', () => ({ body: fixture, headers: signed(fixture, { at: new Date(Date.now() - 6 * 60_000) }) }), /more than 5 minutes old/],
    ['a timestamp in the future', () => ({ body: fixture, headers: signed(fixture, { at: new Date(Date.now() + 6 * 60_000) }) }), /in the future/],
    ['no signature headers', () => ({ body: fixture, headers: { 'content-type': 'application/json' } }), /missing headers webhook-id, webhook-timestamp, webhook-signature/],
  ])('%s is refused with 401 and the reason, and nothing runs', async (_, make, reason) => {
    const { body, headers } = make();
    const { status, json } = await post(body, headers);
    expect(status).toBe(401);
    expect(String(json.error)).toMatch(reason);
    expect(calls).toEqual([]);
  });

  test('a replayed event webhook-id gets the first answer again and does nothing', async () => {
    const event = JSON.stringify({ type: 'user.disabled', eventId: 'kc-admin-1', realm: 'broker', userId: 'u-1', username: 'ada', time: new Date().toISOString() });
    const headers = signed(event, { id: 'msg_replayed' });
    expect((await post(event, headers)).status).toBe(202);
    const replay = await post(event, headers);
    expect(replay).toMatchObject({ status: 202, json: { accepted: 'user.disabled' }, replay: 'true' });
    expect(calls).toEqual(['user.disabled']);
  });

  test("a user in 1,500 groups with 200-character DNs (AD's realistic maximum) is accepted", async () => {
    const login = JSON.parse(fixture) as { user: { groups: string[] } };
    login.user.groups = Array.from({ length: 1500 }, (_, i) => `CN=Group ${i} ${'x'.repeat(150)},OU=Department ${i % 40},OU=Groups,DC=contoso,DC=com`.slice(0, 200));
    const body = JSON.stringify(login);
    expect(Buffer.byteLength(body)).toBeGreaterThan(300_000);
    const { status } = await post(body, signed(body));
    expect(status).toBe(200);
    expect(calls).toEqual(['login ada.lovelace@contoso.com']);
  });

  test('a webhook about another realm is refused with a reason, and nothing runs', async () => {
    const other = fixture.replace('"realm": "broker"', '"realm": "elsewhere"');
    expect(other).not.toBe(fixture);
    const { status, json } = await post(other, signed(other));
    expect(status).toBe(400);
    expect(String(json.error)).toContain("the webhook is about realm 'elsewhere', but this bridge serves realm 'broker'");
    expect(calls).toEqual([]);
  });

  test('a replayed login webhook-id is answered from the present, never from a stored answer', async () => {
    const headers = signed(fixture, { id: 'msg_login_replayed' });
    expect((await post(fixture, headers)).json).toEqual({ status: 'provisioned' });
    const replay = await post(fixture, headers);
    expect(replay).toMatchObject({ status: 200, json: { status: 'provisioned' }, replay: null });
    expect(calls).toEqual(['login ada.lovelace@contoso.com', 'login ada.lovelace@contoso.com']);
  });
});

describe('POST /webhooks/keycloak: bad input is a clear 4xx, never a 5xx', () => {
  test('a body that breaks the contract is 400 with the field path', async () => {
    const body = JSON.stringify({ ...JSON.parse(fixture), user: { ...JSON.parse(fixture).user, groups: 'BMS-Techs' } });
    const { status, json } = await post(body, signed(body));
    expect(status).toBe(400);
    expect(json.issues).toEqual([{ path: 'user.groups', message: expect.stringMatching(/expected array/) }]);
  });

  type LoginBody = { user: { groups: string[]; username: string } };
  // SQLite would keep a NUL and PostgreSQL would not (jsonb, text): refused alike, before any store sees it
  test.each([
    ['a group of a sign-in', (body: LoginBody) => void (body.user.groups = ['BMS-Techs', 'Evil\u0000Group']), 'user.groups.1'],
    ['the username of a sign-in', (body: LoginBody) => void (body.user.username = 'ada\u0000'), 'user.username'],
    ['a group, as half of a surrogate pair', (body: LoginBody) => void (body.user.groups = ['Half \ud800 pair']), 'user.groups.0'],
  ])('a NUL character in %s is 400 with the field path, and nothing runs', async (_where, plant, path) => {
    const login = JSON.parse(fixture) as LoginBody;
    plant(login);
    const body = JSON.stringify(login);
    expect(body).toMatch(/\\u(0000|d800)/);
    const { status, json } = await post(body, signed(body));
    expect(status).toBe(400);
    expect(json.issues).toEqual([{ path, message: expect.stringContaining('NUL character (U+0000) or an unpaired surrogate') }]);
    expect(calls).toEqual([]);
  });

  test('a user id longer than 255 characters is 400 (Keycloak ids are 36)', async () => {
    const login = JSON.parse(fixture) as { user: { id: string } };
    login.user.id = 'u'.repeat(256);
    const body = JSON.stringify(login);
    const { status, json } = await post(body, signed(body));
    expect(status).toBe(400);
    expect(json.issues).toEqual([{ path: 'user.id', message: expect.stringMatching(/255/) }]);
  });

  test('a NUL character in a user event is 400 as well', async () => {
    const body = JSON.stringify({ type: 'user.updated', eventId: 'kc-evt-nul', realm: 'broker', time: '2026-11-29T09:30:00Z', userId: 'u-1', username: 'eve\u0000' });
    const { status, json } = await post(body, signed(body));
    expect(status).toBe(400);
    expect(json.issues).toEqual([{ path: 'username', message: expect.stringContaining('NUL character') }]);
    expect(calls).toEqual([]);
  });

  test('signed bytes that are not JSON are 400', async () => {
    expect(await post('{"type":', signed('{"type":'))).toMatchObject({ status: 400, json: { error: 'the body is not valid JSON' } });
  });

  test('a body over the limit (2 MiB) is 413', async () => {
    const body = JSON.stringify({ padding: 'x'.repeat(2_100_000) });
    const { status, json } = await post(body, signed(body));
    expect(status).toBe(413);
    expect(json.error).toBe('the body is larger than 2097152 bytes (BRIDGE_WEBHOOK_MAX_BODY_BYTES)');
  });

  test('another content type is 415', async () => {
    const headers = { ...signed(fixture), 'content-type': 'text/plain' };
    expect(await post(fixture, headers)).toMatchObject({ status: 415, json: { error: 'Content-Type must be application/json, got text/plain' } });
  });

  test('listener events are accepted with 202', async () => {
    const body = JSON.stringify({ type: 'user.deleted', eventId: 'kc-admin-1-user.deleted', realm: 'broker', userId: 'u-1', time: new Date().toISOString() });
    expect(await post(body, signed(body))).toMatchObject({ status: 202, json: { accepted: 'user.deleted' } });
    expect(calls).toEqual(['user.deleted']);
  });
});

test('healthz says alive; readyz answers 503 when a check fails, and tells an anonymous caller nothing more', async () => {
  expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok', service: 'bms-bridge' });
  const ready = await fetch(`${base}/readyz`);
  expect(ready.status).toBe(503);
  expect(await ready.json()).toEqual({ status: 'not ready' });
  const wrong = await fetch(`${base}/readyz`, { headers: { authorization: 'Bearer wrong-token-of-some-length-0000000' } });
  expect(await wrong.json()).toEqual({ status: 'not ready' });
});

test('answers carry no ETag, so a probe or proxy that sends If-None-Match still gets the present state, never 304', async () => {
  const first = await fetch(`${base}/healthz`);
  expect(first.headers.get('etag')).toBeNull();
  const again = await fetch(`${base}/healthz`, { headers: { 'if-none-match': 'W/"anything"' } });
  expect(again.status).toBe(200);
  const answered = await fetch(`${base}/webhooks/keycloak`, { method: 'POST', headers: signed(fixture), body: fixture });
  expect(answered.status).toBe(200);
  expect(answered.headers.get('etag')).toBeNull();
});

test('readyz lists what each check says to a caller with the admin token', async () => {
  const ready = await fetch(`${base}/readyz`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(ready.status).toBe(503);
  expect(await ready.json()).toEqual({ status: 'not ready', checks: { store: 'ok', bms: 'BMS unreachable: ECONNREFUSED' } });
});

test('metrics need the admin bearer token', async () => {
  expect((await fetch(`${base}/metrics`)).status).toBe(401);
  expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong-token-of-some-length-0000000' } })).status).toBe(401);
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  expect(await res.text()).toBe('# the exposition\n');
});

test('without an admin token the metrics endpoint is off and readyz gives pass or fail only', async () => {
  const app = createApp({ secret: SECRET, maxBodyBytes: 1024, deliveries: store.deliveries, handlers, metrics: async () => ({ contentType: 'text/plain', text: 'x' }), ready: [{ name: 'bms', check: async () => 'down' }] });
  const other = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    const metrics = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(metrics.status).toBe(404);
    expect(await metrics.json()).toEqual({ error: 'the metrics endpoint is off: set BRIDGE_ADMIN_TOKEN to enable it' });
    expect(await (await fetch(`${url}/readyz`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()).toEqual({ status: 'not ready' });
  } finally {
    other.close();
  }
});

test('each webhook is reported with its type, how it was answered and how long it took', async () => {
  observed.length = 0;
  await post(fixture, signed(fixture));
  await post(fixture, signed(fixture, { secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }));
  const event = JSON.stringify({ type: 'user.deleted', eventId: 'e-obs', realm: 'broker', userId: 'u-obs', time: new Date().toISOString() });
  const headers = signed(event);
  await post(event, headers);
  await post(event, headers); // the same delivery again
  await post('{', signed('{'));
  expect(observed.map(([type, outcome]) => `${type} ${outcome}`)).toEqual([
    'login.provisioning_requested provisioned',
    'unknown bad_signature',
    'user.deleted accepted',
    'unknown replayed',
    'unknown invalid',
  ]);
  expect(observed.every(([, , seconds]) => seconds > 0 && seconds < 60)).toBe(true);
});

test('the preview endpoint needs the admin bearer token and says what to send', async () => {
  const ask = (body: unknown, token?: string) =>
    fetch(`${base}/admin/preview`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  expect((await ask({ email: 'a@b.c' })).status).toBe(401);
  expect((await ask({ email: 'a@b.c' }, 'wrong-token-of-some-length-0000000')).status).toBe(401);
  expect(await (await ask({ email: 'a@b.c' }, ADMIN_TOKEN)).json()).toEqual({ asked: { email: 'a@b.c' } });
  const bad = await ask({ nothing: true }, ADMIN_TOKEN);
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: string }).error).toBe('give userId, email, or facts {groups, domain, upn, email}');
});
