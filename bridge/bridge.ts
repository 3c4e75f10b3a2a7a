import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { adminPagesFor } from './admin/admin-pages';
import { BmsClient } from './bms/client';
import { BridgeConfig } from './config/config';
import { failureOf, refusedForGood } from './converge/converge-result';
import { Converger } from './converge/converger';
import { createApp, ReadyCheck } from './http/app';
import { checkAll } from './http/health-routes';
import { webhookHandlers } from './http/handlers';
import { Worker } from './jobs/worker';
import { Job } from './jobs/job-queue';
import { WatchedRuleSource } from './health/watched-rules';
import { BridgeMetrics } from './metrics/metrics';
import { KeycloakGateway } from './keycloak/gateway';
import { Logger } from './log/logger';
import { LoginAnswerer } from './login/answer-login';
import { evaluate } from './rules/evaluate';
import { Decision, UserFacts } from './rules/model';
import { preview, PreviewSource } from './rules/preview';
import { lastGoodFileFor } from './rules/last-good-file';
import { RuleSource } from './rules/rule-source';
import { openStore } from './store/open-store';
import { namedStore, storeLocation } from './errors/named-store';
import { Store } from './store/store';
import { Sweep, SweepSummary } from './sweep/sweep';
import { BridgeStoppingError, SweepControl } from './sweep/sweep-control';
import { SweepElsewhereError } from './sweep/sweep-lease';
import { rulesTopic, watchRuleChanges } from './rules/rule-changes';
import { SharedCallBudget } from './bms/shared-budget';
import { parseBmsClientConfig } from './bms/config';
import { wiringReadyCheck } from './setup/check';

/** The parts without HTTP: what `serve` and the CLI's `reconcile` share. */
export interface BridgeCore {
  store: Store;
  bms: BmsClient;
  keycloak: KeycloakGateway;
  rules: WatchedRuleSource;
  converger: Converger;
  worker: Worker;
  answerer: LoginAnswerer;
  sweep: Sweep;
  /** this bridge's Prometheus metrics (its own registry) */
  metrics: BridgeMetrics;
  /** What the rules in force decide for these facts (no job, no BMS call). */
  decide(facts: UserFacts): Promise<Decision>;
}

/** Opens the store and builds the parts; an Error when the store cannot be opened. */
export async function createBridgeCore(config: BridgeConfig, log: Logger): Promise<BridgeCore> {
  // every failure of the database names the store, the operation and where it is
  const store = namedStore(await openStore(config.store), storeLocation(config.store));
  // one BMS budget for every bridge (and CLI) on this store
  const budget = parseBmsClientConfig(config.bms).rateLimit;
  const bms = new BmsClient(config.bms, { logger: log, rateLimiter: new SharedCallBudget(store.coordination, budget) });
  const keycloak = new KeycloakGateway(config.keycloak, log);
  const rules = ruleSourceFor(config, keycloak, bms, log);
  const metrics = new BridgeMetrics({ jobs: store.jobs, coordination: store.coordination, budget, rulesHealth: () => rules.health(), sweepIntervalMs: config.reconcile.intervalMs, log });
  bms.onExchange((exchange) => metrics.bmsExchange(exchange));
  const converger = new Converger(store, bms, keycloak, rules, { loginFactsWindowMs: 60_000, maxAttempts: config.jobs.maxAttempts }, log);
  const onAttempt = (job: Job, outcome: 'done' | 'retry' | 'dead'): void => metrics.jobAttempt(job, outcome);
  const worker = new Worker(store.jobs, (job, lease) => converger.run(job, lease), failureOf, { ...config.jobs, sweepIntervalMs: config.reconcile.intervalMs, backOffAfter: refusedForGood, onAttempt }, log);
  const answerer = new LoginAnswerer(store, rules, worker, { budgetMs: config.webhook.answerBudgetMs, maxAttempts: config.jobs.maxAttempts }, log);
  const sweep = new Sweep(keycloak, rules, store, worker, config.keycloak.idpAlias, { maxAttempts: config.jobs.maxAttempts, retention: config.retention, pageSize: config.reconcile.pageSize }, log);
  const decide = async (facts: UserFacts): Promise<Decision> => evaluate(await rules.current(), facts);
  return { store, bms, keycloak, rules, converger, worker, answerer, sweep, metrics, decide };
}

/** The rules as every part of the bridge reads them: cached, BMS names checked, the last good set kept across restarts. */
export function ruleSourceFor(config: BridgeConfig, keycloak: KeycloakGateway, bms: BmsClient, log: Logger): WatchedRuleSource {
  const { idpAlias } = config.keycloak;
  return new WatchedRuleSource(() => keycloak.mappers(idpAlias), idpAlias, config.keycloak.rulesTtlMs, bms.lookups, log, lastGoodFileFor(config.store.path, idpAlias));
}

/** Preview reads users through the gateway and the rules exactly as sign-ins get them. */
export function previewSource(keycloak: KeycloakGateway, rules: RuleSource): PreviewSource {
  return { rules: () => rules.current(), status: () => rules.problems(), user: (id) => keycloak.user(id), userByEmail: (email) => keycloak.userByEmail(email) };
}

/**
 * What /readyz checks. None starts work of its own against BMS: BMS is judged by its latest real exchange, and the
 * rules only once they were loaded (asking before would start a load).
 */
