import { Command, InvalidArgumentError } from 'commander';

import { AUDIT_PAGE_MAX } from '../audit/audit-log';
import { loadConfig } from '../config/config';
import { KeycloakGateway } from '../keycloak/gateway';
import { silentLogger } from '../log/logger';
import { withStore } from './commands';
import { CliContext } from './context';

const KEYCLOAK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `audit`: the audit trail as JSON lines, oldest first (one object per line: id, at, userId, kind, what, why,
 * trigger, by, jobId, details), for one person or everyone, optionally from a time on. Pages through the store, so an
 * export of any size holds one page in memory.
 */
export function registerAudit(program: Command, ctx: CliContext): void {
  program
    .command('audit')
    .description('the audit trail as JSON lines, oldest first: each sign-in decision, BMS write and admin action')
    .option('--user <who>', 'one person: a Keycloak id, e-mail address or user name (the latter two are looked up in Keycloak)')
    .option('--since <time>', 'entries from this time on: ISO 8601 (2026-11-01 or 2026-11-01T08:00:00Z)', sinceOf)
    .action(async (options: { user?: string; since?: number }) => {
      const userId = options.user === undefined ? undefined : await userIdOf(ctx, options.user);
      await withStore(ctx, async (store) => {
        for (let afterId: number | undefined; ; ) {
          const page = await store.audit.list({ userId, since: options.since, afterId, limit: AUDIT_PAGE_MAX });
          for (const entry of page) ctx.out(`${JSON.stringify({ ...entry, at: new Date(entry.at).toISOString() })}\n`);
          if (page.length < AUDIT_PAGE_MAX) return;
          afterId = page[page.length - 1].id;
        }
      });
    });
}

/** A Keycloak id as given; an e-mail or user name looked up in Keycloak (an Error when nobody has it). */
async function userIdOf(ctx: CliContext, who: string): Promise<string> {
  if (KEYCLOAK_ID.test(who)) return who;
  const keycloak = new KeycloakGateway(loadConfig(ctx.env).keycloak, silentLogger);
  const user = await keycloak.findUser(who);
  if (!user?.id) throw new Error(`no Keycloak user has the e-mail address or user name '${who}' (give the Keycloak id of a deleted user)`);
  return user.id;
}

function sinceOf(value: string): number {
  const at = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(at)) throw new InvalidArgumentError('give a time as ISO 8601, e.g. 2026-11-01 or 2026-11-01T08:00:00Z');
  return at;
}
