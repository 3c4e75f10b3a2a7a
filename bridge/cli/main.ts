#!/usr/bin/env node
import { parseArgs } from 'node:util';

import { BmsClient } from '../bms/client';
import { createBridgeCore, previewSource, ruleSourceFor, startBridge } from '../bridge';
import { ConfigError, loadConfig } from '../config/config';
import { JobState } from '../jobs/job-queue';
import { openStore } from '../store/open-store';
import { withSweepLease } from '../sweep/sweep-lease';
import { KeycloakGateway } from '../keycloak/gateway';
import { createLogger } from '../log/pino-logger';
import { silentLogger } from '../log/logger';
import { preview, PreviewRequest } from '../rules/preview';
import { SweepSummary } from '../sweep/sweep';

const HELP = `bridge — Keycloak → Kaseya BMS just-in-time provisioning

Usage: bridge <command> [options]        (npm run bridge -- <command> …)

Commands:
  serve                         run the bridge: webhook endpoint, job worker, health endpoints
  preview --user-id ID          what the BMS rules decide for a Keycloak user, without touching BMS
  preview --email ADDRESS       the same, finding the user by e-mail
  preview --group G [--group G2 …] [--domain D] [--upn U] [--email E]
                                the same for a hand-written attribute set (one --group per group: a DN has commas;
                                --groups G1,G2 takes plain names)
  reconcile [--all]             sweep: converge every linked or marked user whose BMS employee differs from
                                Keycloak and the rules (0 BMS calls for the unchanged); prints a summary;
                                --all: also every user linked to the identity provider (a first migration)
  jobs list [--state S]         recent jobs (S: queued, running, done, retry, dead)
  jobs show ID                  one job, with its last error
  jobs retry ID                 give a dead job a fresh set of attempts

Configuration comes from environment variables (and BRIDGE_CONFIG_FILE); see README, "Bridge configuration".
`;

type Out = (text: string) => void;
let print: (text: string) => number = () => 0;
let env: NodeJS.ProcessEnv = process.env;

/** Runs one command; returns the exit code. `serve` runs until SIGINT or SIGTERM. */
export async function main(argv: string[], environment: NodeJS.ProcessEnv = process.env, out: Out = (t) => void process.stdout.write(t), err: Out = (t) => void process.stderr.write(t)): Promise<number> {
  env = environment;
  print = (text) => (out(`${text}\n`), 0);
  const [command, sub, ...rest] = argv;
  try {
    if (!command || command === '--help' || command === 'help') return print(HELP);
    if (command === 'serve') return await serve();
    if (command === 'preview') return await runPreview(argv.slice(1), err);
    if (command === 'jobs') return await jobs(sub, rest, err);
    if (command === 'reconcile') return await reconcile(argv.slice(1), err);
    err(`bridge: unknown command '${command}'\n\n${HELP}`);
    return 2;
  } catch (e) {
    err(`bridge: ${e instanceof ConfigError ? e.message : (e as Error).message}\n`);
    return 1;
  }
}

async function serve(): Promise<number> {
  const config = loadConfig(env);
  const log = createLogger(config.log.level);
  const bridge = await startBridge(config, log);
  const stop = async (): Promise<void> => {
    await bridge.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  return new Promise(() => undefined);
}

async function runPreview(args: string[], err: Out): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { 'user-id': { type: 'string' }, email: { type: 'string' }, group: { type: 'string', multiple: true }, groups: { type: 'string' }, domain: { type: 'string' }, upn: { type: 'string' } },
  });
  const listed = values.groups?.split(',').map((g) => g.trim()).filter(Boolean) ?? [];
  const dn = listed.find((g) => g.includes('='));
  if (dn) throw new Error(`--groups splits at commas, and '${dn}' looks like part of a distinguished name: pass each group with --group "CN=…,OU=…,DC=…"`);
  const groups = [...(values.group ?? []), ...listed];
  let request: PreviewRequest;
  if (values['user-id']) request = { userId: values['user-id'] };
  else if (values.group !== undefined || values.groups !== undefined) request = { facts: { groups, domain: values.domain, upn: values.upn, email: values.email } };
  else if (values.email) request = { email: values.email };
  else {
    err('bridge preview: give --user-id, --email, or --group (see bridge --help)\n');
    return 2;
  }
  const config = loadConfig(env);
  const keycloak = new KeycloakGateway(config.keycloak, silentLogger);
  const bms = new BmsClient(config.bms, { logger: silentLogger });
  const rules = ruleSourceFor(config, keycloak, bms, silentLogger);
  const result = await preview(previewSource(keycloak, rules), request);
  return print(JSON.stringify(result, null, 2));
}

