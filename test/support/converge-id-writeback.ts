import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type KcAdminClient from '@keycloak/keycloak-admin-client';

/**
 * Does this Keycloak have the plugin's write-back endpoint (`PUT /realms/{realm}/bms-provisioning/users/{id}/employee-id`)?
 * Without a token the endpoint answers 401; a Keycloak whose plugin JAR predates it answers its generic 404.
 */
export async function hasWriteBackEndpoint(baseUrl: string, realm: string): Promise<boolean> {
  const res = await fetch(`${baseUrl}/realms/${encodeURIComponent(realm)}/bms-provisioning/users/probe/employee-id`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: '{"employeeId":null}',
  });
  const text = await res.text();
  return !(res.status === 404 && !/user/i.test(text));
}

/**
 * Only for a shared Keycloak started with a plugin JAR older than the write-back endpoint: the bridge's Keycloak URL
 * points here; everything is forwarded byte for byte except the write-back, which is done through the admin API
 * (read the user, set `bms_employee_id` alone, put the user back). Unlike the real endpoint, that admin update is
 * an admin event, so the listener sends a `user.enabled` the bridge converges on (it changes nothing). 404
 * `{"error":"no such user"}` for a user who is gone, as the endpoint answers.
 */
export async function startWriteBackStandIn(keycloakBaseUrl: string, admin: () => KcAdminClient): Promise<{ url: string; writes: () => number; stop(): Promise<void> }> {
  const target = new URL(keycloakBaseUrl);
  let writes = 0;

  async function writeBack(realm: string, id: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const answer = (status: number, json?: unknown): void => void res.writeHead(status, json === undefined ? {} : { 'content-type': 'application/json' }).end(json === undefined ? undefined : JSON.stringify(json));
    if (!/^Bearer .+/.test(req.headers.authorization ?? '')) return answer(401, { error: 'a bearer token is required' });
    let employeeId: unknown;
    try {
      employeeId = (JSON.parse(body.toString('utf8')) as { employeeId?: unknown }).employeeId;
    } catch {
      return answer(400, { error: 'the body is not JSON' });
    }
    if (employeeId !== null && !Number.isInteger(employeeId)) return answer(400, { error: 'employeeId must be a whole number or null' });
    try {
      const user = await admin().users.findOne({ realm, id });
      if (!user) return answer(404, { error: 'no such user' });
      const attributes = { ...(user.attributes ?? {}) } as Record<string, string[]>;
      if (employeeId === null) delete attributes.bms_employee_id;
      else attributes.bms_employee_id = [String(employeeId)];
      await admin().users.update({ realm, id }, { ...user, attributes });
      writes++;
      answer(204);
    } catch (err) {
      if ((err as { response?: { status?: number } }).response?.status === 404) return answer(404, { error: 'no such user' });
      answer(500, { error: `write-back stand-in: ${(err as Error).message}` });
    }
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const match = /^\/realms\/([^/]+)\/bms-provisioning\/users\/([^/]+)\/employee-id$/.exec((req.url ?? '').split('?')[0]);
      if (req.method === 'PUT' && match) return void writeBack(decodeURIComponent(match[1]), decodeURIComponent(match[2]), req, body, res);
      const headers = { ...req.headers };
      delete headers.host;
      delete headers.connection;
      delete headers['transfer-encoding'];
      const upstream = request(
        { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...headers, 'content-length': String(body.length) } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', (err) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `proxy: ${err.message}` }));
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    writes: () => writes,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
