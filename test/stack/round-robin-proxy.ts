import { createServer, request, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running proxy: its URL, and how many requests each upstream answered. */
export interface RoundRobinProxy {
  url: string;
  served: number[];
  stop(): Promise<void>;
}

/**
 * One URL in front of several bridges, as a load balancer would be: each request goes, bytes unchanged (webhook
 * signatures cover the exact body), to the next upstream in turn; an upstream that refuses the connection is skipped
 * for the next one. `port` 0 picks a free port.
 */
export async function startRoundRobinProxy(upstreams: () => string[], port = 0): Promise<RoundRobinProxy> {
  let next = 0;
  const served: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const targets = upstreams();
      const attempt = (tries: number): void => {
        const index = next++ % targets.length;
        const forward = request(new URL(req.url ?? '/', targets[index]), { method: req.method, headers: { ...req.headers, host: new URL(targets[index]).host } }, (answer) => {
          served[index] = (served[index] ?? 0) + 1;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        forward.on('error', (err: NodeJS.ErrnoException) => {
          if (tries + 1 < targets.length && (err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET')) return attempt(tries + 1);
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: `no bridge answered (${err.code ?? err.message})` }));
        });
        forward.end(body);
      };
      attempt(0);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
