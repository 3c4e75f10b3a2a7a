import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { Client } from 'pg';

import { freePort } from './ports';
import { cacheDir } from './project';
import { sleep, tail } from './server-log';

export interface PostgresOptions {
  /** the database created for the caller (the URL points at it); default `bms_jit` */
  database?: string;
  /** a fixed TCP port on 127.0.0.1; default: a free one, chosen again when another process takes it first */
  port?: number;
  /** `max_connections`; default 100 */
  maxConnections?: number;
  /** further server settings, passed as `-c name=value` after the harness's own (so they win) */
  settings?: Record<string, string>;
  /** bound on initdb plus start, in milliseconds; default `POSTGRES_START_TIMEOUT_MS` or 60 000 */
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface PostgresServer {
  /** `postgres://<user>:<password>@127.0.0.1:<port>/<database>`, the superuser on the created database */
  url: string;
  host: string;
  port: number;
  database: string;
  /** the superuser (password authentication over TCP) */
  user: string;
  password: string;
  /** folder of the server's unix socket, where the superuser needs no password (`psql -h <socketDir> -U <user>`) */
  socketDir: string;
  /** the postmaster's process id (also its process group: the backends share it) */
  pid: number;
  /** major version of the server, e.g. 15 */
  version: number;
  /** where initdb and postgres were taken from */
  binDir: string;
  /** the server's own log (stderr); kept after stop() */
  logFile: string;
  /** wall-clock milliseconds of initdb */
  initdbMs: number;
  /** wall-clock milliseconds from the start of initdb until the database accepted connections */
  startMs: number;
  /**
   * Creates another empty database on this server and returns its URL (same superuser).
   * @param name lower-case letters, digits and `_`, starting with a letter or `_`, at most 63 characters
   * @throws Error on an invalid name, or PostgreSQL's error when the database exists
   */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (fast shutdown, then immediate, then SIGKILL) and removes its data folder. Idempotent. */
  stop(): Promise<void>;
}

/** PostgreSQL could not be found or did not start; the message ends with the tail of the server's log when there is one. */
export class PostgresStartError extends Error {
  constructor(message: string, readonly logFile?: string) {
    super(message);
    this.name = 'PostgresStartError';
  }
}

const DEFAULT_START_TIMEOUT_MS = Number(process.env.POSTGRES_START_TIMEOUT_MS ?? 60_000);
const PORT_ATTEMPTS = 5;
const SUPERUSER = 'bms_jit';
/** a unix socket path must fit in sockaddr_un.sun_path (108 bytes on Linux, with the trailing NUL) */
const MAX_SOCKET_PATH = 107;

interface ServerUser {
  name: string;
  /** set when this process is root: initdb and postgres run under this unprivileged account instead */
  uid?: number;
  gid?: number;
}

/**
 * Starts a throw-away PostgreSQL server for tests, benchmarks and the demo: `initdb` into a fresh folder
 * (`.cache/runs/postgres-*`, or the OS temporary folder when the server's account cannot reach the checkout),
 * `postgres` on 127.0.0.1 on a free port with settings that trade durability for speed (fsync off, no WAL beyond
 * the minimum), a random superuser password for TCP and trust on a unix socket inside that folder. Resolves once
 * `SELECT 1` succeeds on the new database.
 *
 * Binaries: `POSTGRES_BIN_DIR`, else the newest `/usr/lib/postgresql/<major>/bin` (Debian's `postgresql` package,
 * installed by `npm run bootstrap -- --postgres`). As root, initdb and postgres refuse to run, so both run as the
 * `postgres` system account the package creates (`POSTGRES_RUN_AS` names another one) and the folder is given to it.
 *
 * The server is stopped, and its folder removed, by stop(), on this process's exit, on SIGINT/SIGTERM/SIGHUP, and
 * through a detached watchdog when this process is killed outright (within about half a second).
 *
 * @throws PostgresStartError when no binaries are found, the account is missing, initdb fails, or the server does
 *   not accept connections within the timeout (the message then carries the end of the server log)
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const log = options.log ?? (() => {});
  const database = options.database ?? 'bms_jit';
  assertDatabaseName(database);
  const started = Date.now();
  const deadline = started + (options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  const binDir = findPostgresBinDir();
  const user = serverUser();
  const logsDir = join(cacheDir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const logFile = join(logsDir, `postgres-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.log`);
  const runDir = makeRunDir(user);
  const dataDir = join(runDir, 'data');
  const guard = guardRunDir(runDir, dataDir);
  const password = randomBytes(18).toString('base64url');
  const fail = async (message: string): Promise<never> => {
    await guard.stop();
    throw new PostgresStartError(`${message}\n--- last lines of ${logFile} ---\n${tail(logFile, 30)}`, logFile);
  };

  try {
    const pwFile = join(runDir, 'pwfile');
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    giveTo(user, pwFile);
    const initdbStarted = Date.now();
    const initdb = await runInitdb(guard, user, runDir, logFile, join(binDir, 'initdb'), [
      '--pgdata', dataDir, '--username', SUPERUSER, '--pwfile', pwFile,
      '--auth-local', 'trust', '--auth-host', 'scram-sha-256',
      '--encoding', 'UTF8', '--locale', 'C', '--no-sync', '--no-instructions',
    ], deadline - Date.now());
    rmSync(pwFile, { force: true });
    if (initdb !== 0) {
      const late = Date.now() >= deadline ? '; it did not finish in time, raise POSTGRES_START_TIMEOUT_MS on a slow machine' : '';
      return await fail(`initdb failed (${initdb})${late}`);
    }
    const initdbMs = Date.now() - initdbStarted;
    const version = Number(readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim());

    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      const args = ['-D', dataDir, ...serverSettings(port, runDir, options)];
      log(`Starting PostgreSQL ${version} (${binDir}) on 127.0.0.1:${port}${user.uid === undefined ? '' : ` as ${user.name}`}; log: ${logFile}`);
      const logOffset = fileSize(logFile);
      const out = openSync(logFile, 'a');
      const child = spawn(join(binDir, 'postgres'), args, {
        cwd: runDir,
        detached: true, // own process group: the backends share it, and a terminal's Ctrl-C reaches us, not them
        stdio: ['ignore', out, out],
        env: serverEnv(),
        uid: user.uid,
        gid: user.gid,
      });
      closeSync(out);
      const pid = child.pid;
      if (pid === undefined) return await fail(`could not start ${join(binDir, 'postgres')}`);
      guard.track(pid);
      const ready = await waitUntilReady(child, port, password, deadline);
      if (ready === 'ready') {
        const url = urlFor(port, password, database);
        await withClient(urlFor(port, password, 'postgres'), (client) => client.query(`CREATE DATABASE ${database}`));
        const server: PostgresServer = {
          url,
          host: '127.0.0.1',
          port,
          database,
          user: SUPERUSER,
          password,
          socketDir: runDir,
          pid,
          version,
          binDir,
          logFile,
          initdbMs,
          startMs: Date.now() - started,
          createDatabase: async (name) => {
            assertDatabaseName(name);
            await withClient(url, (client) => client.query(`CREATE DATABASE ${name}`));
            return urlFor(port, password, name);
          },
          stop: guard.stop,
        };
        log(`PostgreSQL ${version} ready in ${server.startMs} ms (initdb ${initdbMs} ms): ${url.replace(password, '***')}`);
        return server;
      }
      await guard.stopServer();
      const portTaken = /could not bind|Address already in use/.test(readFrom(logFile, logOffset));
      if (ready === 'exited' && portTaken && options.port === undefined && attempt < PORT_ATTEMPTS) {
        log(`port ${port} was taken before PostgreSQL bound it; trying another`);
        continue;
      }
      return await fail(
        ready === 'exited'
          ? `PostgreSQL exited during start${portTaken ? ` (port ${port} on 127.0.0.1 is in use)` : ''}`
          : `PostgreSQL did not accept connections on 127.0.0.1:${port} in time; raise POSTGRES_START_TIMEOUT_MS on a slow machine`,
      );
    }
  } catch (err) {
    if (err instanceof PostgresStartError) throw err;
    return await fail(`could not start PostgreSQL: ${(err as Error).message}`);
  }
}

/**
 * The folder holding `initdb` and `postgres`: `POSTGRES_BIN_DIR` when set, else the newest
 * `/usr/lib/postgresql/<major>/bin` that has both (Debian's layout; these are not on PATH).
 * @throws PostgresStartError naming the fix (`npm run bootstrap -- --postgres`) when none is found
 */
export function findPostgresBinDir(): string {
  const has = (dir: string): boolean => ['initdb', 'postgres'].every((name) => existsSync(join(dir, name)));
  const override = process.env.POSTGRES_BIN_DIR;
  if (override) {
    if (!has(override)) throw new PostgresStartError(`POSTGRES_BIN_DIR=${override} has no initdb and postgres`);
    return override;
  }
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((name) => /^\d+(\.\d+)?$/.test(name)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const major of majors) if (has(join(root, major, 'bin'))) return join(root, major, 'bin');
  throw new PostgresStartError(
    `No PostgreSQL server under ${root}/<major>/bin: run 'npm run bootstrap -- --postgres' (installs Debian's postgresql with apt-get; needs root or sudo), or set POSTGRES_BIN_DIR to a folder with initdb and postgres.`,
  );
}

function serverUser(): ServerUser {
  const self = process.getuid?.() ?? -1;
  if (self !== 0) return { name: `uid ${self}` };
  const name = process.env.POSTGRES_RUN_AS ?? 'postgres';
  const id = (flag: string): number => {
    const res = spawnSync('id', [flag, name], { encoding: 'utf8' });
    if (res.status !== 0) {
      throw new PostgresStartError(
        `Running as root, PostgreSQL needs an unprivileged account to run as (initdb and postgres refuse root), and '${name}' does not exist: install Debian's postgresql ('npm run bootstrap -- --postgres' creates the postgres account) or set POSTGRES_RUN_AS to another account.`,
      );
    }
    return Number(res.stdout.trim());
  };
  const uid = id('-u');
  if (uid === 0) throw new PostgresStartError(`POSTGRES_RUN_AS=${name} is root; PostgreSQL refuses to run as root`);
  return { name, uid, gid: id('-g') };
}

/** A fresh folder the server's account owns: under .cache/runs when that account can reach it, else the OS temp folder. */
function makeRunDir(user: ServerUser): string {
  const candidates = [join(cacheDir, 'runs', 'postgres-'), join(tmpdir(), 'bms-jit-postgres-')];
  for (const prefix of candidates) {
    let dir: string;
    try {
      mkdirSync(dirname(prefix), { recursive: true });
      dir = mkdtempSync(prefix);
    } catch {
      continue; // not writable for us
    }
    if (usable(dir, user)) return dir;
    rmSync(dir, { recursive: true, force: true });
  }
  throw new PostgresStartError(`Neither ${candidates.map(dirname).join(' nor ')} gives ${user.name} a folder it can write with a short enough socket path`);
}

function usable(dir: string, user: ServerUser): boolean {
  if (`${dir}/.s.PGSQL.65535`.length > MAX_SOCKET_PATH) return false;
  giveTo(user, dir);
  if (user.uid === undefined) return true;
  // every parent folder must let the account through, e.g. not a checkout under /root
  return spawnSync('test', ['-w', dir, '-a', '-x', dir], { uid: user.uid, gid: user.gid }).status === 0;
}

function giveTo(user: ServerUser, path: string): void {
  if (user.uid !== undefined && user.gid !== undefined) chownSync(path, user.uid, user.gid);
}

function serverSettings(port: number, socketDir: string, options: PostgresOptions): string[] {
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: socketDir,
    max_connections: String(options.maxConnections ?? 100),
    // a throw-away server: nothing survives a crash, so nothing needs to reach the disk
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    wal_level: 'minimal',
    max_wal_senders: '0',
    max_wal_size: '1GB',
    checkpoint_timeout: '1h',
    ssl: 'off',
    logging_collector: 'off',
    log_checkpoints: 'off',
    log_line_prefix: '%m [%p] %q%u@%d ',
    timezone: 'UTC',
    ...options.settings,
  };
  return Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
}

