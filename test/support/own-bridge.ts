import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type KcAdminClient from '@keycloak/keycloak-admin-client';

import { RunningBridge, startBridge } from '../../bridge/bridge';
import { BridgeConfig, bridgeConfigSchema } from '../../bridge/config/config';
import { silentLogger } from '../../bridge/log/logger';
import { BmsEmulator, createBmsEmulator, DEFAULT_API_USER } from '../bms-emulator/server';
import { newWebhookSecret } from '../stack/webhook-secret';
import { brokerRealmCopy, RealmCopy } from './broker-realm-copy';

/** What a test may set on its own bridge: the port, values of the realm copy, and settings over the defaults below. */
export interface OwnBridgeOptions {
  port?: number;
  realmValues?: Record<string, string>;
  answerBudgetMs?: number;
  jobs?: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  admin?: BridgeConfig['admin'] | { token: string; publicUrl?: string; sessionSecret?: string };
  /** the provisioning step's read timeout in the realm copy, ms */
  readTimeoutMs?: number;
}

/** A bridge of the test's own, on a realm copy of the shared Keycloak, with its own BMS emulator and SQLite store. */
export interface OwnBridge {
  secret: string;
  clientSecret: string;
  emulator: BmsEmulator;
  copy: RealmCopy;
  /** a temporary folder of the test's (the store is in it) */
  dir: string;
  config: BridgeConfig;
  bridge: RunningBridge;
  /** stops the bridge it started (a test that started another stops that one), the emulator, and removes the copy */
  stop(): Promise<void>;
}

/**
 * Starts the emulator, copies the broker realm as `<prefix>-…` (its account console gated, its step pointing at the
 * bridge), and starts the bridge: BMS calls time out after 1 s without retries, jobs retry fast.
 */
export async function startOwnBridge(admin: KcAdminClient, baseUrl: string, prefix: string, options: OwnBridgeOptions = {}): Promise<OwnBridge> {
  const secret = newWebhookSecret();
  const clientSecret = newWebhookSecret();
  const emulator = createBmsEmulator();
  const api = await emulator.listen();
  const copy = await brokerRealmCopy(admin, baseUrl, prefix, { BMS_WEBHOOK_SECRET: secret, BRIDGE_KEYCLOAK_CLIENT_SECRET: clientSecret, ...options.realmValues });
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const config = bridgeConfigSchema.parse({
    server: { port: options.port ?? 0 },
    webhook: { secret, answerBudgetMs: options.answerBudgetMs ?? 2500 },
    keycloak: { baseUrl, realm: copy.realm, clientId: 'bms-bridge', clientSecret },
    bms: { baseUrl: api.url, tenant: DEFAULT_API_USER.tenant, userName: DEFAULT_API_USER.userName, password: DEFAULT_API_USER.password, timeoutMs: 1000, retry: { attempts: 1 } },
    store: { path: join(dir, 'bridge.sqlite') },
    jobs: options.jobs ?? { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
    ...(options.admin ? { admin: options.admin } : {}),
  });
  const bridge = await startBridge(config, silentLogger);
  await copy.configureProvisioning({ 'gated.clients': 'account-console', 'bridge.url': `${bridge.url}/webhooks/keycloak`, 'read.timeout.ms': String(options.readTimeoutMs ?? 4000) });
  return {
    secret,
    clientSecret,
    emulator,
    copy,
    dir,
    config,
    bridge,
    stop: async () => {
      await bridge.stop();
      await api.close();
      await copy.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
