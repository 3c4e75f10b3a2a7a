import { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BmsEmulator, createBmsEmulator } from '../test/bms-emulator/server';
import { PostgresServer, startPostgres } from '../test/stack/postgres-server';
import { newWebhookSecret } from '../test/stack/webhook-secret';
import { cpuMsOf, exited, onBenchExit, rssOf, serverCpuMsOf, spawnBridge } from './bench-processes';
import { sender, webhookBody } from './bench-webhooks';
import { FakeKeycloakAdmin, startFakeKeycloakAdmin } from './fake-keycloak-admin';
import { addHistogram, checkWrk, Histogram, percentileMs, runWrk, WrkRun, writeSignedWebhooks } from './wrk-load';

/**
 * Pre-signed webhooks per second of a setup's first phase, per wrk: several times what one bridge answers on this
 * machine. Later phases sign four times the fastest rate a wrk of the setup reached so far (at least 1,500 a second).
 */
const PRESIGNED_PER_SECOND = 6000;

/** The bench's settings from the environment, read when the bench starts (main() reports a bad one). */
function benchSettings(): { users: number; seconds: number; concurrency: number; rounds: number } {
  const settings = { users: setting('BENCH_USERS', 200, true), seconds: setting('BENCH_SECONDS', 10, false), concurrency: setting('BENCH_CONCURRENCY', 16, true), rounds: setting('BENCH_ROUNDS', 5, true) };
  if (!Number.isInteger(settings.seconds / settings.rounds)) {
    throw new Error(`BENCH_SECONDS=${settings.seconds} over BENCH_ROUNDS=${settings.rounds} is not a whole number of seconds per phase (wrk's unit); make BENCH_SECONDS a multiple of BENCH_ROUNDS`);
  }
  return settings;
}

/** A positive number from the environment (a whole one where `whole`), else a clear error before anything starts. */
function setting(name: string, fallback: number, whole: boolean): number {
  const text = process.env[name];
  const value = text === undefined || text === '' ? fallback : Number(text);
  if (!(value > 0) || !Number.isFinite(value) || (whole && !Number.isInteger(value))) {
    throw new Error(`${name}=${text} is not a ${whole ? 'whole ' : ''}number above 0; unset it for the default (${fallback})`);
  }
  return value;
}

/** Which store the benched bridges use, and how many of them share it. */
export interface BridgeBenchSetup {
  store: 'sqlite' | 'postgres';
  instances: number;
}

/** One setup, running: its stand-ins, its bridge processes, and a sender of signed sign-in webhooks spread over them. */
interface RunningSetup {
  setup: BridgeBenchSetup;
  emulator: BmsEmulator;
  keycloak: FakeKeycloakAdmin;
  /** the setup's bridge processes, and the URL each listens on */
  bridges: ChildProcess[];
  urls: string[];
  secret: string;
  /** a folder of the setup's own (its SQLite file, the pre-signed webhooks) */
  dir: string;
  /** the most webhooks per second one wrk of this setup got answered in a phase so far (0 before the first) */
  fastestPerWrk: number;
  /** the PostgreSQL server's postmaster pid, when the setup uses it */
  postmaster?: number;
  /** one signed sign-in webhook for bench user `user`; its latency in ms and the answer's status */
  send(user: number): Promise<{ ms: number; status: string }>;
  stop(): Promise<void>;
}

/** What one load phase of one setup measured; phases of the same setup and sender count add up. */
interface Load {
  answered: number;
  latencies: Histogram;
  seconds: number;
  cpuMs: number;
  /** CPU time of the load generator (wrk, and this process with its stand-ins) and of the PostgreSQL server, ms */
  senderCpuMs: number;
  postgresCpuMs: number;
  bmsCalls: number;
  keycloakCalls: number;
  peakRss: number;
  /** webhooks per second of each round, in order */
  rounds: number[];
}

