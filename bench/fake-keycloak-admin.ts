import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import type UserRepresentation from '@keycloak/keycloak-admin-client/lib/defs/userRepresentation';
import express from 'express';

export interface FakeKeycloakOptions {
  /** the realm's users, in Keycloak's stable order (the order user pages come in) */
  users?: UserRepresentation[];
  /**
   * What a read of a user id the table lacks answers: 'enabled' (an enabled user with no attributes, for the
   * webhook bench's made-up ids) or 'absent' (404, as Keycloak). Default: 'absent' when `users` is given.
   */
  unknownUsers?: 'enabled' | 'absent';
}

export interface FakeKeycloakAdmin {
  url: string;
  /** the user table, by id; change an entry (or delete it) and the next read or page sees it */
  users: Map<string, UserRepresentation>;
  /** requests served so far, by route ("GET user", "GET users page", "PUT employee-id", ...) */
  calls: Record<string, number>;
  /** all requests served so far */
  totalCalls(): number;
  close(): Promise<void>;
}

/**
 * For the "bridge alone" benchmarks only: the Keycloak endpoints the bridge calls (token, identity-provider mappers,
 * user read, user pages, and the plugin's write-back of `bms_employee_id`), answered at once from the realm file and
 * an in-memory user table, so the figures measure the bridge and not Keycloak. Every request is counted by route.
 * Integration and end-to-end tests always use the real Keycloak.
 */
export async function startFakeKeycloakAdmin(options: FakeKeycloakOptions = {}): Promise<FakeKeycloakAdmin> {
  const realm = JSON.parse(readFileSync(join(__dirname, '..', '..', 'keycloak-realm.json'), 'utf8')) as { identityProviderMappers: Record<string, unknown>[] };
  const mappers = realm.identityProviderMappers.map((m, i) => ({ ...m, id: `m${i}` }));
  const payload = Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url');
  const users = new Map<string, UserRepresentation>((options.users ?? []).map((u) => [u.id ?? '', u]));
  const unknownUsers = options.unknownUsers ?? (options.users ? 'absent' : 'enabled');
  const calls: Record<string, number> = {};
  const count = (route: string): void => void (calls[route] = (calls[route] ?? 0) + 1);
  const notFound = (res: express.Response): void => void res.status(404).json({ error: 'User not found' });

  const app = express();
  app.disable('x-powered-by');
  app.post('/realms/:realm/protocol/openid-connect/token', (_req, res) => {
    count('POST token');
    res.json({ access_token: `h.${payload}.s`, expires_in: 3600, token_type: 'Bearer' });
  });
  app.get('/admin/realms/:realm/identity-provider/instances/:alias/mappers', (_req, res) => {
    count('GET mappers');
    res.json(mappers);
  });
  app.get('/admin/realms/:realm/users', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    if (q.email !== undefined) {
      count('GET users by e-mail');
      const email = q.email.toLowerCase();
      return void res.json([...users.values()].filter((u) => u.email?.toLowerCase() === email).slice(0, 1));
    }
    count(q.idpAlias ? 'GET users page (idpAlias)' : 'GET users page');
    const first = Math.max(0, Number(q.first ?? 0) || 0);
    const max = Math.max(0, Number(q.max ?? 100) || 100);
    // every user of the table stands for one linked to the identity provider
    const page: UserRepresentation[] = [];
    let i = 0;
    for (const user of users.values()) {
      if (i++ < first) continue;
      if (page.length >= max) break;
      page.push(user);
    }
    res.json(page);
  });
  app.get('/admin/realms/:realm/users/:id', (req, res) => {
    count('GET user');
    const user = users.get(req.params.id);
    if (user) return void res.json(user);
    if (unknownUsers === 'absent') return notFound(res);
    res.json({ id: req.params.id, username: req.params.id, enabled: true, attributes: {} });
  });
  app.put('/admin/realms/:realm/users/:id', (_req, res) => {
    count('PUT user');
    res.status(204).end();
  });
  app.put('/realms/:realm/bms-provisioning/users/:id/employee-id', express.json(), (req, res) => {
    count('PUT employee-id');
    const employeeId = (req.body as { employeeId?: unknown } | undefined)?.employeeId;
    if (employeeId !== null && !(typeof employeeId === 'number' && Number.isSafeInteger(employeeId) && employeeId > 0)) {
      return void res.status(400).json({ error: 'employeeId must be a positive whole number or null' });
    }
    const user = users.get(req.params.id);
    if (!user) {
      if (unknownUsers === 'absent') return notFound(res);
      return void res.status(204).end();
    }
    const attributes = { ...(user.attributes ?? {}) };
    if (employeeId === null) delete attributes.bms_employee_id;
    else attributes.bms_employee_id = [String(employeeId)];
    users.set(user.id ?? req.params.id, { ...user, attributes });
    res.status(204).end();
  });
  app.use((req, res) => {
    count(`unrouted ${req.method} ${req.path}`);
    res.status(404).json({ error: `the Keycloak stand-in has no ${req.method} ${req.path}` });
  });

  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    users,
    calls,
    totalCalls: () => Object.values(calls).reduce((a, b) => a + b, 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The difference of two call counts (after − before), only routes that moved, e.g. "GET users page 51, GET user 150". */
export function callsBetween(before: Record<string, number>, after: Record<string, number>): { total: number; text: string } {
  const moved = Object.entries(after)
    .map(([route, n]) => [route, n - (before[route] ?? 0)] as const)
    .filter(([, n]) => n > 0);
  return { total: moved.reduce((a, [, n]) => a + n, 0), text: moved.map(([route, n]) => `${route} ${n}`).join(', ') || 'none' };
}
