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
import { preview } from './rules/preview';
import { RuleSource } from './rules/rule-source';

export interface RunningBridge {
  url: string;
  store: SqliteJobStore;
  worker: Worker;
  provisioner: Provisioner;
  rules: RuleSource;
  stop(): Promise<void>;
}

/** Wires the parts together and serves: store, BMS client, Keycloak gateway, rules, worker, HTTP. */
export async function startBridge(config: BridgeConfig, log: Logger): Promise<RunningBridge> {
  const store = new SqliteJobStore(config.store.path);
  const bms = new BmsClient(config.bms, { logger: log });
  const keycloak = new KeycloakGateway(config.keycloak, log);
  const rules = new RuleSource(() => keycloak.mappers(config.keycloak.idpAlias), config.keycloak.idpAlias, config.keycloak.rulesTtlMs, bms.lookups, log);
  const provisioner = new Provisioner(store, bms, keycloak, rules, { updatePolicy: config.provisioning.updatePolicy, maxAttempts: config.jobs.maxAttempts }, log);
  const worker = new Worker(store, (job) => provisioner.run(job), failureOf, config.jobs, log);
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
  });
  worker.start();
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.server.port, config.server.host, () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${config.server.host}:${config.server.port} (${err.code ?? err.message})`)));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.server.host}:${port}`;
  log.info({ url, realm: config.keycloak.realm, idpAlias: config.keycloak.idpAlias }, 'bridge listening');
  return {
    url,
    store,
    worker,
    provisioner,
    rules,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await worker.stop();
      store.close();
    },
  };
}
