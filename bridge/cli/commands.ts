import { Command, InvalidArgumentError, Option } from 'commander';

import { BmsClient } from '../bms/client';
import { createBridgeCore, previewSource, ruleSourceFor, startBridge } from '../bridge';
import { loadConfig } from '../config/config';
import { namedStore, storeLocation } from '../errors/named-store';
import { describeCause } from '../errors/operation-error';
import { JobState } from '../jobs/job-queue';
import { KeycloakGateway } from '../keycloak/gateway';
import { silentLogger } from '../log/logger';
import { createLogger } from '../log/pino-logger';
import { preview, PreviewRequest } from '../rules/preview';
import { openStore } from '../store/open-store';
import { Store } from '../store/store';
import { SweepSummary } from '../sweep/sweep';
import { SweepControl } from '../sweep/sweep-control';
import { CliContext, EXIT, println, UsageError } from './context';
import { counterProgress } from './progress';

const JOB_STATES: JobState[] = ['queued', 'running', 'done', 'retry', 'dead'];

/** `serve`: the bridge until SIGINT or SIGTERM. */
export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('run the bridge: webhook endpoint, job worker, periodic sweep, /healthz, /readyz, /metrics')
    .action(async () => {
      const config = loadConfig(ctx.env);
      const bridge = await startBridge(config, createLogger(config.log.level));
      const stop = async (): Promise<void> => {
        await bridge.stop();
        process.exit(EXIT.ok);
      };
      process.on('SIGINT', () => void stop());
      process.on('SIGTERM', () => void stop());
      await new Promise(() => undefined);
    });
}

/** `preview`: what the rules decide for a user or a hand-written attribute set; BMS is read, never written. */
export function registerPreview(program: Command, ctx: CliContext): void {
  program
    .command('preview')
    .description('what the BMS rules decide for a Keycloak user or an attribute set, without writing to BMS')
    .option('--user-id <id>', 'a Keycloak user, by id')
    .option('--email <address>', 'a Keycloak user, by e-mail (with --group: the e-mail of the attribute set)')
    .option('--group <group>', 'one group of the attribute set; repeat per group (a DN has commas)', (value: string, list: string[] = []) => [...list, value])
    .option('--groups <g1,g2>', 'plain group names, comma-separated')
    .option('--domain <domain>', 'the attribute set\'s AD domain (DNS or NetBIOS)')
    .option('--upn <upn>', 'the attribute set\'s user principal name')
    .action(async (options: { userId?: string; email?: string; group?: string[]; groups?: string; domain?: string; upn?: string }) => {
      const request = previewRequestOf(options);
      const config = loadConfig(ctx.env);
      const keycloak = new KeycloakGateway(config.keycloak, silentLogger);
      const bms = new BmsClient(config.bms, { logger: silentLogger });
      const rules = ruleSourceFor(config, keycloak, bms, silentLogger);
      println(ctx, JSON.stringify(await preview(previewSource(keycloak, rules), request), null, 2));
    });
}

function previewRequestOf(options: { userId?: string; email?: string; group?: string[]; groups?: string; domain?: string; upn?: string }): PreviewRequest {
  const listed = options.groups?.split(',').map((g) => g.trim()).filter(Boolean) ?? [];
  const dn = listed.find((g) => g.includes('='));
  if (dn) throw new Error(`--groups splits at commas, and '${dn}' looks like part of a distinguished name: pass each group with --group "CN=…,OU=…,DC=…"`);
  if (options.userId) return { userId: options.userId };
  if (options.group !== undefined || options.groups !== undefined) return { facts: { groups: [...(options.group ?? []), ...listed], domain: options.domain, upn: options.upn, email: options.email } };
  if (options.email) return { email: options.email };
  throw new UsageError('preview: give --user-id, --email, or --group (see bridge preview --help)');
}

/** `reconcile`: one sweep, by the bridge serving on this machine if there is one, else in this process. */
export function registerReconcile(program: Command, ctx: CliContext): void {
  program
    .command('reconcile')
    .description('sweep: converge every linked or marked user whose BMS employee differs from Keycloak and the rules (no BMS call for the unchanged); prints a summary; exit 1 when a job failed or the rules are unusable')
    .option('--all', 'also every user linked to the identity provider (a first migration)', false)
    .action(async (options: { all: boolean }) => {
      ctx.exitCode = report(ctx, await sweep(ctx, options.all), options.all);
    });
}

