import express, { NextFunction, Request, Response, Router } from 'express';
import { Webhook } from 'standardwebhooks';

import { DeliveryLog } from '../webhooks/delivery-log';
import { Logger, silentLogger } from '../log/logger';
import { PreviewRequest } from '../rules/preview';
import { verifyWebhook } from '../webhooks/verify';
import { WebhookBody, webhookSchema } from '../webhooks/events';
import { BridgeAnswer, LoginProvisioningRequested } from '../webhooks/payload';
import type { WebhookOutcome } from '../metrics/metrics';
import { hasAdminToken } from './admin-token';
import { healthRoutes, ReadyCheck } from './health-routes';

export type { ReadyCheck } from './health-routes';

export interface WebhookHandlers {
  /** answers a login within the budget: provisioned, pending or denied */
  login(body: LoginProvisioningRequested): Promise<BridgeAnswer>;
  /** user and rule events: accepted for background work */
  event(body: Exclude<WebhookBody, LoginProvisioningRequested>): Promise<void>;
}

export interface PreviewEndpoint {
  /** bearer token that authorises /admin/preview; without one the endpoint is off */
  token?: string;
  run(request: PreviewRequest): Promise<unknown>;
}

export interface AppOptions {
  preview?: PreviewEndpoint;
  /** runs the sweep on demand (POST /admin/reconcile), behind the same admin token as preview */
  reconcile?: (all: boolean) => Promise<unknown>;
  secret: string;
  /** the Keycloak realm this bridge serves: a webhook about another realm is refused */
  realm?: string;
  maxBodyBytes: number;
  deliveries: DeliveryLog;
  handlers: WebhookHandlers;
  ready?: ReadyCheck[];
  logger?: Logger;
  /** the Prometheus exposition at /metrics, behind the admin token */
  metrics?: () => Promise<{ contentType: string; text: string }>;
  /** told how each webhook was answered and how long it took */
  onWebhook?: (type: string, outcome: WebhookOutcome, seconds: number) => void;
  /** the admin pages (bridge/admin/), mounted at /admin; off when absent */
  adminPages?: Router;
}

/** The bridge's HTTP face. Translates HTTP to calls; every refusal is a JSON error that says what was wrong. */
export function createApp(options: AppOptions): express.Express {
  const log = options.logger ?? silentLogger;
  const verifier = new Webhook(options.secret);
  const inflight = new Map<string, Promise<{ status: number; body: unknown }>>();
  const app = express();
  app.disable('x-powered-by');
  // every answer here is made for its request (a decision, a health state, a page with its CSRF token), so express's
  // default weak ETag (a SHA-1 of each body) buys nothing; it cost 13 % of a bare express answer's CPU (about 45 µs on
  // the 2-core bench machine, 8 alternating rounds)
  app.set('etag', false);

  /** The admin bearer token check shared by the admin endpoints; answers the refusal itself. */
  const admitted = (req: Request, res: Response, offMessage: string): boolean => {
    const token = options.preview?.token;
    if (!token) {
      refuse(res, 404, offMessage);
      return false;
    }
    if (!hasAdminToken(req, token)) {
      refuse(res, 401, 'a valid admin bearer token is required');
      return false;
    }
    return true;
  };

  app.use(healthRoutes({ ready: options.ready, adminToken: options.preview?.token, metrics: options.metrics }));

  app.post('/admin/preview', express.json({ limit: options.maxBodyBytes }), async (req, res) => {
    if (!options.preview || !admitted(req, res, 'the preview endpoint is off: set BRIDGE_ADMIN_TOKEN to enable it')) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const request: PreviewRequest | undefined =
      typeof body.userId === 'string' ? { userId: body.userId } : typeof body.email === 'string' ? { email: body.email } : body.facts ? { facts: body.facts as never } : undefined;
    if (!request) return void refuse(res, 400, 'give userId, email, or facts {groups, domain, upn, email}');
    try {
      res.json(await options.preview.run(request));
    } catch (err) {
      refuse(res, 400, (err as Error).message);
    }
  });

  app.post('/admin/reconcile', async (req, res) => {
    if (!options.reconcile || !admitted(req, res, 'the admin endpoints are off: set BRIDGE_ADMIN_TOKEN to enable them')) return;
    try {
      res.json(await options.reconcile(req.query.scope === 'all'));
    } catch (err) {
      // another bridge on the store is sweeping: a conflict the caller can wait out, not an outage
      refuse(res, (err as Error).name === 'SweepElsewhereError' ? 409 : 503, `the sweep could not run: ${(err as Error).message}`);
    }
  });

  app.post(
    '/webhooks/keycloak',
    (_req, res, next) => {
      if (options.onWebhook) observe(res, options.onWebhook);
      next();
    },
    (req, res, next) => {
      if (!req.is('application/json')) return void refuse(res, 415, `Content-Type must be application/json, got ${req.get('content-type') ?? 'none'}`);
      next();
    },
    express.raw({ type: () => true, limit: options.maxBodyBytes }),
    async (req, res) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const verified = verifyWebhook(verifier, raw, req.headers);
      if (!verified.ok) {
        log.warn({ reason: verified.error }, 'webhook refused');
        res.locals.outcome = 'bad_signature';
        return void refuse(res, 401, verified.error);
      }
      const json = jsonOf(raw);
      // a sign-in's answer is never kept in the store (below), so looking it up there would only cost a round trip
      const login = json.ok && (json.value as { type?: unknown } | null)?.type === 'login.provisioning_requested';
      const earlier = (login ? undefined : await options.deliveries.delivery(verified.id)) ?? (await inflight.get(verified.id));
      if (earlier) {
        res.locals.outcome = 'replayed';
        res.setHeader('webhook-replay', 'true');
        return void res.status(earlier.status).json(earlier.body);
      }
      // a login's answer is never replayed from the store: a retried sign-in gets the present state of its work
      const work = answer(json, options.handlers, options.realm).then((a) => (a.status < 500 && !a.login ? options.deliveries.rememberDelivery(verified.id, a.status, a.body) : a));
      inflight.set(verified.id, work);
      try {
        const { status, body } = await work;
        Object.assign(res.locals, outcomeOf(status, body));
        res.status(status).json(body);
      } finally {
        inflight.delete(verified.id);
      }
    },
  );

  // only /admin… reaches the admin pages (their session middleware knows no other path)
  const adminPages = options.adminPages;
  if (adminPages) app.use((req, res, next) => (req.path === '/admin' || req.path.startsWith('/admin/') ? adminPages(req, res, next) : next()));
  else app.get(/^\/admin(\/.*)?$/, (_req, res) => refuse(res, 404, 'the admin pages are off: set BRIDGE_PUBLIC_URL and BRIDGE_ADMIN_SESSION_SECRET (README, "Admin pages")'));
  app.use((req, res) => refuse(res, 404, `no such endpoint: ${req.method} ${req.path}`));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.too.large') return refuse(res, 413, `the body is larger than ${options.maxBodyBytes} bytes (BRIDGE_WEBHOOK_MAX_BODY_BYTES)`);
    if (e.status && e.status >= 400 && e.status < 500) return refuse(res, e.status, e.message ?? 'bad request');
    log.error({ err: e.message }, 'unexpected error in the HTTP layer');
    refuse(res, 500, 'internal error; see the bridge log');
  });
  return app;
}

