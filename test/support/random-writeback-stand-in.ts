import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type KcAdminClient from '@keycloak/keycloak-admin-client';

/** Runs async work one at a time, in call order (an in-process mutex). */
export class SerialLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/**
 * Does this Keycloak have the plugin's write-back endpoint (`PUT /realms/{realm}/bms-provisioning/users/{id}/employee-id`)?
 * Without a token the endpoint answers 401; a Keycloak whose plugin predates it answers its generic 404.
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
 * For a shared Keycloak started with a plugin JAR older than the write-back endpoint: a proxy the bridge uses as its
 * Keycloak, forwarding everything byte for byte except the write-back, which it performs itself through the admin
 * API (read the user, set `bms_employee_id` alone, write it back). Those read-modify-writes take the given lock, which
 * the test's own admin changes take too, so the stand-in never reverts a change the test made (the real endpoint
 * sets the one attribute in Keycloak's own transaction). 404 `{"error":"no such user"}` for a user who is gone, as
 * the endpoint answers.
 */
export class WriteBackStandIn {
  writes = 0;
  private server?: Server;
  private readonly target: URL;

  constructor(
    keycloakBaseUrl: string,
    private readonly admin: () => Promise<KcAdminClient>,
    private readonly lock: SerialLock,
  ) {
    this.target = new URL(keycloakBaseUrl);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const writeBack = /^\/realms\/([^/]+)\/bms-provisioning\/users\/([^/]+)\/employee-id$/.exec((req.url ?? '').split('?')[0]);
    if (req.method === 'PUT' && writeBack) return this.writeBack(decodeURIComponent(writeBack[1]), decodeURIComponent(writeBack[2]), req, body, res);
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.connection;
    delete headers['transfer-encoding'];
    const upstream = request(
      { protocol: this.target.protocol, hostname: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: { ...headers, 'content-length': String(body.length) } },
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
  }

  private async writeBack(realm: string, id: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const answer = (status: number, json?: unknown): void => {
      res.writeHead(status, json === undefined ? {} : { 'content-type': 'application/json' }).end(json === undefined ? undefined : JSON.stringify(json));
    };
    if (!/^Bearer .+/.test(req.headers.authorization ?? '')) return answer(401, { error: 'a bearer token is required' });
    let employeeId: unknown;
    try {
      employeeId = (JSON.parse(body.toString('utf8')) as { employeeId?: unknown }).employeeId;
    } catch {
      return answer(400, { error: 'the body is not JSON' });
    }
    if (employeeId !== null && !Number.isInteger(employeeId)) return answer(400, { error: 'employeeId must be a whole number or null' });
    try {
      const found = await this.lock.run(async () => {
        const admin = await this.admin();
        const user = await admin.users.findOne({ realm, id });
        if (!user) return false;
        const attributes = { ...(user.attributes ?? {}) };
        if (employeeId === null) delete attributes.bms_employee_id;
        else attributes.bms_employee_id = [String(employeeId)];
        await admin.users.update({ realm, id }, { ...user, attributes });
        return true;
      });
      if (!found) return answer(404, { error: `no such user: ${id}` });
      this.writes++;
      answer(204);
    } catch (err) {
      const status = (err as { response?: { status?: number } }).response?.status;
      if (status === 404) return answer(404, { error: `no such user: ${id}` });
      answer(500, { error: `write-back stand-in: ${(err as Error).message}` });
    }
  }
}
