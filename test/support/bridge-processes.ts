import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

import ts from 'typescript';

import { repoRoot } from '../stack/project';

/**
 * Real bridge processes for tests that need more than one bridge, or need to `kill -9` one: the product's own CLI
 * (`bridge serve`), configured by environment like a deployment, each in its own OS process.
 */

/** The bridge's JavaScript, built for child processes. */
export interface BuiltBridge {
  /** `<outDir>/bridge/cli/main.js` */
  mainJs: string;
  /** the preload that kills a bridge whose test process is gone (test/support/bridge-watchdog.ts) */
  watchdogJs: string;
  /** wall-clock milliseconds the build took */
  ms: number;
}

/**
 * Transpiles `bridge/` (without its tests) and the watchdog into `outDir`, one file at a time, with the project's
 * tsconfig options: about 2 s on an idle 2-core machine, where `tsc -p tsconfig.json --outDir …` takes 14 s (30 s
 * beside a starting Keycloak) because it type-checks the whole project, bench and tests included. No check is lost:
 * `npm test` runs `tsc --noEmit` first, and ts-jest transpiles the same way (isolatedModules). `outDir` must lie inside
 * the repository, so that the output finds the project's node_modules.
 */
export function buildBridge(outDir: string): BuiltBridge {
  const started = Date.now();
  const parsed = ts.getParsedCommandLineOfConfigFile(join(repoRoot, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(`tsconfig.json: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    },
  });
  if (!parsed) throw new Error('tsconfig.json could not be read');
  const watchdog = join(repoRoot, 'test', 'support', 'bridge-watchdog.ts');
  const sources = parsed.fileNames.filter((f) => (f.startsWith(join(repoRoot, 'bridge') + '/') && !f.endsWith('.test.ts')) || f === watchdog);
  const options: ts.CompilerOptions = { ...parsed.options, sourceMap: false, declaration: false, noEmit: false };
  for (const file of sources) {
    const { outputText, diagnostics } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file, reportDiagnostics: true });
    if (diagnostics?.length) throw new Error(`${file}: ${diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`);
    const target = join(outDir, relative(repoRoot, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  return { mainJs: join(outDir, 'bridge', 'cli', 'main.js'), watchdogJs: join(outDir, 'test', 'support', 'bridge-watchdog.js'), ms: Date.now() - started };
}

/** One `bridge serve` process. */
export interface BridgeProcess {
  name: string;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  pid: number;
  /** its stdout and stderr (JSON log lines) */
  logFile: string;
  /** false once the process has exited, however */
  readonly alive: boolean;
  /** `kill -9`: no stop, no release of its leases; resolves once the process is gone */
  kill9(): Promise<void>;
  /** SIGTERM (the bridge stops its worker and closes the store), SIGKILL after `graceMs`; resolves once it is gone */
  stop(graceMs?: number): Promise<void>;
  /** the last lines it logged, for a failure message */
  logTail(lines?: number): string;
}

/** Every bridge process started by this test process, so that an exit hook can kill whatever is left. */
const started = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // a test that throws before afterAll, or a process.exit(): no bridge may outlive the test process
  process.on('exit', () => {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
}

/** The V8 flags the bridge runs with in production (package.json → config.bridgeNodeFlags). */
function bridgeNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { config?: { bridgeNodeFlags?: string } };
  return (pkg.config?.bridgeNodeFlags ?? '').split(' ').filter(Boolean);
}

/**
 * Starts `bridge serve` in its own process and resolves when `/readyz` answers 200 (store, Keycloak, BMS and rules
 * checked), or rejects with the end of its log when it exits or is not ready within `readyTimeoutMs`.
 * @param env the bridge's whole configuration (BRIDGE_PORT, BRIDGE_STORE_URL, …); only PATH is inherited, so a
 *   developer's own BRIDGE_* or KEYCLOAK_* variables never leak in
 */
export async function startBridgeProcess(built: BuiltBridge, name: string, port: number, env: Record<string, string>, logDir: string, readyTimeoutMs = 60_000): Promise<BridgeProcess> {
  installExitHook();
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...bridgeNodeFlags(), '--require', built.watchdogJs, built.mainJs, 'serve'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, BRIDGE_PORT: String(port), BMS_JIT_TEST_PARENT_PID: String(process.pid) },
    // straight into a file: a pipe would make this (busy) test process part of every log write
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  started.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.pid === undefined) throw new Error(`${name}: could not be started (${process.execPath})`);
  const url = `http://127.0.0.1:${port}`;
  const logTail = (lines = 30): string => {
    try {
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  const gone = async (signal: NodeJS.Signals, graceMs: number): Promise<void> => {
    if (!alive()) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const bridge: BridgeProcess = {
    name,
    port,
    url,
    pid: child.pid,
    logFile,
    get alive() {
      return alive();
    },
    kill9: () => gone('SIGKILL', 0),
    stop: (graceMs = 5_000) => gone('SIGTERM', graceMs),
    logTail,
  };
  const deadline = Date.now() + readyTimeoutMs;
  let last = 'no answer yet';
  for (;;) {
    if (!alive()) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready; its log:\n${logTail()}`);
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) });
      if (res.ok) return bridge;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) {
      await bridge.kill9();
      throw new Error(`${name} was not ready within ${readyTimeoutMs} ms (last /readyz: ${last}); its log:\n${logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
