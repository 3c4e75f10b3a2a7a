#!/usr/bin/env node
import { parseArgs } from 'node:util';

import { startBridge } from '../bridge';
import { ConfigError, loadConfig } from '../config/config';
import { JobState } from '../jobs/job-store';
import { SqliteJobStore } from '../jobs/sqlite-job-store';
import { KeycloakGateway } from '../keycloak/gateway';
import { createLogger } from '../log/pino-logger';
import { silentLogger } from '../log/logger';
import { preview, PreviewRequest } from '../rules/preview';

const HELP = `bridge — Keycloak → Kaseya BMS just-in-time provisioning

Usage: bridge <command> [options]        (npm run bridge -- <command> …)

Commands:
  serve                         run the bridge: webhook endpoint, job worker, health endpoints
  preview --user-id ID          what the BMS rules decide for a Keycloak user, without touching BMS
  preview --email ADDRESS       the same, finding the user by e-mail
  preview --groups G1,G2 [--domain D] [--upn U] [--email E]
                                the same for a hand-written attribute set
  jobs list [--state S]         recent jobs (S: queued, running, done, retry, dead)
  jobs show ID                  one job, with its last error
  jobs retry ID                 give a dead job a fresh set of attempts

Configuration comes from environment variables (and BRIDGE_CONFIG_FILE); see README, "Bridge configuration".
`;

async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') return print(HELP);
  if (command === 'serve') return serve();
  if (command === 'preview') return runPreview(argv.slice(1));
  if (command === 'jobs') return jobs(sub, rest);
  process.stderr.write(`bridge: unknown command '${command}'\n\n${HELP}`);
  return 2;
}

async function serve(): Promise<number> {
  const config = loadConfig();
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

async function runPreview(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { 'user-id': { type: 'string' }, email: { type: 'string' }, groups: { type: 'string' }, domain: { type: 'string' }, upn: { type: 'string' } } });
  let request: PreviewRequest;
  if (values['user-id']) request = { userId: values['user-id'] };
  else if (values.groups !== undefined) request = { facts: { groups: values.groups.split(',').map((g) => g.trim()).filter(Boolean), domain: values.domain, upn: values.upn, email: values.email } };
  else if (values.email) request = { email: values.email };
  else {
    process.stderr.write('bridge preview: give --user-id, --email, or --groups (see bridge --help)\n');
    return 2;
  }
  const config = loadConfig();
  const result = await preview(new KeycloakGateway(config.keycloak, silentLogger), config.keycloak.idpAlias, request);
  return print(JSON.stringify(result, null, 2));
}

function jobs(sub: string | undefined, args: string[]): number {
  const config = loadConfig();
  const store = new SqliteJobStore(config.store.path);
  try {
    if (sub === 'list') {
      const { values } = parseArgs({ args, options: { state: { type: 'string' } } });
      const states: JobState[] = ['queued', 'running', 'done', 'retry', 'dead'];
      if (values.state && !states.includes(values.state as JobState)) throw new Error(`--state must be one of ${states.join(', ')}`);
      const rows = store.list({ state: values.state as JobState | undefined, limit: 50 });
      return print(rows.map((j) => `${String(j.id).padStart(6)}  ${j.state.padEnd(7)}  ${j.kind.padEnd(10)}  ${j.attempts}/${j.maxAttempts}  ${j.userId}  ${j.lastError ?? ''}`).join('\n') || '(no jobs)');
    }
    const id = Number(args[0]);
    if ((sub === 'show' || sub === 'retry') && Number.isInteger(id)) {
      if (sub === 'retry') return print(JSON.stringify(store.revive(id), null, 2));
      const job = store.get(id);
      if (!job) throw new Error(`no job ${id}`);
      return print(JSON.stringify(job, null, 2));
    }
    process.stderr.write('bridge jobs: use list [--state S], show ID or retry ID\n');
    return 2;
  } finally {
    store.close();
  }
}

function print(text: string): number {
  process.stdout.write(`${text}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bridge: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
    process.exit(1);
  },
);
