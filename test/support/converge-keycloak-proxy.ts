import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the bridge made to Keycloak through the proxy. */
export interface ProxiedRequest {
  at: number;
  method: string;
  /** path and query, as sent */
  path: string;
  /** Keycloak's status (0 while held or when Keycloak could not be reached) */
  status: number;
}

/**
 * A byte-for-byte HTTP proxy between the bridge and Keycloak (the bridge's keycloak.baseUrl points here), for
 * tests only. It records every request, and a test can hold a matching request back until something has happened
 * (e.g. hold the bridge's write-back of bms_employee_id until an admin has changed the same user), which makes a
 * race that is otherwise a matter of milliseconds happen every time.
 */
export class KeycloakProxy {
  readonly requests: ProxiedRequest[] = [];
  /** when it returns a promise for a request, the request is forwarded only after the promise settles */
  hold?: (req: { method: string; path: string }) => Promise<unknown> | undefined;
  private server?: Server;
  private readonly target: URL;

  constructor(keycloakBaseUrl: string) {
    this.target = new URL(keycloakBaseUrl);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
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
    const record: ProxiedRequest = { at: Date.now(), method: req.method ?? 'GET', path: req.url ?? '/', status: 0 };
    this.requests.push(record);
    const held = this.hold?.({ method: record.method, path: record.path });
    if (held) await held.catch(() => undefined);
    const headers = { ...req.headers };
    delete headers.host; // Keycloak sees its own address, for the token endpoint and the admin API alike
    delete headers.connection;
    delete headers['transfer-encoding'];
    const upstream = request(
      { protocol: this.target.protocol, hostname: this.target.hostname, port: this.target.port, method: record.method, path: record.path, headers: { ...headers, 'content-length': String(body.length) } },
      (answer) => {
        record.status = answer.statusCode ?? 0;
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
}