/** The caller's PG* variables (PGDATA, PGPORT, …) must not steer the test server. */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PG') && !key.startsWith('LC_')) env[key] = value;
  return { ...env, LANG: 'C', LC_ALL: 'C' };
}

/** Runs initdb as the server's account with its output appended to the log; resolves to its exit code or signal. */
function runInitdb(guard: RunDirGuard, user: ServerUser, cwd: string, logFile: string, command: string, args: string[], timeoutMs: number): Promise<number | string> {
  const out = openSync(logFile, 'a');
  const child = spawn(command, args, {
    cwd,
    detached: true, // like the server: stopped by the guard, not by a terminal's Ctrl-C halfway through
    stdio: ['ignore', out, out],
    env: serverEnv(),
    uid: user.uid,
    gid: user.gid,
    timeout: Math.max(timeoutMs, 1),
  });
  closeSync(out);
  if (child.pid !== undefined) guard.track(child.pid, true);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      guard.untrack();
      resolve(code ?? signal ?? 'no exit code');
    });
  });
}

async function waitUntilReady(child: ChildProcess, port: number, password: string, deadline: number): Promise<'ready' | 'exited' | 'timeout'> {
  const exited = new Promise<'exited'>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve('exited');
    child.once('exit', () => resolve('exited'));
  });
  const url = urlFor(port, password, 'postgres');
  while (Date.now() < deadline) {
    // not listening yet, "the database system is starting up", or (until our server exits) whoever holds the port
    const attempt = withClient(url, (client) => client.query('SELECT 1')).then(() => 'ready' as const, () => 'retry' as const);
    const outcome = await Promise.race([attempt, exited]);
    if (outcome !== 'retry') return outcome;
    await sleep(50);
  }
  return child.exitCode !== null || child.signalCode !== null ? 'exited' : 'timeout';
}

