import { AUDIT_PAGE_MAX, AuditEntry, AuditFilter, AuditLog, NewAuditEntry } from '../../audit/audit-log';
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
  constructor(private readonly base: SqliteDatabase) {}

  async record(entry: NewAuditEntry): Promise<void> {
    this.base
      .sql('INSERT INTO audit (at, user_id, kind, what, why, trigger, by, job_id, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(entry.at ?? Date.now(), entry.userId, entry.kind, entry.what, entry.why ?? null, entry.trigger, entry.by ?? null, entry.jobId ?? null, JSON.stringify(entry.details ?? {}));
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
