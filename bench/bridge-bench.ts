import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Webhook } from 'standardwebhooks';

import { createBmsEmulator, DEFAULT_API_USER } from '../test/bms-emulator/server';
import { newWebhookSecret } from '../test/stack/webhook-secret';
import { startFakeKeycloakAdmin } from './fake-keycloak-admin';

const USERS = Number(process.env.BENCH_USERS ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

/** The bridge alone (own process), BMS emulator at zero latency: throughput, latency, BMS calls, memory. */
export async function benchBridge(): Promise<Record<string, string>> {
  const emulator = createBmsEmulator({ rateLimitPerHour: 1_000_000 });
  const bms = await emulator.listen();
  const keycloak = await startFakeKeycloakAdmin();
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const secret = newWebhookSecret();
  const child = spawn(process.execPath, [...nodeFlags().split(' ').filter(Boolean), join(__dirname, 'bridge-server.js')], {
    env: {
      ...process.env, BRIDGE_PORT: '0', BRIDGE_WEBHOOK_SECRET: secret, KEYCLOAK_URL: keycloak.url, KEYCLOAK_CLIENT_ID: 'bms-bridge', KEYCLOAK_CLIENT_SECRET: 'bench',
      BMS_BASE_URL: bms.url, BMS_TENANT: DEFAULT_API_USER.tenant, BMS_USERNAME: DEFAULT_API_USER.userName, BMS_PASSWORD: DEFAULT_API_USER.password,
      BMS_RATE_LIMIT_PER_HOUR: '1000000', BRIDGE_DB_PATH: join(dir, 'bridge.sqlite'), RECONCILE_INTERVAL_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        const m = /READY (\S+)/.exec(d.toString());
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`bridge exited (${code})`)));
    });
    const signer = new Webhook(secret);
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    let seq = 0;
    const send = (user: number): Promise<{ ms: number; status: string }> => {
      const email = `bench.user${user}@contoso.com`;
      const body = JSON.stringify({
        type: 'login.provisioning_requested', eventId: `bench-${seq}`, realm: 'broker', idpAlias: 'passly', clientId: 'bms',
        user: { id: `user-${user}`, username: email, subject: email, email, firstName: 'Bench', lastName: `User${user}`, upn: email, domain: 'contoso.com', groups: ['BMS-Techs'] },
        firstLogin: false, time: new Date().toISOString(),
      });
      const id = `msg_bench_${seq++}`;
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
    for (let u = 0; u < USERS; u++) await send(u);
    const newUserCalls = emulator.calls.slice(callsBefore).filter((c) => !c.includes('/lookup') && !c.includes('/security/'));
    // returning, unchanged users under sustained load
    const returningBefore = emulator.calls.length;
    const latencies: number[] = [];
    const deadline = Date.now() + SECONDS * 1000;
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(child.pid ?? 0))), 200);
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, worker) => {
        let i = worker;
        while (Date.now() < deadline) {
          const { ms } = await send(i % USERS);
          latencies.push(ms);
          i += CONCURRENCY;
        }
      }),
    );
    clearInterval(sampler);
    const returningCalls = emulator.calls.length - returningBefore;
    latencies.sort((a, b) => a - b);
    const pct = (p: number): string => `${latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(2)} ms`;
    return {
      'webhooks answered (returning users)': String(latencies.length),
      'sustained webhooks per second': (latencies.length / SECONDS).toFixed(0),
      'latency p50': pct(50),
      'latency p99': pct(99),
      'BMS calls per new user': (newUserCalls.length / USERS).toFixed(2),
      'BMS calls per unchanged returning user': (returningCalls / latencies.length).toFixed(2),
      'bridge resident memory, peak under load': `${Math.round(peakRss / 1048576)} MiB`,
    };
  } finally {
    child.kill('SIGTERM');
    await bms.close();
    keycloak.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The V8 flags the bridge runs with (package.json config.bridgeNodeFlags, as `npm run bridge` uses them). */
function nodeFlags(): string {
  if (process.env.BENCH_NODE_FLAGS !== undefined) return process.env.BENCH_NODE_FLAGS;
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { config?: { bridgeNodeFlags?: string } };
  return pkg.config?.bridgeNodeFlags ?? '';
}

function rssOf(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}
