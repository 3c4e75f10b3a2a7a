import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type KcAdminClient from '@keycloak/keycloak-admin-client';

import { RunningBridge, startBridge } from '../../bridge/bridge';
import { bridgeConfigSchema } from '../../bridge/config/config';
import type { Logger } from '../../bridge/log/logger';
import { signingCertFromDescriptor } from '../bms-emulator/idp-metadata';
import { ACS_PATH, createPortal } from '../bms-emulator/portal';
import { BmsEmulator, createBmsEmulator, DEFAULT_API_USER } from '../bms-emulator/server';
import type { Employee } from '../bms-emulator/seed';
import { freePort } from '../stack/ports';
import { newWebhookSecret } from '../stack/webhook-secret';
import { startWebhookTap, TappedDelivery, WebhookTap } from '../stack/webhook-tap';
import { brokerRealmCopy, RealmCopy } from './broker-realm-copy';

/** One line the bridge logged, kept so a test can check what an administrator would read. */
export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

/**
 * A private copy of the whole product for the converge tests (issue 10): the BMS emulator and its portal (a SAML
 * client of a broker realm copy, gated by the provisioning step), a recording tap between Keycloak and the bridge,
 * and the real bridge in this process. Nothing here is shared with other test files, so faults, emulator settings and
 * mapper policies can be changed freely.
 */
export interface ConvergeStack {
  realm: string;
  copy: RealmCopy;
  emulator: BmsEmulator;
  portalUrl: string;
  bridge: RunningBridge;
  tap: WebhookTap;
  webhookSecret: string;
  adminToken: string;
  log: LoggedLine[];
  stop(): Promise<void>;
}

export async function startConvergeStack(admin: KcAdminClient, baseUrl: string): Promise<ConvergeStack> {
  const emulator = createBmsEmulator();
  const api = await emulator.listen();
  const portalPort = await freePort();
  const portalUrl = `http://127.0.0.1:${portalPort}`;
  const webhookSecret = newWebhookSecret();
  const clientSecret = newWebhookSecret();
  const adminToken = newWebhookSecret();
  let bridge: RunningBridge | undefined;
  const tap = await startWebhookTap(() => `${bridge?.url ?? 'http://127.0.0.1:9'}/webhooks/keycloak`);
  const copy = await brokerRealmCopy(admin, baseUrl, 'converge-id', {
    BMS_SP_ENTITY_ID: portalUrl,
    BMS_SP_ACS_URL: `${portalUrl}${ACS_PATH}`,
    BMS_COMPANY_NAME: emulator.seed.tenant,
    BMS_BRIDGE_URL: tap.url,
    BMS_WEBHOOK_SECRET: webhookSecret,
    BRIDGE_KEYCLOAK_CLIENT_SECRET: clientSecret,
  });
  const realmUrl = `${baseUrl}/realms/${copy.realm}`;
  const portalApp = createPortal({
    baseUrl: portalUrl,
    idpSsoUrl: `${realmUrl}/protocol/saml`,
    idpCert: await signingCertFromDescriptor(`${realmUrl}/protocol/saml/descriptor`),
    store: emulator.store,
    seed: emulator.seed,
  });
  const portal = await new Promise<Server>((resolve, reject) => {
    const server = portalApp.listen(portalPort, '127.0.0.1', () => resolve(server));
    server.once('error', reject);
  });
  const dir = mkdtempSync(join(tmpdir(), 'converge-id-'));
  const log: LoggedLine[] = [];
  const record = (level: LoggedLine['level']) => (fields: Record<string, unknown>, message: string): void => void log.push({ level, fields, message });
  const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  const config = bridgeConfigSchema.parse({
    server: { port: 0 },
    webhook: { secret: webhookSecret, answerBudgetMs: 2500 },
    keycloak: { baseUrl, realm: copy.realm, clientId: 'bms-bridge', clientSecret },
    // retries on: a transport that retries a create blindly shows itself against a lenient BMS
    bms: { baseUrl: api.url, tenant: DEFAULT_API_USER.tenant, userName: DEFAULT_API_USER.userName, password: DEFAULT_API_USER.password, timeoutMs: 2000, retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 } },
    store: { path: join(dir, 'bridge.sqlite') },
    jobs: { maxAttempts: 12, baseDelayMs: 100, maxDelayMs: 1000 },
    // no periodic sweep: the tests run it when they mean to
    reconcile: { intervalMs: 0 },
    admin: { token: adminToken },
  });
  bridge = await startBridge(config, logger);
  const running = bridge;
  return {
    realm: copy.realm,
    copy,
    emulator,
    portalUrl,
    bridge: running,
    tap,
    webhookSecret,
    adminToken,
    log,
    stop: async () => {
      await running.stop();
      await tap.stop();
      portal.closeAllConnections();
      await new Promise<void>((resolve) => portal.close(() => resolve()));
      await api.close();
      await copy.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every employee with this e-mail address (exact, ignoring case), straight from the emulator's store. */
export function employeesWith(emulator: BmsEmulator, email: string): Employee[] {
  return emulator.store.all().filter((e) => e.emailAddress.trim().toLowerCase() === email.trim().toLowerCase());
}

/** Every create call (POST /v2/hr/employees) BMS got, in order: its place in the call log, time, e-mail, injected fault. */
export function createCalls(emulator: BmsEmulator): { index: number; at: number; email?: string; fault?: string }[] {
  return emulator.callLog
    .map((call, index) => ({ call, index }))
    .filter(({ call }) => call.method === 'POST' && call.url.split('?')[0] === '/v2/hr/employees')
    .map(({ call, index }) => ({ index, at: call.at, email: bodyEmail(call.body), fault: call.fault }));
}

/** The create calls whose body carries this e-mail address. */
export function createsFor(emulator: BmsEmulator, email: string): { index: number; at: number; email?: string; fault?: string }[] {
  return createCalls(emulator).filter((c) => c.email === email.toLowerCase());
}

/** The searchselect calls whose free text mentions this e-mail address, with their place in the call log. */
export function searchesFor(emulator: BmsEmulator, email: string): { index: number }[] {
  return emulator.callLog
    .map((call, index) => ({ call, index }))
    .filter(({ call }) => call.method === 'GET' && call.url.startsWith('/v2/hr/employees/searchselect') && decode(call.url).toLowerCase().includes(email.toLowerCase()))
    .map(({ index }) => ({ index }));
}

function decode(url: string): string {
  try {
    return decodeURIComponent(url.replace(/\+/g, ' '));
  } catch {
    return url;
  }
}

function bodyEmail(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const entry = Object.entries(body as Record<string, unknown>).find(([k]) => k.toLowerCase() === 'emailaddress');
  return typeof entry?.[1] === 'string' ? entry[1].toLowerCase() : undefined;
}

/** The login webhooks (and their answers) the tap saw for this Keycloak user, oldest first. */
export function loginsOf(tap: WebhookTap, userId: string): TappedDelivery[] {
  return tap.deliveries.filter((d) => d.type === 'login.provisioning_requested' && d.userId === userId);
}

/** Runs the bridge's sweep over HTTP (POST /admin/reconcile) and returns its summary. */
export async function sweep(stack: ConvergeStack, all = false): Promise<unknown> {
  const res = await fetch(`${stack.bridge.url}/admin/reconcile${all ? '?scope=all' : ''}`, { method: 'POST', headers: { authorization: `Bearer ${stack.adminToken}` } });
  const body = (await res.json()) as unknown;
  if (!res.ok) throw new Error(`the sweep answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}
