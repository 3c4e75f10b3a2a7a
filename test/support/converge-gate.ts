import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Webhook } from 'standardwebhooks';

import { newWebhookSecret } from '../stack/webhook-secret';

/**
 * What the gate does with one webhook: pass it on untouched; drop it (answer 503 as a bridge that is down would,
 * so the sender retries and eventually gives up); or pass it on signed with a wrong secret (the bridge answers 401,
 * as after a rotated secret or clock skew).
 */
export type GatePolicy = 'forward' | 'drop' | 'wrong-signature';

/** One webhook that reached the gate, with what became of it. */
export interface GatedDelivery {
  at: number;
  webhookId: string;
  type: string;
  /** the Keycloak user it is about (login: user.id; user events: userId) */
  userId?: string;
  policy: GatePolicy;
  /** the bridge's status; 503 for a dropped webhook; 502 when no bridge was running */
  status: number;
  answer?: unknown;
}

/**
 * A recording gate between Keycloak's webhooks and whichever bridge the test is running now (the bridge may be
 * stopped and started on another port; Keycloak keeps one URL). Per Keycloak user, a test can make the gate lose
 * (drop) or spoil (wrong signature) the webhooks however often the listener retries, so "the webhook was lost" is
 * certain, not a race against the listener's retries.
 */
export class WebhookGate {
  readonly deliveries: GatedDelivery[] = [];
  private readonly policies = new Map<string, GatePolicy>();
  private readonly wrongSigner = new Webhook(newWebhookSecret());
  private server?: Server;

  /** @param target the current bridge's webhook URL, or undefined while no bridge runs */
  constructor(private readonly target: () => string | undefined) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/webhooks/keycloak`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** From now on, every webhook about this Keycloak user gets this policy. */
  set(userId: string, policy: GatePolicy): void {
    if (policy === 'forward') this.policies.delete(userId);
    else this.policies.set(userId, policy);
  }

  /** The deliveries about one user, optionally of some types (a prefix such as 'user.' matches every user event). */
  about(userId: string, typePrefix = ''): GatedDelivery[] {
    return this.deliveries.filter((d) => d.userId === userId && d.type.startsWith(typePrefix));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const info = about(raw);
    const policy = (info.userId && this.policies.get(info.userId)) || 'forward';
    const delivery: GatedDelivery = { at: Date.now(), webhookId: String(req.headers['webhook-id'] ?? ''), policy, status: 0, ...info };
    this.deliveries.push(delivery);
    if (policy === 'drop') {
      delivery.status = 503;
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'dropped by the test gate' }));
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    if (policy === 'wrong-signature') {
      const timestamp = new Date(Number(headers['webhook-timestamp'] ?? Math.floor(Date.now() / 1000)) * 1000);
      headers['webhook-signature'] = this.wrongSigner.sign(headers['webhook-id'] ?? 'unknown', timestamp, raw.toString('utf8'));
    }
    const target = this.target();
    if (!target) {
      delivery.status = 502;
      res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'no bridge running' }));
      return;
    }
    try {
      const answer = await fetch(target, { method: 'POST', headers, body: raw });
      const text = await answer.text();
      delivery.status = answer.status;
      delivery.answer = parse(text);
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(text);
    } catch (err) {
      delivery.status = 502;
      delivery.answer = `bridge unreachable: ${(err as Error).message}`;
      res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'bridge unreachable' }));
    }
  }
}

function about(raw: Buffer): Pick<GatedDelivery, 'type' | 'userId'> {
  const body = parse(raw.toString('utf8'));
  if (!body || typeof body !== 'object') return { type: '?' };
  const b = body as { type?: unknown; userId?: unknown; user?: { id?: unknown } };
  return {
    type: String(b.type ?? '?'),
    userId: typeof b.user?.id === 'string' ? b.user.id : typeof b.userId === 'string' ? b.userId : undefined,
  };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
