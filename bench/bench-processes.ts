/** The bench's bridge processes: starting them with the bridge's V8 flags, reading their CPU and memory, stopping them. */
import { ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { DEFAULT_API_USER } from '../test/bms-emulator/server';

/** Resolves once the child has ended, whether it exited or was killed by a signal (then `exitCode` stays null). */
export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Every bench bridge still running, so that an interrupted bench does not leave them behind (see guardBridges). */
const liveBridges = new Set<ChildProcess>();
/** Further clean-ups of an interrupted bench (wrk processes, pre-signed webhook files), run after the bridges'. */
const exitCleanups = new Set<() => void>();
let guarded = false;

/**
 * Once per bench process: when it exits, or on SIGINT/SIGTERM/SIGHUP (then the signal is raised again, as the
 * PostgreSQL harness does), every live bench bridge is resumed (a paused one acts on no signal) and told to stop, and
 * the clean-ups given to onBenchExit run. Without this a bench killed mid-run left paused bridges behind for as long as
 * the shell that started it lived.
 */
function guardBridges(): void {
  if (guarded) return;
  guarded = true;
  const release = (): void => {
    for (const child of liveBridges) {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
    }
    for (const cleanup of exitCleanups) {
      try {
        cleanup();
      } catch {
        // the next clean-up still runs
      }
    }
  };
  process.once('exit', release);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      release();
      process.kill(process.pid, signal);
    });
  }
}

/** Runs `cleanup` (synchronous) if the bench exits or is interrupted; returns a function that forgets it again. */
export function onBenchExit(cleanup: () => void): () => void {
  guardBridges();
  exitCleanups.add(cleanup);
  return () => void exitCleanups.delete(cleanup);
}

/** The V8 flags the bridge runs with (package.json config.bridgeNodeFlags, as `npm run bridge` uses them). */
export function nodeFlags(): string {
  if (process.env.BENCH_NODE_FLAGS !== undefined) return process.env.BENCH_NODE_FLAGS;
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { config?: { bridgeNodeFlags?: string } };
  return pkg.config?.bridgeNodeFlags ?? '';
}

/**
 * A process's /proc/<pid>/stat fields after its name (field 3, the state, is index 0: utime is [11], stime [12], the
 * parent's pid [1]); throws when the process has ended.
 */
function statOf(pid: number | string): string[] {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
}

/** User + system CPU time of stat fields, ms (clock ticks of 10 ms, as Linux counts them). */
const cpuMsIn = (fields: string[]): number => (Number(fields[11]) + Number(fields[12])) * 10;

/** CPU time the process has used so far, user + system, ms (0 once it has ended). */
export function cpuMsOf(pid: number): number {
  try {
    return cpuMsIn(statOf(pid));
  } catch {
    return 0;
  }
}

/**
 * CPU time so far of PostgreSQL's postmaster and each of its live children (backends, writers), ms by pid. Compare
 * two readings pid by pid: a backend that ended between them takes its time with it (an undercount, never negative).
 */
export function serverCpuMsOf(postmaster: number): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = statOf(entry);
      if (Number(entry) === postmaster || Number(fields[1]) === postmaster) byPid.set(Number(entry), cpuMsIn(fields));
    } catch {
      // the process ended meanwhile
    }
  }
  return byPid;
}

/** Resident memory of the process now, bytes (0 once it has ended). */
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
  guardBridges();
  liveBridges.add(child);
  child.once('exit', () => liveBridges.delete(child));
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
