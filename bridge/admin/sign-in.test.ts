import type { AddressInfo } from 'node:net';

import express from 'express';

import { silentLogger } from '../log/logger';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { adminSignIn, returnPath } from './sign-in';

const settings = {
  publicUrl: 'https://bms-bridge.example.invalid',
  entityId: 'https://bms-bridge.example.invalid/admin',
  idpSsoUrl: 'https://keycloak.example.invalid/realms/broker/protocol/saml',
  role: 'bms-bridge-admin',
  idleMs: 60_000,
  absoluteMs: 3_600_000,
  sessionSecret: 'a-session-secret-for-tests-only-0000',
  clockSkewMs: 5_000,
  roleRecheckMs: 300_000,
};

test('behind a proxy that ends TLS, an https bridge still sets its secure session cookie (review: sign-in looped for ever)', async () => {
  const store = new SqliteStore(':memory:');
  const { router } = adminSignIn(settings, store.expiring, async () => true, silentLogger);
  const app = express();
  app.use(router);
  app.get('/admin/touch', (req, res) => {
    (req.session as unknown as Record<string, unknown>).touched = true;
    res.send('ok');
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/touch`;
  try {
    const viaProxy = await fetch(url, { headers: { 'x-forwarded-proto': 'https' } });
    expect(viaProxy.headers.get('set-cookie')).toMatch(/^bms_bridge_admin=.*; Path=\/admin; .*HttpOnly; Secure; SameSite=Lax/);
    // straight over http (no proxy saying https): a secure cookie is never sent where it could leak
    expect((await fetch(url)).headers.get('set-cookie')).toBeNull();
  } finally {
    server.close();
    await store.close();
  }
});

test.each([
  ['/admin/stuck?x=1', '/admin/stuck?x=1'],
  ['/admin', '/admin'],
  ['//evil.example/admin', '/admin'],
  ['/admin\\..\\evil', '/admin'],
  ['https://evil.example/admin', '/admin'],
  ['/administrator', '/admin'],
  ['/admin/\r\nSet-Cookie: x', '/admin'],
  [undefined, '/admin'],
])('after sign-in, %j leads to %j (admin pages only)', (given, expected) => {
  expect(returnPath(given)).toBe(expected);
});

test('anonymous callers cannot flood the store with sign-in starts: 30 a minute per address, then 429 (review finding 4)', async () => {
  const store = new SqliteStore(':memory:');
  const { router } = adminSignIn(settings, store.expiring, async () => true, silentLogger);
  const app = express();
  app.use(router);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/saml/login`;
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await fetch(url, { redirect: 'manual' })).status);
    expect(statuses.slice(0, 30).every((s) => s === 302)).toBe(true); // on to Keycloak
    expect(statuses.slice(30)).toEqual([429, 429]);
  } finally {
    server.close();
    await store.close();
  }
});