export function readinessChecks(core: Pick<BridgeCore, 'store' | 'keycloak' | 'bms' | 'rules'>): ReadyCheck[] {
  return [
    { name: 'store', check: async () => (await core.store.jobs.list({ limit: 1 }), undefined) },
    { name: 'keycloak', check: () => core.keycloak.ping() },
    { name: 'bms', check: async () => core.bms.health() },
    { name: 'rules', check: () => core.rules.health() },
  ];
}

/** Runs a sweep and tells the metrics how long it took and what it found (or that it failed). */
async function timed(metrics: BridgeMetrics, run: () => Promise<SweepSummary>): Promise<SweepSummary> {
  const started = process.hrtime.bigint();
  const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    const summary = await run();
    metrics.sweepEnded(seconds(), summary);
    return summary;
  } catch (err) {
    metrics.sweepEnded(seconds(), undefined);
    throw err;
  }
}

export interface RunningBridge extends BridgeCore {
  url: string;
  stop(): Promise<void>;
}

/** Serves: the webhook endpoint, health endpoints, the job worker and the periodic sweep. */
export async function startBridge(config: BridgeConfig, log: Logger): Promise<RunningBridge> {
  const core = await createBridgeCore(config, log);
  const { store, keycloak, rules, worker, answerer, sweep, metrics } = core;
  const { idpAlias } = config.keycloak;
  // the listener tells one bridge; the store tells the others (watchRuleChanges)
  const rulesChanged = async (): Promise<void> => {
    rules.invalidate();
    await store.coordination.bumpVersion(rulesTopic(idpAlias));
  };
  // every sweep of this bridge (periodic, from the admin pages, POST /admin/reconcile): one at a time, under the store's
  // lease, recorded for every bridge's pages, and stopped with the bridge
  const sweeps = new SweepControl(store.expiring, store.coordination, worker.owner, (scope, waitMs, signal, onProgress) => timed(metrics, () => sweep.run({ scope, waitMs, onProgress, signal })));
  // the realm's wiring (bridge setup --check), read from Keycloak at most every KEYCLOAK_WIRING_CHECK_MS
  const ready = [...readinessChecks(core), ...(config.keycloak.wiringCheckMs > 0 ? [wiringReadyCheck(keycloak, config.keycloak)] : [])];
  const adminPages = adminPagesFor(config, core, { previewSource: previewSource(keycloak, rules), health: () => checkAll(ready), sweep: sweeps }, log);
  const app = createApp({
    secret: config.webhook.secret,
    realm: config.keycloak.realm,
    maxBodyBytes: config.webhook.maxBodyBytes,
    deliveries: store.deliveries,
    handlers: webhookHandlers(answerer, worker, store.jobs, rulesChanged, config.jobs.maxAttempts, log),
    ready,
    adminPages,
    logger: log,
    metrics: () => metrics.exposition(),
    onWebhook: (type, outcome, seconds) => metrics.webhookAnswered(type, outcome, seconds),
    preview: { token: config.admin.token, run: (request) => preview(previewSource(keycloak, rules), request) },
    reconcile: (all) => sweeps.sweep(all ? 'all' : 'requested', 30_000),
  });
  // retention runs at every sweep, and hourly for a bridge whose periodic sweep is off
  const purge = async (): Promise<void> => {
    try {
      log.info({ purged: await store.purge(config.retention) }, 'retention purge');
    } catch (err) {
      log.warn({ error: (err as Error).message }, 'retention purge failed; it runs again within the hour');
    }
  };
  await purge();
  const purger = setInterval(() => void purge(), 3_600_000);
  purger.unref();
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.server.port, config.server.host, () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${config.server.host}:${config.server.port} (${err.code ?? err.message})`)));
  });
  // the worker starts only once this process owns the port: a second serve that cannot listen never touches the jobs
  worker.start();
  const stopWatching = await watchRuleChanges(store.coordination, idpAlias, rules, log);
  // load the rules and the BMS lookups they name now, so not even the first sign-in after a start waits for them
  rules.current().catch((err: Error) => log.warn({ error: err.message }, 'BMS rules could not be loaded at start; the first sign-in tries again'));
  let stopping: Promise<void> | undefined;
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.server.host}:${port}`;
  log.info({ url, realm: config.keycloak.realm, idpAlias: config.keycloak.idpAlias, adminPages: adminPages ? `${config.admin.publicUrl}/admin` : 'off' }, 'bridge listening');
  const timer =
    config.reconcile.intervalMs > 0
      ? setInterval(() => {
          if (sweeps.busy) return;
          sweeps.sweep('requested', 0).catch((err: Error) =>
            err instanceof SweepElsewhereError
              ? log.debug({ holder: err.holder }, 'periodic sweep skipped: another bridge sweeps')
              : err instanceof BridgeStoppingError
                ? log.info({}, 'periodic sweep stopped with the bridge; the next sweep starts at the next interval, on any bridge')
                : log.warn({ error: err.message }, 'periodic sweep failed; it runs again at the next interval'),
          );
        }, config.reconcile.intervalMs)
      : undefined;
  timer?.unref();
  return {
    ...core,
    url,
    stop: () => (stopping ??= (async () => {
      if (timer) clearInterval(timer);
      clearInterval(purger);
      stopWatching();
      // the sweep gives its lease up now (even while stuck in a call), not a minute after this process is gone
      const sweepStopped = sweeps.stop();
      // a rolling restart: no new connections, but the sign-ins in flight get their answers (within their budget)
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), config.webhook.answerBudgetMs + 2_000);
      await closed;
      clearTimeout(cut);
      await sweepStopped;
      await worker.stop();
      await store.close();
    })()),
  };
}
