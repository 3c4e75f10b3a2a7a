import { AUDIT_PAGE_MAX, AuditEntry, AuditFilter, AuditLog, NewAuditEntry } from '../../audit/audit-log';
import { GroupCommit } from '../group-commit';
import { SqliteDatabase } from './database';

interface Row {
  id: number;
  at: number;
  user_id: string | null;
  kind: AuditEntry['kind'];
  what: string;
  why: string | null;
  trigger: AuditEntry['trigger'];
  by: string | null;
  job_id: number | null;
  details: string;
}

/** The audit trail on SQLite (contract: test/store-contract/). */
export class SqliteAuditLog implements AuditLog {
  /** one transaction (one fsync) for the entries of every sign-in that arrived meanwhile */
  private readonly commits = new GroupCommit<NewAuditEntry>(async (entries) => this.insert(entries), { retryAlone: refusedForItsData });

  constructor(private readonly base: SqliteDatabase) {}

  /** Resolves once the entries recorded so far are written (or refused): the store waits for this before closing. */
  settled(): Promise<void> {
    return this.commits.settled();
  }

  /** Resolves once the entry is committed. */
  record(entry: NewAuditEntry): Promise<void> {
    return this.commits.add({ ...entry, at: entry.at ?? Date.now() });
  }

  private insert(entries: NewAuditEntry[]): void {
    const statement = this.base.sql('INSERT INTO audit (at, user_id, kind, what, why, trigger, by, job_id, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.base.writing(() => {
      for (const e of entries) statement.run(e.at ?? Date.now(), e.userId, e.kind, e.what, e.why ?? null, e.trigger, e.by ?? null, e.jobId ?? null, JSON.stringify(e.details ?? {}));
    });
  }

  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const where: string[] = [];
    const values: (string | number)[] = [];
    const when = (clause: string, value: string | number | undefined): void => {
      if (value === undefined) return;
      where.push(clause);
      values.push(value);
    };
    when('user_id = ?', filter.userId);
    when('id > ?', filter.afterId);
    when('at >= ?', filter.since);
    const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id ${filter.newestFirst ? 'DESC' : 'ASC'} LIMIT ?`;
    const rows = this.base.sql(sql).all(...values, Math.min(filter.limit ?? AUDIT_PAGE_MAX, AUDIT_PAGE_MAX)) as Row[];
    return rows.map(toEntry);
  }
}

function toEntry(row: Row): AuditEntry {
  return { id: row.id, at: row.at, userId: row.user_id, kind: row.kind, what: row.what, why: row.why, trigger: row.trigger, by: row.by, jobId: row.job_id, details: JSON.parse(row.details) as Record<string, unknown> };
}

/**
 * An error that belongs to the entries rather than to the database (a constraint, a value too big, details
 * JSON.stringify refuses): the batch is written again entry by entry. A busy, full or failing database is not retried
 * this way (a busy one would wait out its busy timeout once per entry). A closed handle also throws a TypeError; its
 * entries then fail one by one, each at once.
 */
function refusedForItsData(err: unknown): boolean {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return err instanceof TypeError || (typeof code === 'string' && /^SQLITE_(CONSTRAINT|TOOBIG|MISMATCH)/.test(code));
}
