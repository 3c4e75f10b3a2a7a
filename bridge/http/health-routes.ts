import { Router } from 'express';

import { hasAdminToken } from './admin-token';

/**
 * A finding that does not make the bridge unready: shown in /readyz's details and on the admin pages' health page
 * (e.g. a check that cannot run at the moment, while the bridge itself can serve).
 */
export class ReadyWarning {
  constructor(readonly message: string) {}
}

/** One thing /readyz checks. */
export interface ReadyCheck {
  name: string;
  /** undefined when fine, a string when the bridge is not ready, a ReadyWarning when it is ready with a remark; must not start work of its own against BMS (a probe runs it) */
  check(): Promise<string | ReadyWarning | undefined>;
}

/** What one check said: a problem (not ready), a warning (ready), or neither. */
export interface CheckResult {
  name: string;
  problem: string | undefined;
  warning?: string;
}

export interface HealthOptions {
  ready?: ReadyCheck[];
  /** the admin token: details of /readyz and /metrics need it; without one /metrics is off */
  adminToken?: string;
  /** the Prometheus exposition; undefined: no /metrics */
  metrics?: () => Promise<{ contentType: string; text: string }>;
}

/** A check that hangs (a store that stopped answering) is a failing check, not a hanging probe. */
const CHECK_BOUND_MS = 5_000;

/**
 * /healthz (alive), /readyz (ready: pass or fail for anyone, what each check says only with the admin token, since
 * the details name hosts, realms and users) and /metrics (Prometheus, with the admin token).
 */
export function healthRoutes(options: HealthOptions): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => void res.json({ status: 'ok', service: 'bms-bridge' }));
  router.get('/readyz', async (req, res) => {
    const results = await checkAll(options.ready ?? []);
    const ready = results.every(({ problem }) => !problem);
    const body = { status: ready ? 'ready' : 'not ready' };
    res.status(ready ? 200 : 503).json(hasAdminToken(req, options.adminToken) ? { ...body, checks: Object.fromEntries(results.map(({ name, problem, warning }) => [name, problem ?? (warning ? `warning: ${warning}` : 'ok')])) } : body);
  });
  router.get('/metrics', async (req, res) => {
    if (!options.metrics || !options.adminToken) return void res.status(404).json({ error: 'the metrics endpoint is off: set BRIDGE_ADMIN_TOKEN to enable it' });
    if (!hasAdminToken(req, options.adminToken)) return void res.status(401).json({ error: 'a valid admin bearer token is required' });
    const { contentType, text } = await options.metrics();
    res.type(contentType).send(text);
  });
  return router;
}

/** Runs every check at once, each bounded in time; a check that throws reports its message as the problem. */
export function checkAll(checks: ReadyCheck[]): Promise<CheckResult[]> {
  return Promise.all(
    checks.map(async (c) => {
      const said = await bounded(c.check).catch((e: Error) => e.message);
      return said instanceof ReadyWarning ? { name: c.name, problem: undefined, warning: said.message } : { name: c.name, problem: said };
    }),
  );
}

function bounded(check: () => Promise<string | ReadyWarning | undefined>): Promise<string | ReadyWarning | undefined> {
  return Promise.race([check(), new Promise<string>((resolve) => setTimeout(() => resolve(`no answer within ${CHECK_BOUND_MS / 1000} s`), CHECK_BOUND_MS).unref())]);
}
