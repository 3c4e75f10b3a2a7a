import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One webhook that passed through the tap, with the bridge's answer. */
export interface TappedDelivery {
  /** milliseconds since the epoch when it arrived */
  at: number;
  webhookId: string;
  type: string;
  /** the Keycloak user it is about (login: user.id; listener events: userId) */
  userId?: string;
  /** login webhooks: the client the user signs in to */
  clientId?: string;
  /** the bridge's HTTP status, or 0 when the bridge could not be reached */
  status: number;
  answer?: unknown;
}

export interface WebhookTap {
  /** the URL Keycloak posts to instead of the bridge's own */
  url: string;
  deliveries: TappedDelivery[];
  stop(): Promise<void>;
}

/**
 * A transparent recorder between Keycloak and the bridge, for tests only: forwards each webhook byte for byte
 * (the signature still verifies at the bridge) and records what it was about and what the bridge answered, so a
 * test can count the webhooks a login caused without a mock anywhere. `GET /_tap/deliveries?userId=…&type=…`
 * lists them.
 */
export async function startWebhookTap(bridgeWebhookUrl: () => string, port = 0): Promise<WebhookTap> {
  const deliveries: TappedDelivery[] = [];
  const server: Server = createServer((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://tap.invalid');
    if (req.method === 'GET' && url.pathname === '/_tap/deliveries') {
      const userId = url.searchParams.get('userId');
      const type = url.searchParams.get('type');
      const found = deliveries.filter((d) => (!userId || d.userId === userId) && (!type || d.type === type));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(found));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const delivery: TappedDelivery = { at: Date.now(), webhookId: String(req.headers['webhook-id'] ?? ''), status: 0, ...about(raw) };
    deliveries.push(delivery);
    try {
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'webhook-id', 'webhook-timestamp', 'webhook-signature']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const answer = await fetch(bridgeWebhookUrl(), { method: 'POST', headers, body: raw });
      const text = await answer.text();
      delivery.status = answer.status;
      delivery.answer = parse(text);
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(text);
    } catch (err) {
      delivery.answer = `bridge unreachable: ${(err as Error).message}`;
      res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'bridge unreachable' }));
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/keycloak`,
    deliveries,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function about(raw: Buffer): Pick<TappedDelivery, 'type' | 'userId' | 'clientId'> {
  const body = parse(raw.toString('utf8'));
  if (!body || typeof body !== 'object') return { type: '?' };
  const b = body as { type?: unknown; userId?: unknown; clientId?: unknown; user?: { id?: unknown } };
  return {
    type: String(b.type ?? '?'),
    userId: typeof b.user?.id === 'string' ? b.user.id : typeof b.userId === 'string' ? b.userId : undefined,
    clientId: typeof b.clientId === 'string' ? b.clientId : undefined,
  };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
