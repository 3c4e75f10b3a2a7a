import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

import express from 'express';

/**
 * For the "bridge alone" benchmark only: the four Keycloak admin endpoints the bridge calls (token, mappers,
 * read user, update user), answered at once from the realm file, so the figures measure the bridge and not
 * Keycloak. Integration and end-to-end tests always use the real Keycloak.
 */
export async function startFakeKeycloakAdmin(): Promise<{ url: string; close(): void }> {
  const realm = JSON.parse(readFileSync(join(__dirname, '..', '..', 'keycloak-realm.json'), 'utf8')) as { identityProviderMappers: Record<string, unknown>[] };
  const mappers = realm.identityProviderMappers.map((m, i) => ({ ...m, id: `m${i}` }));
  const payload = Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url');
  const app = express();
  app.post('/realms/:realm/protocol/openid-connect/token', (_req, res) => void res.json({ access_token: `h.${payload}.s`, expires_in: 3600, token_type: 'Bearer' }));
  app.get('/admin/realms/:realm/identity-provider/instances/:alias/mappers', (_req, res) => void res.json(mappers));
  app.get('/admin/realms/:realm/users/:id', (req, res) => void res.json({ id: req.params.id, username: req.params.id, enabled: true, attributes: {} }));
  app.put('/admin/realms/:realm/users/:id', (_req, res) => void res.status(204).end());
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}
