import { createServer, IncomingHttpHeaders, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy did, for the test's report and assertions. */
export interface ProxyStats {
  /** requests each upstream answered, by index */
  answeredBy: number[];
  /** connections an upstream refused (it is down), each followed by a try at the next one */
  skipped: number;
  /** requests an upstream accepted and then dropped without a whole answer (it died with them): answered 502, not retried */
  cut: number;
  /** requests no upstream would take: answered 502 */
  noUpstream: number;
}

export interface RoundRobinProxy {
  /** `http://127.0.0.1:<port>`: the one address in front of every upstream */
  url: string;
  stats: ProxyStats;
  stop(): Promise<void>;
}

/** Headers of one connection, not of the message (RFC 9110, 7.6.1): a proxy never forwards them. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);

function forwardable(headers: IncomingHttpHeaders, length: number): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  out['content-length'] = String(length);
  return out;
}

type Attempt = { kind: 'answered'; status: number; headers: IncomingHttpHeaders; body: Buffer } | { kind: 'refused' } | { kind: 'cut'; error: string };

/** One try at one upstream, on a fresh connection (a kept-alive socket to a dead upstream would look like a cut). */
function attempt(upstream: URL, req: IncomingMessage, body: Buffer, timeoutMs: number): Promise<Attempt> {
  return new Promise((resolve) => {
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: forwardable(req.headers, body.length), agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ kind: 'answered', status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('aborted', () => resolve({ kind: 'cut', error: 'the answer was cut' }));
        res.on('error', (err) => resolve({ kind: 'cut', error: err.message }));
      },
    );
    out.on('timeout', () => out.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    // refused: nothing reached the upstream, so another may take the request; anything later may have been acted on
    out.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'cut', error: err.message }));
    out.end(body);
  });
}

/**
 * A tiny load balancer for tests: one URL in front of several upstreams, requests handed out in turn. The body is
 * forwarded byte for byte (a webhook's signature covers the exact bytes), with the same headers minus hop-by-hop
 * ones. An upstream that refuses the connection is skipped for the next one, as a real load balancer does with a dead
 * backend; a request an upstream took and then lost is answered 502 and not retried (a POST may have been acted on).
 */
export async function startRoundRobinProxy(upstreams: string[] | (() => string[]), options: { timeoutMs?: number; port?: number } = {}): Promise<RoundRobinProxy> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  // a list, or a function when the upstreams start after the proxy (the demo: Keycloak needs the URL first)
  const current = (): URL[] => (typeof upstreams === 'function' ? upstreams() : upstreams).map((u) => new URL(u));
  if (typeof upstreams !== 'function' && !upstreams.length) throw new Error('a proxy needs at least one upstream');
  const stats: ProxyStats = { answeredBy: [], skipped: 0, cut: 0, noUpstream: 0 };
  let turn = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const targets = current();
    const first = turn++ % Math.max(1, targets.length);
    for (let k = 0; k < targets.length; k++) {
      const index = (first + k) % targets.length;
      const result = await attempt(targets[index], req, body, timeoutMs);
      if (result.kind === 'refused') {
        stats.skipped++;
        continue;
      }
      if (result.kind === 'cut') {
        stats.cut++;
        res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `upstream ${index} lost the request: ${result.error}` }));
        return;
      }
      stats.answeredBy[index] = (stats.answeredBy[index] ?? 0) + 1;
      res.writeHead(result.status, forwardable(result.headers, result.body.length)).end(result.body);
      return;
    }
    stats.noUpstream++;
    res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'no upstream accepted the connection' }));
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: err.message }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