async function sweep(ctx: CliContext, all: boolean): Promise<SweepSummary> {
  const config = loadConfig(ctx.env);
  // a bridge serving on the same store runs the sweep itself: one sweep at a time, and no duplicated work
  const serving = `http://${loopbackFor(config.server.host)}:${config.server.port}`;
  if (config.server.port !== 0 && (await isBridge(`${serving}/healthz`))) {
    if (!config.admin.token) throw new Error(`a bridge is serving at ${serving}: set BRIDGE_ADMIN_TOKEN (as it has) so reconcile asks it to sweep, or stop it first`);
    // a sweep may take long: the request waits up to an hour (the bridge's own sweep goes on if this one gives up)
    const res = await fetch(`${serving}/admin/reconcile${all ? '?scope=all' : ''}`, { method: 'POST', headers: { authorization: `Bearer ${config.admin.token}` }, signal: AbortSignal.timeout(3_600_000) }).catch((err: Error) => {
      throw new Error(`the bridge at ${serving} could not be asked to sweep (POST /admin/reconcile): ${describeCause(err)}`);
    });
    const body = (await res.json().catch(() => ({}))) as SweepSummary & { error?: string };
    if (!res.ok) throw new Error(`the bridge at ${serving} refused the sweep (${res.status}): ${body.error ?? 'no reason given'}`);
    if (typeof body.examined !== 'number' || !body.purged) throw new Error(`the process at ${serving} did not answer with a sweep summary; is it this version of the bridge?`);
    println(ctx, `(swept by the bridge serving at ${serving})`);
    return body;
  }
  const core = await createBridgeCore(config, createLogger('warn', process.stderr));
  core.worker.start();
  const progress = counterProgress(ctx.tty, 'sweeping: {value} users examined, {queued} queued | {duration_formatted}', { queued: 0 });
  // one sweep at a time across every bridge on the store (another host's bridge may be sweeping), shown on their pages
  const sweeps = new SweepControl(core.store.expiring, core.store.coordination, core.worker.owner, (scope, waitMs, signal, onProgress) =>
    core.sweep.run({ scope, waitMs, signal, onProgress: (examined, queued) => (onProgress(examined), progress.update(examined, { queued })) }),
  );
  // Ctrl-C: the sweep gives its lease up at once, instead of leaving every bridge refused for a minute
  const interrupted = (): void => void sweeps.stop();
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    return await sweeps.sweep(all ? 'all' : 'requested', 10 * 60_000);
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    progress.stop();
    await core.worker.stop();
    await core.store.close();
  }
}

function report(ctx: CliContext, summary: SweepSummary, all: boolean): number {
  println(
    ctx,
    `swept (${all ? 'linked and marked users, and every user linked to the identity provider' : 'linked and marked users'}): examined ${summary.examined}, ` +
      `unchanged ${summary.unchanged}, denied ${summary.denied}, gone from Keycloak ${summary.missing}, backed off ${summary.backedOff}, queued ${summary.queued} ` +
      `(active ${summary.active}, inactive ${summary.inactive}, refused ${summary.refused}, failed ${summary.failed}, still running ${summary.stillRunning}); ` +
      `Keycloak pages ${summary.keycloakCalls}; purged ${summary.purged.deliveries} deliveries, ${summary.purged.jobs} finished jobs`,
  );
  if (summary.rulesProblems?.length) println(ctx, `the BMS rules cannot be used, so only disabled, deleted and gone users were handled: ${summary.rulesProblems.join('; ')}`);
  if (summary.refused) println(ctx, `${summary.refused} user(s) refused (a conflict or a rehire the policy denies): see the log or 'bridge jobs list' for who and why`);
  return summary.failed > 0 || summary.rulesProblems?.length ? EXIT.failure : EXIT.ok;
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

/** `jobs list | show | retry`: the job queue in the store. */
export function registerJobs(program: Command, ctx: CliContext): void {
  const jobs = program.command('jobs').description('the job queue: list, show or retry jobs');
  jobs
    .command('list')
    .description('recent jobs (the newest 50), with their last error')
    .addOption(new Option('--state <state>', 'only jobs in this state').choices(JOB_STATES))
    .action((options: { state?: JobState }) =>
      withStore(ctx, async (store) => {
        const rows = await store.jobs.list({ state: options.state, limit: 50 });
        println(ctx, rows.map((j) => `${String(j.id).padStart(6)}  ${j.state.padEnd(7)}  ${j.trigger.padEnd(6)}  ${j.attempts}/${j.maxAttempts}  ${j.userId}  ${j.lastError ?? ''}`).join('\n') || '(no jobs)');
      }),
    );
  jobs
    .command('show')
    .description('one job, with its payload and last error')
    .argument('<id>', 'the job id', jobId)
    .action((id: number) =>
      withStore(ctx, async (store) => {
        const job = await store.jobs.get(id);
        if (!job) throw new Error(`no job ${id}`);
        println(ctx, JSON.stringify(job, null, 2));
      }),
    );
  jobs
    .command('retry')
    .description('give a dead job a fresh set of attempts')
    .argument('<id>', 'the job id', jobId)
    .action((id: number) => withStore(ctx, async (store) => println(ctx, JSON.stringify(await store.jobs.revive(id), null, 2))));
}

function jobId(value: string): number {
  const id = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(id)) throw new InvalidArgumentError('a job id is a whole number (see bridge jobs list)');
  return id;
}

/** Runs `work` on the configured store (its failures named: errors/named-store.ts), and closes it. */
export async function withStore(ctx: CliContext, work: (store: Store) => Promise<void>): Promise<void> {
  const config = loadConfig(ctx.env);
  const store = namedStore(await openStore(config.store), storeLocation(config.store));
  try {
    await work(store);
  } finally {
    await store.close();
  }
}
