import { Command, InvalidArgumentError } from 'commander';

import { AUDIT_PAGE_MAX } from '../audit/audit-log';
import { loadConfig } from '../config/config';
import { KeycloakGateway } from '../keycloak/gateway';
import { silentLogger } from '../log/logger';
import { withStore } from './commands';
import { CliContext, UsageError } from './context';

const KEYCLOAK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `audit`: the audit trail as JSON lines, oldest first (one object per line: id, at, userId, kind, what, why,
 * trigger, by, jobId, details), for one person or everyone, optionally from a time on. Pages through the store and
 * reads the next page once the output has taken this one, so an export of any size holds about one page in memory.
 */
export function registerAudit(program: Command, ctx: CliContext): void {
  program
    .command('audit')
    .description('the audit trail as JSON lines, oldest first: each sign-in decision, BMS write and admin action')
    .option('--user <who>', 'one person: a Keycloak id, e-mail address or user name (the latter two are looked up in Keycloak)')
    .option('--user-id <id>', 'one person by the exact id the trail holds (any form, e.g. of a federated user since deleted); no Keycloak lookup')
    .option('--since <time>', 'entries from this time on: ISO 8601 (2026-11-01 or 2026-11-01T08:00:00Z)', sinceOf)
    .action(async (options: { user?: string; userId?: string; since?: number }) => {
      if (options.user !== undefined && options.userId !== undefined) throw new UsageError('give --user or --user-id, not both');
      const userId = options.userId ?? (options.user === undefined ? undefined : await userIdOf(ctx, options.user));
      await withStore(ctx, async (store) => {
        for (let afterId: number | undefined; ; ) {
          const page = await store.audit.list({ userId, since: options.since, afterId, limit: AUDIT_PAGE_MAX });
          for (const entry of page) ctx.out(`${JSON.stringify({ ...entry, at: new Date(entry.at).toISOString() })}\n`);
          if (page.length < AUDIT_PAGE_MAX) return;
          await ctx.drained(); // the next page only when the reader has taken this one
          if (ctx.outputClosed()) return; // nobody reads on: the rest of the trail is not paged through for nothing
          afterId = page[page.length - 1].id;
        }
      });
    });
}

/** A Keycloak id as given; an e-mail or user name looked up in Keycloak (an Error when nobody has it). */
async function userIdOf(ctx: CliContext, who: string): Promise<string> {
  if (KEYCLOAK_ID.test(who)) return who.toLowerCase(); // Keycloak's ids are lower case
  const keycloak = new KeycloakGateway(loadConfig(ctx.env).keycloak, silentLogger);
  const user = await keycloak.findUser(who);
  if (!user?.id) throw new Error(`no Keycloak user has the e-mail address or user name '${who}' (give the Keycloak id of a deleted user)`);
  return user.id;
}

/** An ISO 8601 date (midnight UTC) or date and time with its zone; a date that does not exist (2026-02-31) is refused. */
function sinceOf(value: string): number {
  const match = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.exec(value);
  const at = match ? Date.parse(match[2] ? value : `${value}T00:00:00Z`) : NaN;
  // a date that does not exist rolls over in Date.parse (02-31 → 03-03): in UTC it must read back as written
  const offset = match?.[5] !== undefined && match[5] !== 'Z';
  const readsBack = Number.isFinite(at) && new Date(at).toISOString().slice(0, 10) === match?.[1];
  if (!match || !Number.isFinite(at) || (!offset && !readsBack)) {
    throw new InvalidArgumentError('give an existing date or a time with its zone as ISO 8601, e.g. 2026-11-01 or 2026-11-01T08:00:00Z');
  }
  return at;
}