/**
 * The bridge in its own process(es), BMS emulator at zero latency: throughput, latency, BMS calls, memory. The sustained
 * load is wrk's (bench/wrk-load.ts), as many wrk processes for every setup as the largest has bridges (see loadPhase),
 * so one bridge and several get the same load generator.
 * Every setup gets its own stand-ins and store and runs beside the others. The sustained load visits the setups in
 * turn, `BENCH_ROUNDS` rounds of `BENCH_SECONDS / BENCH_ROUNDS` each, starting with another setup each round: a machine
 * that slows down for a while slows every setup alike, so their figures compare. Returns one table per setup, in the
 * order given; a setup of several bridges also gets its throughput as a ratio to the PostgreSQL setup of one bridge.
 */
export async function benchBridges(setups: BridgeBenchSetup[]): Promise<Record<string, string>[]> {
  const { users, seconds, concurrency, rounds } = benchSettings();
  checkWrk();
  // every setup gets as many wrk processes as the largest has bridges, so the load generator is laid out alike in each
  const loops = Math.max(...setups.map((s) => s.instances));
  if (Math.min(concurrency, 4) < loops) throw new Error(`${loops} bridges need at least ${loops} senders each run, and the bench also runs 4: give at most 4 instances and BENCH_CONCURRENCY of at least ${loops}`);
  const postgres = setups.some((s) => s.store === 'postgres') ? await startPostgres() : undefined;
  const running: RunningSetup[] = [];
  try {
    for (const [i, setup] of setups.entries()) running.push(await startSetup(setup, postgres, i));
    const figures: Record<string, string>[] = [];
    for (const r of running) {
      figures.push(await newUsers(r, users));
      pause(r, true); // until its turn (loadPhase): an idle bridge still takes some CPU (polls, timers)
    }
    const peakRss = running.map(() => 0);
    const single = setups.findIndex((s) => s.store === 'postgres' && s.instances === 1);
    for (const senders of [...new Set([concurrency, 4])]) {
      const loads = running.map((): Load => ({ answered: 0, latencies: new Map(), seconds: 0, cpuMs: 0, senderCpuMs: 0, postgresCpuMs: 0, bmsCalls: 0, keycloakCalls: 0, peakRss: 0, rounds: [] }));
      for (let round = 0; round < rounds; round++) {
        for (let k = 0; k < running.length; k++) {
          const i = (round + k) % running.length;
          await loadPhase(running[i], { senders, loops, seconds: seconds / rounds, users }, loads[i]);
        }
      }
      running.forEach((r, i) => {
        peakRss[i] = Math.max(peakRss[i], loads[i].peakRss);
        const baseline = r.setup.instances > 1 && single >= 0 ? loads[single] : undefined;
        Object.assign(figures[i], loadFigures(loads[i], `, ${senders} senders`, baseline));
      });
    }
    running.forEach((r, i) => (figures[i]['bridge resident memory, peak under load'] = `${Math.round(peakRss[i] / 1048576)} MiB${r.bridges.length > 1 ? ' (largest instance)' : ''}`));
    return figures;
  } finally {
    await Promise.allSettled(running.map((r) => r.stop()));
    await postgres?.stop();
  }
}

/** Starts one setup: its BMS emulator, Keycloak stand-in, store (a database of its own on PostgreSQL) and bridges. */
async function startSetup(setup: BridgeBenchSetup, postgres: PostgresServer | undefined, n: number): Promise<RunningSetup> {
  if (setup.store === 'postgres' && !postgres) throw new Error('a PostgreSQL setup needs the bench\'s PostgreSQL server');
  const storeUrl = setup.store === 'postgres' ? await postgres?.createDatabase(`bench_bridge_${n}`) : undefined;
  const emulator = createBmsEmulator({ rateLimitPerHour: 1_000_000 });
  const bms = await emulator.listen();
  const keycloak = await startFakeKeycloakAdmin();
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const secret = newWebhookSecret();
  const store: Record<string, string> = { BRIDGE_DB_PATH: join(dir, 'bridge.sqlite'), ...(storeUrl ? { BRIDGE_STORE_URL: storeUrl } : {}) };
  const agent = new Agent({ keepAlive: true }); // the new-users phase: one webhook at a time
  const bridges = Array.from({ length: setup.instances }, () => spawnBridge({ BRIDGE_WEBHOOK_SECRET: secret, KEYCLOAK_URL: keycloak.url, BMS_BASE_URL: bms.url, ...store }));
  const forget = onBenchExit(() => rmSync(dir, { recursive: true, force: true })); // an interrupted bench leaves no files
  const stop = async (): Promise<void> => {
    forget();
    agent.destroy();
    for (const b of bridges) b.child.kill('SIGCONT'); // a paused bridge (see pause) handles SIGTERM only once it runs
    for (const b of bridges) b.child.kill('SIGTERM');
    await Promise.all(bridges.map((b) => exited(b.child)));
    await bms.close();
    await keycloak.close();
    rmSync(dir, { recursive: true, force: true });
  };
  let urls: string[];
  try {
    urls = await Promise.all(bridges.map((b) => b.url));
  } catch (err) {
    await stop();
    throw err;
  }
  const send = sender(urls, secret, agent);
  return { setup, emulator, keycloak, bridges: bridges.map((b) => b.child), urls, secret, dir, fastestPerWrk: 0, postmaster: setup.store === 'postgres' ? postgres?.pid : undefined, send, stop };
}

