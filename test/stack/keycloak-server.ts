import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { execFileSync } from 'node:child_process';

import { findJdk } from './jdk';
import { ensureKeycloakDist } from './keycloak-dist';
import { cacheDir, repoRoot } from './project';
import { sleep, tail } from './server-log';

export interface RealmImport {
  /** the realm's name; the file is written as <name>-realm.json */
  realm: string;
  /** realm JSON with every placeholder already resolved */
  json: string;
}

export interface KeycloakOptions {
  httpPort: number;
  managementPort: number;
  realms: RealmImport[];
  /** extension JARs copied into providers/ */
  providers?: string[];
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface KeycloakServer {
  baseUrl: string;
  managementUrl: string;
  admin: { username: string; password: string };
  pid: number;
  logFile: string;
  /** wall-clock milliseconds from spawning kc.sh until every realm answered */
  startMs: number;
  /** what Keycloak itself reported ("started in 8.653s"), when found in its log */
  reportedStart?: string;
  /** resident memory of the server JVM right now, in bytes */
  rssBytes(): number;
  stop(): Promise<void>;
}

/** Keycloak did not become ready; the message ends with the tail of its log. The process group is already gone. */
export class KeycloakStartError extends Error {
  constructor(message: string, readonly pid: number, readonly logFile: string) {
    super(message);
    this.name = 'KeycloakStartError';
  }
}

const DEFAULT_START_TIMEOUT_MS = Number(process.env.KEYCLOAK_START_TIMEOUT_MS ?? 240_000);

/**
 * Starts Keycloak in dev mode on 127.0.0.1 from a fresh copy of the cached distribution (so every run has its
 * own empty data folder and import folder), imports the given realms and waits until each one answers.
 * The JVM is stopped by process group in stop(), when this Node process exits, and, through a small watchdog,
 * even when this process is killed outright.
 */
export async function startKeycloak(options: KeycloakOptions): Promise<KeycloakServer> {
  const log = options.log ?? (() => {});
  const jdk = findJdk();
  const dist = ensureKeycloakDist(log);
  const runsDir = join(cacheDir, 'runs');
  mkdirSync(runsDir, { recursive: true });
  const runDir = mkdtempSync(join(runsDir, 'keycloak-'));
  const home = join(runDir, 'keycloak');
  execFileSync('cp', ['-a', dist, home]);
  for (const jar of options.providers ?? []) copyFileSync(jar, join(home, 'providers', basename(jar)));
  // the raw Quarkus settings the product needs (README, "Installing into an existing Keycloak"), exactly as operators set them
  copyFileSync(join(repoRoot, 'config', 'keycloak-quarkus.properties'), join(home, 'conf', 'quarkus.properties'));
  const importDir = join(home, 'data', 'import');
  mkdirSync(importDir, { recursive: true });
  for (const realm of options.realms) writeFileSync(join(importDir, `${realm.realm}-realm.json`), realm.json);

  const logsDir = join(cacheDir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const logFile = join(logsDir, `keycloak-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.log`);
  const admin = { username: 'admin', password: randomBytes(12).toString('base64url') };
  const args = [
    join(home, 'bin', 'kc.sh'), 'start-dev',
    '--http-host=127.0.0.1', `--http-port=${options.httpPort}`,
    `--http-management-port=${options.managementPort}`, '--health-enabled=true',
    '--import-realm', '--cache=local', '--log-console-color=false',
  ];
  log(`Starting Keycloak (Java ${jdk.major}, ${jdk.home}) on http://127.0.0.1:${options.httpPort}; log: ${logFile}`);
  const out = openSync(logFile, 'a');
  const started = Date.now();
  const child = spawn('bash', args, {
    cwd: home,
    detached: true, // own process group: stop() kills kc.sh, the build JVM and the server JVM together
    stdio: ['ignore', out, out],
    env: keycloakEnv(jdk.home, admin),
  });
  closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error('Could not start Keycloak: bash did not start');
  const stopGroup = guardProcessGroup(pid);

  const server: KeycloakServer = {
    baseUrl: `http://127.0.0.1:${options.httpPort}`,
    managementUrl: `http://127.0.0.1:${options.managementPort}`,
    admin,
    pid,
    logFile,
    startMs: 0,
    rssBytes: () => rssOf(pid),
    stop: async () => {
      await stopGroup();
      rmSync(runDir, { recursive: true, force: true });
    },
  };
  try {
    await waitUntilReady(server, child, options.realms.map((r) => r.realm), options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  } catch (err) {
    await server.stop();
    throw new KeycloakStartError(`${(err as Error).message}\n--- last lines of ${logFile} ---\n${tail(logFile, 40)}`, pid, logFile);
  }
  server.startMs = Date.now() - started;
  server.reportedStart = /started in ([\d.]+s)/.exec(readFileSync(logFile, 'utf8'))?.[1];
  return server;
}

function keycloakEnv(javaHome: string, admin: { username: string; password: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // the caller's own KC_* settings must not leak into a test server
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('KC_') && !key.startsWith('KEYCLOAK_')) env[key] = value;
  return {
    ...env,
    JAVA_HOME: javaHome,
    KC_BOOTSTRAP_ADMIN_USERNAME: admin.username,
    KC_BOOTSTRAP_ADMIN_PASSWORD: admin.password,
  };
}

async function waitUntilReady(server: KeycloakServer, child: ChildProcess, realms: string[], timeoutMs: number): Promise<void> {
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `Keycloak exited during start (code ${code ?? 'none'}, signal ${signal ?? 'none'})`));
  const deadline = Date.now() + timeoutMs;
  const urls = [`${server.managementUrl}/health/ready`, ...realms.map((r) => `${server.baseUrl}/realms/${r}/.well-known/openid-configuration`)];
  for (const url of urls) {
    for (;;) {
      if (exited) throw new Error(exited);
      if (Date.now() > deadline) throw new Error(`Keycloak was not ready within ${Math.round(timeoutMs / 1000)} s (waiting for ${url}); raise KEYCLOAK_START_TIMEOUT_MS on a slow machine`);
      if (await answers(url)) break;
      await sleep(500);
    }
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Returns a function that stops the process group, and makes sure the group dies with this process:
 * on a normal exit, on SIGINT/SIGTERM/SIGHUP, and (via a detached watchdog shell) on SIGKILL.
 */
function guardProcessGroup(pgid: number): () => Promise<void> {
  const kill = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pgid, signal);
    } catch {
      /* already gone */
    }
  };
  const watchdog = spawn('bash', ['-c', `while kill -0 ${process.pid} 2>/dev/null && kill -0 -${pgid} 2>/dev/null; do sleep 1; done; kill -KILL -${pgid} 2>/dev/null; true`], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
  const onExit = (): void => kill('SIGKILL');
  const onSignal = (signal: NodeJS.Signals): void => {
    kill('SIGKILL');
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  };
  process.once('exit', onExit);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, onSignal);
  return async () => {
    process.removeListener('exit', onExit);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeListener(signal, onSignal);
    kill('SIGTERM');
    const deadline = Date.now() + 20_000;
    while (groupAlive(pgid) && Date.now() < deadline) await sleep(200);
    if (groupAlive(pgid)) kill('SIGKILL');
    while (groupAlive(pgid)) await sleep(100);
    try {
      process.kill(watchdog.pid ?? -1, 'SIGKILL');
    } catch {
      /* watchdog already left */
    }
  };
}

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function rssOf(pid: number): number {
  const status = existsSync(`/proc/${pid}/status`) ? readFileSync(`/proc/${pid}/status`, 'utf8') : '';
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : 0;
}

