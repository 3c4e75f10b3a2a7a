import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { RunningBridge, startBridge } from '../../bridge/bridge';
import { bridgeConfigSchema } from '../../bridge/config/config';
import { Logger, silentLogger } from '../../bridge/log/logger';
import { DEFAULT_API_USER } from '../bms-emulator/server';
import { BrokerStack, chosenPort, startBrokerStack } from './broker-stack';
import { BmsStack, startBmsStack } from './bms-stack';
import { cacheDir } from './project';
import { startPostgres } from './postgres-server';
import { startRoundRobinProxy } from './round-robin-proxy';
import { newWebhookSecret } from './webhook-secret';
import { startWebhookTap, WebhookTap } from './webhook-tap';

export interface LocalStack {
  broker: BrokerStack;
  bms: BmsStack;
  /** the first bridge (with `postgres`, the others are in `bridges`) */
  bridge: RunningBridge;
  bridges: RunningBridge[];
  /** the URL Keycloak posts webhooks to: the bridge's, or the round-robin proxy in front of the bridges */
  webhookUrl: string;
  /** with `postgres`: the store's URL (password included; local and per run) */
  storeUrl?: string;
  /** the bridge's admin token (per run) for /admin/preview, /admin/reconcile, /metrics and readyz's details */
  adminToken: string;
  /** the admin pages (sign in as a member of the realm's admin group, e.g. the stand-in's Ida Rhodes) */
  adminPagesUrl: string;
  /** with `tapWebhooks`: the recorder Keycloak posts through (tests count webhooks with it) */
  tap?: WebhookTap;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  /** put a recording tap between Keycloak and the bridge (tests; never the demo) */
  tapWebhooks?: boolean;
  /** run this many bridges on a throw-away PostgreSQL server, behind one round-robin URL, instead of one on SQLite */
  postgresBridges?: number;
}

export interface LocalStackPorts {
  keycloak?: number;
  keycloakManagement?: number;
  bmsApi?: number;
  bmsPortal?: number;
  bridge?: number;
}

/**
 * The whole product locally: the BMS emulator and portal, Keycloak with the broker realm and the Passly stand-in,
 * and the bridge on its embedded SQLite store (a fresh file per run), wired with per-run secrets.
 */
export async function startLocalStack(ports: LocalStackPorts = {}, log: (line: string) => void = () => {}, bridgeLog: Logger = silentLogger, options: LocalStackOptions = {}): Promise<LocalStack> {
  const portalPort = await chosenPort(ports.bmsPortal, 'BMS portal');
  const bridgePort = await chosenPort(ports.bridge, 'bridge');
  const bms = await startBmsStack(await chosenPort(ports.bmsApi, 'BMS API emulator'), portalPort);
  log(`BMS API emulator on ${bms.apiUrl}`);
  const secrets = { webhook: newWebhookSecret(), client: newWebhookSecret(), admin: newWebhookSecret(), session: newWebhookSecret() };
  const bridgeWebhookUrl = `http://127.0.0.1:${bridgePort}/webhooks/keycloak`;
  // the admin pages are reached at the bridge's port: the bridge's own, or the round-robin proxy's (shared sessions)
  const publicUrl = `http://127.0.0.1:${bridgePort}`;
  const postgres = options.postgresBridges ? await startPostgres() : undefined;
  const storeUrl = postgres ? await postgres.createDatabase('bms_bridge') : undefined;
  const bridges: RunningBridge[] = [];
  // several bridges: Keycloak posts to one URL, a round-robin proxy in the bridge's port, as a load balancer would
  const proxy = postgres ? await startRoundRobinProxy(() => bridges.map((b) => b.url), { port: bridgePort }) : undefined;
  const tap = options.tapWebhooks ? await startWebhookTap(() => bridgeWebhookUrl) : undefined;
  let broker: BrokerStack | undefined;
  try {
    broker = await startBrokerStack({
      httpPort: ports.keycloak,
      managementPort: ports.keycloakManagement,
      realmValues: { ...bms.realmValues, BMS_BRIDGE_URL: tap?.url ?? bridgeWebhookUrl, BMS_WEBHOOK_SECRET: secrets.webhook, BRIDGE_KEYCLOAK_CLIENT_SECRET: secrets.client, BRIDGE_ADMIN_URL: `${publicUrl}/admin` },
      log,
    });
    await bms.startPortal(`${broker.keycloak.baseUrl}/realms/${broker.brokerRealm}`);
    log(`BMS portal on ${bms.portalUrl}`);
    const runDir = join(cacheDir, 'runs', `bridge-${process.pid}-${Date.now()}`);
    mkdirSync(runDir, { recursive: true });
    const config = bridgeConfigSchema.parse({
      webhook: { secret: secrets.webhook },
      keycloak: { baseUrl: broker.keycloak.baseUrl, realm: broker.brokerRealm, clientId: 'bms-bridge', clientSecret: secrets.client },
      bms: { baseUrl: bms.apiUrl, tenant: DEFAULT_API_USER.tenant, userName: DEFAULT_API_USER.userName, password: DEFAULT_API_USER.password },
      store: { path: join(runDir, 'bridge.sqlite'), ...(storeUrl ? { url: storeUrl } : {}) },
      server: { port: proxy ? 0 : bridgePort },
      admin: { token: secrets.admin, publicUrl, sessionSecret: secrets.session },
      // a BMS outage in a demo or test should not wait minutes for the next attempt
      jobs: { baseDelayMs: 500, maxDelayMs: 5_000 },
    });
    for (let i = 0; i < (options.postgresBridges ?? 1); i++) {
      const started = await startBridge({ ...config, store: { ...config.store, path: join(runDir, `bridge-${i}.sqlite`) } }, bridgeLog);
      bridges.push(started);
      log(`bridge on ${started.url} (store ${storeUrl ? 'PostgreSQL, shared' : config.store.path})`);
    }
    if (proxy) log(`the bridges behind ${proxy.url} (round robin), the webhook URL Keycloak uses`);
    const bridge = bridges[0];
    const started = broker;
    return {
      broker: started,
      bms,
      bridge,
      bridges,
      webhookUrl: tap?.url ?? bridgeWebhookUrl,
      storeUrl,
      adminToken: secrets.admin,
      adminPagesUrl: `${publicUrl}/admin`,
      tap,
      stop: async () => {
        await tap?.stop();
        await proxy?.stop();
        for (const b of bridges) await b.stop();
        await postgres?.stop();
        rmSync(runDir, { recursive: true, force: true });
        await bms.stop();
        await started.stop();
      },
    };
  } catch (err) {
    await tap?.stop();
    await proxy?.stop();
    for (const b of bridges) await b.stop().catch(() => undefined);
    await postgres?.stop();
    await bms.stop();
    await broker?.stop();
    throw err;
  }
}