/** New users, one at a time: what the BMS and Keycloak calls of a first sign-in cost. */
async function newUsers(r: RunningSetup, users: number): Promise<Record<string, string>> {
  const callsBefore = r.emulator.calls.length;
  const keycloakBefore = r.keycloak.totalCalls();
  const answers: Record<string, number> = {};
  for (let u = 0; u < users; u++) {
    const { status } = await r.send(u);
    answers[status] = (answers[status] ?? 0) + 1;
  }
  const newUserCalls = r.emulator.calls.slice(callsBefore).filter((c) => !c.includes('/lookup') && !c.includes('/security/'));
  return {
    'new users answered': Object.entries(answers).map(([status, n]) => `${status} ${n}`).join(', '),
    'BMS calls per new user': (newUserCalls.length / users).toFixed(2),
    'Keycloak calls per new user': ((r.keycloak.totalCalls() - keycloakBefore) / users).toFixed(2),
  };
}

/**
 * Stops (SIGSTOP) or resumes (SIGCONT) a setup's bridges. The setups not under load are paused, so their idle work
 * (job and rule-version polls, prom-client's event-loop-lag sampler every 10 ms: about 2 % of a core per idle bridge
 * on SQLite) takes no CPU from the setup being measured. A pause lasts the other setups' phases; past the pool's idle
 * timeout (10 s, so `BENCH_SECONDS` above about 15) a resumed bridge reconnects to PostgreSQL during its first phase,
 * and that shows in its p99.
 */
function pause(r: RunningSetup, paused: boolean): void {
  for (const child of r.bridges) child.kill(paused ? 'SIGSTOP' : 'SIGCONT');
}

/**
 * Returning, unchanged users for `seconds`, added to `into`: `senders` connections spread evenly over `loops` wrk
 * processes, wrk `j` sending to bridge `j mod instances` (balanced per connection, as a load balancer with keep-alive
 * does), each wrk's webhooks signed beforehand. The setup runs only meanwhile. Rejects when a bridge exits or a
 * webhook fails.
 */
