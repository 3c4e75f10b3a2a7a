import { AUDIT_PAGE_MAX, AuditEntry, AuditFilter, AuditLog, NewAuditEntry } from '../../audit/audit-log';
import { num, PostgresDatabase } from './database';

interface Row {
  id: string;
  at: string;
  user_id: string | null;
  kind: AuditEntry['kind'];
  what: string;
  why: string | null;
  trigger: AuditEntry['trigger'];
  by: string | null;
  job_id: string | null;
  details: Record<string, unknown>;
}

/** The audit trail on PostgreSQL, one for every bridge on the store (contract: test/store-contract/). */
export class PostgresAuditLog implements AuditLog {
  constructor(private readonly db: PostgresDatabase) {}

  async record(entry: NewAuditEntry): Promise<void> {
    await this.db.query('INSERT INTO bridge_audit (at, user_id, kind, what, why, trigger, by, job_id, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
      entry.at ?? Date.now(),
      entry.userId,
      entry.kind,
      entry.what,
      entry.why ?? null,
      entry.trigger,
      entry.by ?? null,
      entry.jobId ?? null,
      JSON.stringify(entry.details ?? {}),
    ]);
  }

  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const where: string[] = [];
    const values: (string | number)[] = [];
    const when = (column: string, value: string | number | undefined): void => {
      if (value === undefined) return;
      where.push(`${column} $${values.push(value)}`);
    };
    when('user_id =', filter.userId);
    when('id >', filter.afterId);
    when('at >=', filter.since);
    const limit = `$${values.push(Math.min(filter.limit ?? AUDIT_PAGE_MAX, AUDIT_PAGE_MAX))}`;
    const rows = await this.db.query<Row>(`SELECT * FROM bridge_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id ${filter.newestFirst ? 'DESC' : 'ASC'} LIMIT ${limit}`, values);
    return rows.map(toEntry);
  }
}

function toEntry(row: Row): AuditEntry {
  return { id: num(row.id), at: num(row.at), userId: row.user_id, kind: row.kind, what: row.what, why: row.why, trigger: row.trigger, by: row.by, jobId: row.job_id === null ? null : num(row.job_id), details: row.details };
}