async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => {}); // the server may go away under a short-lived client; the query reports it
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => {});
  }
}

function urlFor(port: number, password: string, database: string): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

function assertDatabaseName(name: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid database name '${name}': use lower-case letters, digits and _ (at most 63)`);
}

interface RunDirGuard {
  /**
   * the process now running from the folder, in its own process group: initdb, then the postmaster
   * @param wholeGroup stop signals go to the whole group (initdb, so that its bootstrap backend stops at once)
   */
  track(pid: number, wholeGroup?: boolean): void;
  /** the tracked process ended by itself */
  untrack(): void;
  /** stops the tracked process, keeping the folder (a retry on another port reuses the data) */
  stopServer(): Promise<void>;
  /** stops the tracked process and the watchdog and removes the folder; idempotent */
  stop(): Promise<void>;
}

/**
 * Ties the folder and whatever runs from it (initdb, then the postmaster) to this process: in-process handlers stop
 * and remove them synchronously on exit and on SIGINT/SIGTERM/SIGHUP (then re-raise the signal); a detached watchdog
 * shell does the same when this process dies without running them (SIGKILL, OOM), finding the processes by the data
 * folder on their command line. SIGINT is PostgreSQL's fast shutdown (what `pg_ctl stop -m fast` sends; pg_ctl itself
 * refuses root) and makes initdb remove what it wrote; SIGQUIT (immediate shutdown) and SIGKILL follow when it hangs.
 */
function guardRunDir(runDir: string, dataDir: string): RunDirGuard {
  let pid: number | undefined;
  let target = 0; // whom stop signals go to: pid, or -pid for the group
  let stopping: Promise<void> | undefined;
  const watchdog = spawn('bash', ['-c', WATCHDOG], {
    detached: true,
    stdio: 'ignore',
    // paths through the environment, so that the watchdog's command line never matches a search for the run folder
    env: { ...process.env, WATCH_PARENT: String(process.pid), WATCH_RUN: runDir, WATCH_DATA: dataDir },
  });
  watchdog.unref();
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  /** removes the folder; the watchdog goes only once the folder is gone, else it retries after this process ends */
  const removeRunDir = (): void => {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        rmSync(runDir, { recursive: true, force: true });
        signal(watchdog.pid, 'SIGKILL');
        return;
      } catch {
        waitSync(() => false, 100); // something still wrote into it
      }
    }
  };

  const stopSync = (): void => {
    const current = pid;
    if (current !== undefined && alive(current)) {
      signal(target, 'SIGINT');
      waitSync(() => !alive(current), 5_000);
      if (alive(current)) signal(-current, 'SIGKILL');
      waitSync(() => !alive(current), 2_000);
    }
    removeRunDir();
  };
  const onExit = (): void => stopSync();
  const onSignal = (sig: NodeJS.Signals): void => {
    unregister();
    stopSync();
    process.kill(process.pid, sig);
  };
  const unregister = (): void => {
    process.removeListener('exit', onExit);
    for (const sig of signals) process.removeListener(sig, onSignal);
  };
  process.once('exit', onExit);
  for (const sig of signals) process.once(sig, onSignal);

  const stopServer = async (): Promise<void> => {
    const current = pid;
    if (current === undefined) return;
    if (alive(current)) {
      signal(target, 'SIGINT');
      if (!(await waitAsync(() => !alive(current), 10_000))) {
        signal(current, 'SIGQUIT');
        await waitAsync(() => !alive(current), 3_000);
      }
      if (alive(current)) signal(-current, 'SIGKILL'); // the postmaster and its backends
      await waitAsync(() => !alive(current), 5_000);
    }
    pid = undefined;
  };
  return {
    track: (next, wholeGroup) => {
      pid = next;
      target = wholeGroup ? -next : next;
    },
    untrack: () => (pid = undefined),
    stopServer,
    stop: () =>
      (stopping ??= (async () => {
        unregister();
        await stopServer();
        removeRunDir();
      })()),
  };
}

// "alive" ignores zombies: an exited process whose parent has not reaped it yet (a slow init) still answers kill -0.
// Processes are found by the data folder on their command line (the postmaster's `-D`, initdb's `--pgdata`).
const WATCHDOG = `
alive() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=\${s##*) }; [ "\${s%% *}" != Z ]; }
while alive "$WATCH_PARENT"; do sleep 0.5; done
re=$(printf '%s' "$WATCH_DATA" | sed 's/[][\\.*^$+?(){}|]/\\\\&/g')
if pids=$(pgrep -f -- "$re"); then
  kill -INT $pids 2>/dev/null
  for _ in $(seq 50); do pids=$(pgrep -f -- "$re") || break; sleep 0.1; done
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
fi
rm -rf -- "$WATCH_RUN"
`;

function signal(target: number | undefined, sig: NodeJS.Signals): void {
  if (target === undefined) return;
  try {
    process.kill(target, sig);
  } catch {
    /* already gone */
  }
}

/** Whether the process exists and is not a zombie (an exited child Node has not reaped yet, e.g. inside an exit handler). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function waitSync(done: () => boolean, timeoutMs: number): void {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) Atomics.wait(cell, 0, 0, 20);
}

async function waitAsync(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function readFrom(file: string, offset: number): string {
  try {
    return readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