async function reconcile(args: string[], err: Out): Promise<number> {
  const { values } = parseArgs({ args, options: { all: { type: 'boolean', default: false } } });
  const config = loadConfig(env);
  const scope = values.all ? 'all' : 'requested';
  // a bridge serving on the same store runs the sweep itself: one sweep at a time (leases already keep a second
  // process off the server's running jobs, so a local sweep would be safe, but it would duplicate the server's work)
  const serving = `http://${loopbackFor(config.server.host)}:${config.server.port}`;
  if (config.server.port !== 0 && (await isBridge(`${serving}/healthz`))) {
    if (!config.admin.token) throw new Error(`a bridge is serving at ${serving}: set BRIDGE_ADMIN_TOKEN (as it has) so reconcile asks it to sweep, or stop it first`);
    const res = await fetch(`${serving}/admin/reconcile${values.all ? '?scope=all' : ''}`, { method: 'POST', headers: { authorization: `Bearer ${config.admin.token}` } });
    const body = (await res.json().catch(() => ({}))) as SweepSummary & { error?: string };
    if (!res.ok) throw new Error(`the bridge at ${serving} refused the sweep (${res.status}): ${body.error ?? 'no reason given'}`);
    if (typeof body.examined !== 'number' || !body.purged) throw new Error(`the process at ${serving} did not answer with a sweep summary; is it this version of the bridge?`);
    print(`(swept by the bridge serving at ${serving})`);
    return report(body, values.all === true);
  }
  const core = await createBridgeCore(config, createLogger('warn', process.stderr));
  core.worker.start();
  const tty = process.stderr.isTTY && env === process.env;
  try {
    // one sweep at a time across every bridge on the store (another host's bridge may be sweeping)
    const summary = await withSweepLease(core.store.coordination, core.worker.owner, () =>
      core.sweep.run({
        scope,
        waitMs: 10 * 60_000,
        onProgress: (examined) => {
          if (tty && examined % 50 === 0) err(`\rexamined ${examined} users`);
        },
      }),
    );
    if (tty) err('\n');
    return report(summary, values.all === true);
  } finally {
    await core.worker.stop();
    await core.store.close();
  }
}

function report(summary: SweepSummary, all: boolean): number {
  print(
    `swept (${all ? 'linked and marked users, and every user linked to the identity provider' : 'linked and marked users'}): examined ${summary.examined}, ` +
      `unchanged ${summary.unchanged}, denied ${summary.denied}, gone from Keycloak ${summary.missing}, backed off ${summary.backedOff}, queued ${summary.queued} ` +
      `(active ${summary.active}, inactive ${summary.inactive}, refused ${summary.refused}, failed ${summary.failed}, still running ${summary.stillRunning}); ` +
      `Keycloak pages ${summary.keycloakCalls}; purged ${summary.purged.deliveries} deliveries, ${summary.purged.jobs} finished jobs`,
  );
  if (summary.rulesProblems?.length) print(`the BMS rules cannot be used, so only disabled, deleted and gone users were handled: ${summary.rulesProblems.join('; ')}`);
  if (summary.refused) print(`${summary.refused} user(s) refused (a conflict or a rehire the policy denies): see the log or 'bridge jobs list' for who and why`);
  return summary.failed > 0 || summary.rulesProblems?.length ? 1 : 0;
}

/** Whether a bridge (not just any server) answers there; nothing secret is sent. */
async function isBridge(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return res.ok && ((await res.json()) as { service?: string }).service === 'bms-bridge';
  } catch {
    return false;
  }
}

/** The address to reach a server listening on `host` from this machine (IPv6 in brackets). */
function loopbackFor(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

async function jobs(sub: string | undefined, args: string[], err: Out): Promise<number> {
  const config = loadConfig(env);
  const store = await openStore(config.store);
  try {
    if (sub === 'list') {
      const { values } = parseArgs({ args, options: { state: { type: 'string' } } });
      const states: JobState[] = ['queued', 'running', 'done', 'retry', 'dead'];
      if (values.state && !states.includes(values.state as JobState)) throw new Error(`--state must be one of ${states.join(', ')}`);
      const rows = await store.jobs.list({ state: values.state as JobState | undefined, limit: 50 });
      return print(rows.map((j) => `${String(j.id).padStart(6)}  ${j.state.padEnd(7)}  ${j.trigger.padEnd(6)}  ${j.attempts}/${j.maxAttempts}  ${j.userId}  ${j.lastError ?? ''}`).join('\n') || '(no jobs)');
    }
    const id = Number(args[0]);
    if ((sub === 'show' || sub === 'retry') && Number.isInteger(id)) {
      if (sub === 'retry') return print(JSON.stringify(await store.jobs.revive(id), null, 2));
      const job = await store.jobs.get(id);
      if (!job) throw new Error(`no job ${id}`);
      return print(JSON.stringify(job, null, 2));
    }
    err('bridge jobs: use list [--state S], show ID or retry ID\n');
    return 2;
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
