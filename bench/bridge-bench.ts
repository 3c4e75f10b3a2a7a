import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Webhook } from 'standardwebhooks';

import { createBmsEmulator, DEFAULT_API_USER } from '../test/bms-emulator/server';
import { startPostgres } from '../test/stack/postgres-server';
import { newWebhookSecret } from '../test/stack/webhook-secret';
import { startFakeKeycloakAdmin } from './fake-keycloak-admin';

const USERS = Number(process.env.BENCH_USERS ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

/** Which store the benched bridges use, and how many of them share it. */
export interface BridgeBenchSetup {
  store: 'sqlite' | 'postgres';
  instances: number;
}

/**
 * The bridge in its own process(es), BMS emulator at zero latency: throughput, latency, BMS calls, memory. With
 * several instances (on PostgreSQL) the senders spread their webhooks over them round-robin, as a load balancer would.
 * Every setup gets fresh stand-ins and a fresh store, in this one run, so their figures compare.
 */
export async function benchBridge(setup: BridgeBenchSetup = { store: 'sqlite', instances: 1 }): Promise<Record<string, string>> {
  const emulator = createBmsEmulator({ rateLimitPerHour: 1_000_000 });
  const bms = await emulator.listen();
  const keycloak = await startFakeKeycloakAdmin();
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const secret = newWebhookSecret();
  const postgres = setup.store === 'postgres' ? await startPostgres() : undefined;
  const store: Record<string, string> = postgres ? { BRIDGE_STORE_URL: await postgres.createDatabase('bench_bridge'), BRIDGE_DB_PATH: join(dir, 'bridge.sqlite') } : { BRIDGE_DB_PATH: join(dir, 'bridge.sqlite') };
  const bridges = Array.from({ length: setup.instances }, () =>
    spawnBridge({ BRIDGE_WEBHOOK_SECRET: secret, KEYCLOAK_URL: keycloak.url, BMS_BASE_URL: bms.url, ...store }),
  );
  try {
    const urls = await Promise.all(bridges.map((b) => b.url));
    const pids = bridges.map((b) => b.child.pid ?? 0);
    const signer = new Webhook(secret);
    const agent = new Agent({ keepAlive: true, maxSockets: Math.max(CONCURRENCY, 4) * urls.length });
    let seq = 0;
    const send = (user: number): Promise<{ ms: number; status: string }> => {
      const email = `bench.user${user}@contoso.com`;
      const body = JSON.stringify({
        type: 'login.provisioning_requested', eventId: `bench-${seq}`, realm: 'broker', idpAlias: 'passly', clientId: 'bms',
        user: { id: `user-${user}`, username: email, subject: email, email, firstName: 'Bench', lastName: `User${user}`, upn: email, domain: 'contoso.com', groups: ['BMS-Techs'] },
        firstLogin: false, time: new Date().toISOString(),
      });
      const id = `msg_bench_${seq}`;
      const url = urls[seq++ % urls.length];
      const now = new Date();
      const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signer.sign(id, now, body) };
      const started = process.hrtime.bigint();
      return new Promise((resolve, reject) => {
        const req = request(`${url}/webhooks/keycloak`, { method: 'POST', headers, agent }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, status: (JSON.parse(text) as { status: string }).status }));
        });
        req.on('error', reject);
        req.end(body);
      });
    };

    // new users: the BMS calls each costs
    const callsBefore = emulator.calls.length;
    const keycloakBefore = keycloak.totalCalls();
    const answers: Record<string, number> = {};
    for (let u = 0; u < USERS; u++) {
      const { status } = await send(u);
      answers[status] = (answers[status] ?? 0) + 1;
    }
    const newUserCalls = emulator.calls.slice(callsBefore).filter((c) => !c.includes('/lookup') && !c.includes('/security/'));
    const figures: Record<string, string> = {
      'new users answered': Object.entries(answers).map(([status, n]) => `${status} ${n}`).join(', '),
      'BMS calls per new user': (newUserCalls.length / USERS).toFixed(2),
      'Keycloak calls per new user': ((keycloak.totalCalls() - keycloakBefore) / USERS).toFixed(2),
    };
    // returning, unchanged users under sustained load: at BENCH_CONCURRENCY senders, then at 4 (the latency target's)
    let peakRss = 0;
    for (const senders of [...new Set([CONCURRENCY, 4])]) {
      const returningBefore = emulator.calls.length;
      const keycloakReturningBefore = keycloak.totalCalls();
      const cpuBefore = pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0);
      const latencies: number[] = [];
      const deadline = Date.now() + SECONDS * 1000;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, ...pids.map(rssOf))), 200);
      await Promise.all(
        Array.from({ length: senders }, async (_, worker) => {
          let i = worker;
          while (Date.now() < deadline) {
            const { ms } = await send(i % USERS);
            latencies.push(ms);
            i += senders;
          }
        }),
      );
      clearInterval(sampler);
      const cpuMs = pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0) - cpuBefore;
      const returningCalls = emulator.calls.length - returningBefore;
      latencies.sort((a, b) => a - b);
      const pct = (p: number): string => `${latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(2)} ms`;
      const at = `, ${senders} senders`;
      figures[`webhooks answered (returning users)${at}`] = String(latencies.length);
      figures[`sustained webhooks per second${at}`] = (latencies.length / SECONDS).toFixed(0);
      figures[`latency p50${at}`] = pct(50);
      figures[`latency p99${at}`] = pct(99);
      figures[`bridge CPU time per webhook${at}`] = `${((cpuMs * 1000) / latencies.length).toFixed(0)} µs`;
      figures[`BMS calls per unchanged returning user${at}`] = (returningCalls / latencies.length).toFixed(2);
      figures[`Keycloak calls per unchanged returning user${at}`] = ((keycloak.totalCalls() - keycloakReturningBefore) / latencies.length).toFixed(2);
    }
    figures['bridge resident memory, peak under load'] = `${Math.round(peakRss / 1048576)} MiB${urls.length > 1 ? ' (largest instance)' : ''}`;
    return figures;
  } finally {
    for (const b of bridges) b.child.kill('SIGTERM');
    await Promise.all(bridges.map((b) => new Promise((r) => (b.child.exitCode !== null ? r(null) : b.child.once('exit', r)))));
    await bms.close();
    await keycloak.close();
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The V8 flags the bridge runs with (package.json config.bridgeNodeFlags, as `npm run bridge` uses them). */
export function nodeFlags(): string {
  if (process.env.BENCH_NODE_FLAGS !== undefined) return process.env.BENCH_NODE_FLAGS;
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { config?: { bridgeNodeFlags?: string } };
  return pkg.config?.bridgeNodeFlags ?? '';
}

/** CPU time the process has used so far, user + system (clock ticks of 10 ms, as Linux counts them). */
export function cpuMsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

export function rssOf(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * The bridge in its own process (bench/bridge-server.ts) with the V8 flags it runs with, configured for the bench's
 * stand-ins; `env` adds or overrides. url resolves once it listens.
 */
export function spawnBridge(env: Record<string, string>): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, [...nodeFlags().split(' ').filter(Boolean), join(__dirname, 'bridge-server.js')], {
    env: {
      ...process.env, BRIDGE_PORT: '0', KEYCLOAK_CLIENT_ID: 'bms-bridge', KEYCLOAK_CLIENT_SECRET: 'bench',
      BMS_TENANT: DEFAULT_API_USER.tenant, BMS_USERNAME: DEFAULT_API_USER.userName, BMS_PASSWORD: DEFAULT_API_USER.password,
      BMS_RATE_LIMIT_PER_HOUR: '1000000', RECONCILE_INTERVAL_MS: '0', ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      const m = /READY (\S+)/.exec(d.toString());
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`bridge exited (${code})`)));
  });
  url.catch(() => undefined); // the caller awaits it; an exit after READY is no unhandled rejection
  return { child, url };
}