async function loadPhase(r: RunningSetup, o: { senders: number; loops: number; seconds: number; users: number }, into: Load): Promise<void> {
  const files = Array.from({ length: o.loops }, (_, j) => {
    const file = join(r.dir, `webhooks-${j}.http`);
    const prefix = `msg_bench_${o.senders}_${into.rounds.length}_${j}_`;
    writeSignedWebhooks(file, { url: r.urls[j % r.urls.length], secret: r.secret, users: o.users, first: j, step: o.loops, count: presignedPerSecond(r) * o.seconds, prefix, body: webhookBody });
    return file;
  });
  pause(r, false);
  await new Promise((resolve) => setTimeout(resolve, 200)); // timers that fell due while paused run first
  const callsBefore = r.emulator.calls.length;
  const keycloakBefore = r.keycloak.totalCalls();
  const pids = r.bridges.map((child) => child.pid ?? -1);
  const cpuBefore = pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0);
  const benchBefore = cpuMsOf(process.pid);
  const postgresBefore = r.postmaster ? serverCpuMsOf(r.postmaster) : new Map<number, number>();
  const sample = (): void => void (into.peakRss = Math.max(into.peakRss, ...pids.map(rssOf)));
  const sampler = setInterval(sample, 200);
  const connections = (j: number): number => Math.floor(o.senders / o.loops) + (j < o.senders % o.loops ? 1 : 0);
  const settled = await Promise.allSettled(files.map((file, j) => runWrk(r.urls[j % r.urls.length], connections(j), o.seconds, file)));
  clearInterval(sampler);
  const dead = r.bridges.find((child) => child.exitCode !== null || child.signalCode !== null);
  if (dead) throw new Error(`a bridge of the setup ${r.setup.store}, ${r.setup.instances} bridge(s) ended during the load (exit code ${dead.exitCode}, signal ${dead.signalCode}); its output is above`);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  const runs = settled.map((s) => (s as PromiseFulfilledResult<WrkRun>).value);
  sample(); // a phase shorter than the sampling interval still has one
  pause(r, true);
  into.cpuMs += pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0) - cpuBefore;
  into.senderCpuMs += cpuMsOf(process.pid) - benchBefore + runs.reduce((sum, run) => sum + run.cpuMs, 0);
  if (r.postmaster) for (const [pid, ms] of serverCpuMsOf(r.postmaster)) into.postgresCpuMs += ms - (postgresBefore.get(pid) ?? 0);
  into.bmsCalls += r.emulator.calls.length - callsBefore;
  into.keycloakCalls += r.keycloak.totalCalls() - keycloakBefore;
  const answered = runs.reduce((sum, run) => sum + run.answered, 0);
  const elapsed = Math.max(...runs.map((run) => run.seconds));
  for (const run of runs) addHistogram(into.latencies, run.latencies);
  into.answered += answered;
  into.seconds += elapsed;
  into.rounds.push(answered / elapsed);
  r.fastestPerWrk = Math.max(r.fastestPerWrk, ...runs.map((run) => run.answered / run.seconds));
}

/** How many webhooks per second each wrk of the setup's next phase gets signed beforehand (PRESIGNED_PER_SECOND). */
function presignedPerSecond(r: RunningSetup): number {
  return r.fastestPerWrk ? Math.max(1500, Math.ceil(4 * r.fastestPerWrk)) : PRESIGNED_PER_SECOND;
}

/** The figures of one setup's load at one sender count; with a baseline, its throughput as a ratio to the baseline's. */
function loadFigures(load: Load, at: string, baseline?: Load): Record<string, string> {
  const pct = (p: number): string => percentileMs(load.latencies, p)?.toFixed(2).concat(' ms') ?? '- (nothing answered)';
  const figures: Record<string, string> = {
    [`webhooks answered (returning users)${at}`]: String(load.answered),
    [`sustained webhooks per second${at}`]: (load.answered / load.seconds).toFixed(0),
    [`latency p50${at}`]: pct(50),
    [`latency p99${at}`]: pct(99),
    [`bridge CPU time per webhook${at}`]: `${((load.cpuMs * 1000) / load.answered).toFixed(0)} µs`,
    [`CPU time per webhook of the load generator / PostgreSQL${at}`]: `${((load.senderCpuMs * 1000) / load.answered).toFixed(0)} µs / ${load.postgresCpuMs ? `${((load.postgresCpuMs * 1000) / load.answered).toFixed(0)} µs` : '-'}`,
    [`BMS calls per unchanged returning user${at}`]: (load.bmsCalls / load.answered).toFixed(2),
    [`Keycloak calls per unchanged returning user${at}`]: (load.keycloakCalls / load.answered).toFixed(2),
  };
  if (baseline) {
    // a round in which the baseline answered nothing has no ratio
    const ratios = load.rounds.map((perSecond, i) => perSecond / baseline.rounds[i]).filter(Number.isFinite).sort((a, b) => a - b);
    const whole = load.answered / load.seconds / (baseline.answered / baseline.seconds);
    const spread = ratios.length ? ` (rounds: median ${ratios[Math.floor(ratios.length / 2)].toFixed(2)}, ${ratios[0].toFixed(2)}–${ratios[ratios.length - 1].toFixed(2)})` : '';
    figures[`throughput ratio to 1 bridge${at}`] = Number.isFinite(whole) ? `${whole.toFixed(2)}${spread}` : '- (one bridge answered nothing)';
  }
  return figures;
}
