import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { BmsClient } from './bms/client';
import { BridgeConfig } from './config/config';
import { createApp } from './http/app';
import { webhookHandlers } from './http/handlers';
import { SqliteJobStore } from './jobs/sqlite-job-store';
import { Worker } from './jobs/worker';
import { KeycloakGateway } from './keycloak/gateway';
import { Logger } from './log/logger';
import { failureOf, Provisioner } from './provisioning/provisioner';
import { Reconciler } from './reconcile/reconciler';
import { preview } from './rules/preview';
import { RuleSource } from './rules/rule-source';

/** The parts without HTTP: what `serve` and the CLI's `reconcile` share. */
export interface BridgeCore {
  store: SqliteJobStore;
  bms: BmsClient;
  keycloak: KeycloakGateway;
  rules: RuleSource;
  provisioner: Provisioner;
  worker: Worker;
  reconciler: Reconciler;
}

export function createBridgeCore(config: BridgeConfig, log: Logger): BridgeCore {
  const store = new SqliteJobStore(config.store.path);
  const bms = new BmsClient(config.bms, { logger: log });
  const keycloak = new KeycloakGateway(config.keycloak, log);
  const rules = new RuleSource(() => keycloak.mappers(config.keycloak.idpAlias), config.keycloak.idpAlias, config.keycloak.rulesTtlMs, bms.lookups, log);
  const provisioner = new Provisioner(store, bms, keycloak, rules, { updatePolicy: config.provisioning.updatePolicy, maxAttempts: config.jobs.maxAttempts }, log);
  const worker = new Worker(store, (job) => provisioner.run(job), failureOf, config.jobs, log);
  const reconciler = new Reconciler(keycloak, provisioner, store, worker, config.keycloak.realm, config.keycloak.idpAlias, log);
  return { store, bms, keycloak, rules, provisioner, worker, reconciler };
}

export interface RunningBridge extends BridgeCore {
  url: string;
  stop(): Promise<void>;
}

/** Serves: the webhook endpoint, health endpoints, the job worker and the periodic reconciler. */
export async function startBridge(config: BridgeConfig, log: Logger): Promise<RunningBridge> {
  const core = createBridgeCore(config, log);
  const { store, bms, keycloak, rules, provisioner, worker, reconciler } = core;
  const app = createApp({
    secret: config.webhook.secret,
    maxBodyBytes: config.webhook.maxBodyBytes,
    store,
    handlers: webhookHandlers(provisioner, worker, store, rules, config.webhook.answerBudgetMs, config.jobs.maxAttempts, log),
    ready: [
      { name: 'store', check: async () => (store.list({ limit: 1 }), undefined) },
      { name: 'keycloak', check: () => keycloak.ping() },
      { name: 'bms', check: () => bms.ping() },
      { name: 'rules', check: () => rules.problems() },
    ],
    logger: log,
    preview: { token: config.admin.token, run: (request) => preview(keycloak, config.keycloak.idpAlias, request) },
    reconcile: (all) => reconciler.run({ scope: all ? 'all' : 'requested', waitMs: 30_000 }),
  });
  worker.start();
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.server.port, config.server.host, () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${config.server.host}:${config.server.port} (${err.code ?? err.message})`)));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.server.host}:${port}`;
  log.info({ url, realm: config.keycloak.realm, idpAlias: config.keycloak.idpAlias }, 'bridge listening');
  let reconciling = false;
  const timer =
    config.reconcile.intervalMs > 0
      ? setInterval(() => {
          if (reconciling) return;
          reconciling = true;
          reconciler
            .run({ scope: 'requested', waitMs: 0 })
            .catch((err: Error) => log.warn({ error: err.message }, 'periodic reconciliation failed; it runs again at the next interval'))
            .finally(() => (reconciling = false));
        }, config.reconcile.intervalMs)
      : undefined;
  timer?.unref();
  return {
    ...core,
    url,
    stop: async () => {
      if (timer) clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await worker.stop();
      store.close();
    },
  };
}
