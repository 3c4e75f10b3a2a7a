import { createServer, Socket } from 'node:net';

/** A TCP proxy to a local port that can make the connections it carries go silent, as a failover or a cut route does. */
export interface TcpProxy {
  port: number;
  /** the connections open now stop passing bytes (no reset); new connections pass */
  silenceOpenConnections(): void;
  stop(): Promise<void>;
}

/** Starts a proxy on a free 127.0.0.1 port forwarding to `targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const open = new Set<{ client: Socket; upstream: Socket; silent: boolean }>();
  const server = createServer((client) => {
    const upstream = new Socket();
    const pair = { client, upstream, silent: false };
    open.add(pair);
    upstream.connect(targetPort, '127.0.0.1');
    client.on('data', (chunk) => void (pair.silent || upstream.write(chunk)));
    upstream.on('data', (chunk) => void (pair.silent || client.write(chunk)));
    const end = (): void => {
      open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', () => pair.silent || end());
    upstream.on('error', end).on('close', () => pair.silent || end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    silenceOpenConnections: () => {
      for (const pair of open) pair.silent = true;
    },
    stop: async () => {
      for (const { client, upstream } of open) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
