import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Webhook } from 'standardwebhooks';

export interface Delivery {
  id: string;
  body: Record<string, unknown>;
  raw: string;
  /** the signature checked with the standardwebhooks library against the shared secret */
  verified: boolean;
  verifyError?: string;
  /** whatever the test's onDelivery hook observed when the webhook arrived */
  observed?: unknown;
}

/**
 * How the receiver answers: a status and JSON body (optionally late); 'hang' never answers; 'trickle' sends the
 * headers at once and then one byte of body every `trickleMs` for `trickleForMs` (a bridge stuck mid-answer).
 */
export type Reply = { status: number; json?: unknown; delayMs?: number } | 'hang' | { trickleMs: number; trickleForMs: number };

/**
 * A small signed-webhook receiver for tests: verifies each delivery the way the bridge will (standardwebhooks),
 * records it, and answers as the test says.
 */
export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  reply: (d: Delivery) => Reply = () => ({ status: 200, json: { status: 'provisioned' } });
  onDelivery?: (d: Delivery) => Promise<unknown>;
  private server?: Server;
  private readonly verifier: Webhook;

  constructor(readonly secret: string) {
    this.verifier = new Webhook(secret);
  }

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

  /** Waits until a delivery matching the predicate has arrived. */
  async waitFor(predicate: (d: Delivery) => boolean, timeoutMs = 15_000): Promise<Delivery> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.deliveries.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching webhook within ${timeoutMs} ms; got: ${this.deliveries.map((d) => d.body.type).join(', ') || 'none'}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const delivery: Delivery = { id: String(req.headers['webhook-id'] ?? ''), body: {}, raw, verified: false };
    try {
      delivery.body = this.verifier.verify(raw, req.headers as Record<string, string>) as Record<string, unknown>;
      delivery.verified = true;
    } catch (err) {
      delivery.verifyError = (err as Error).message;
      delivery.body = JSON.parse(raw) as Record<string, unknown>;
    }
    if (this.onDelivery) delivery.observed = await this.onDelivery(delivery).catch((err: Error) => `observer failed: ${err.message}`);
    this.deliveries.push(delivery);
    const reply = this.reply(delivery);
    if (reply === 'hang') return;
    if ('trickleMs' in reply) return this.trickle(res, reply.trickleMs, reply.trickleForMs);
    setTimeout(() => {
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(reply.json === undefined ? '' : JSON.stringify(reply.json));
    }, reply.delayMs ?? 0);
  }

  private trickle(res: ServerResponse, everyMs: number, forMs: number): void {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(' ');
    const started = Date.now();
    const timer = setInterval(() => {
      if (res.destroyed || Date.now() - started > forMs) {
        clearInterval(timer);
        if (!res.destroyed) res.end('{"status":"provisioned"}');
        return;
      }
      res.write(' ');
    }, everyMs);
  }
}