/** The body as JSON, parsed once (a sign-in's body may hold thousands of groups). */
function jsonOf(raw: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

async function answer(json: ReturnType<typeof jsonOf>, handlers: WebhookHandlers, realm: string | undefined): Promise<{ status: number; body: unknown; login?: boolean }> {
  if (!json.ok) return { status: 400, body: { error: 'the body is not valid JSON' } };
  const parsed = webhookSchema.safeParse(json.value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
    return { status: 400, body: { error: `invalid webhook: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues } };
  }
  const body = parsed.data;
  if (realm !== undefined && body.realm !== realm) {
    return { status: 400, body: { error: `the webhook is about realm '${body.realm}', but this bridge serves realm '${realm}' (KEYCLOAK_REALM): point that realm's BMS provisioning step at its own bridge` } };
  }
  if (body.type === 'login.provisioning_requested') {
    try {
      return { status: 200, body: await handlers.login(body), login: true };
    } catch (err) {
      // the bridge cannot decide: a failure the plugin's failure mode handles, never a denial
      return { status: 503, body: { error: (err as Error).message }, login: true };
    }
  }
  await handlers.event(body);
  return { status: 202, body: { accepted: body.type } };
}

/** Reports the webhook once its answer is sent: the route sets `res.locals.type` and `.outcome` when it knows them. */
function observe(res: Response, onWebhook: NonNullable<AppOptions['onWebhook']>): void {
  const started = process.hrtime.bigint();
  res.once('finish', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const locals = res.locals as { type?: string; outcome?: WebhookOutcome };
    const byStatus: WebhookOutcome = res.statusCode === 413 ? 'too_large' : res.statusCode >= 500 ? 'error' : 'invalid';
    onWebhook(locals.type ?? 'unknown', locals.outcome ?? byStatus, seconds);
  });
}

/** The type and outcome of an answered webhook, from the answer itself. */
function outcomeOf(status: number, body: unknown): { type?: string; outcome: WebhookOutcome } {
  const answer = body as { status?: string; accepted?: string; type?: string };
  if (status === 202) return { type: answer.accepted, outcome: 'accepted' };
  if (status === 200 && (answer.status === 'provisioned' || answer.status === 'pending' || answer.status === 'denied')) return { type: 'login.provisioning_requested', outcome: answer.status };
  if (status === 503) return { type: 'login.provisioning_requested', outcome: 'unavailable' };
  return { type: answer.type, outcome: status >= 500 ? 'error' : 'invalid' };
}

function refuse(res: Response, status: number, error: string): void {
  res.status(status).json({ error });
}

