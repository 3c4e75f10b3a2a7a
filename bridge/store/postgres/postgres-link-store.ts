import { Link, LinkConflictError, LinkStore } from '../../converge/link-store';
import { EmployeeView } from '../../converge/model';
import { recordOf, snapshotOf } from '../records';
import { SignInView } from '../store';
import { isUniqueViolation, num, PostgresDatabase } from './database';
import { PoolClient } from 'pg';

interface LinkRow {
  user_id: string;
  employee_id: string;
  snapshot: string | null;
  linked_at: string;
  attribute_unwritable: boolean;
}

/** The employee links on PostgreSQL; a unique constraint keeps one user per employee across every bridge. */
export class PostgresLinkStore implements LinkStore {
  constructor(private readonly db: PostgresDatabase) {}

  async linkOf(userId: string): Promise<Link | undefined> {
    const rows = await this.db.query<LinkRow>('SELECT * FROM bridge_links WHERE user_id = $1', [userId]);
    return rows[0] && toLink(rows[0]);
  }

  async linkOfEmployee(employeeId: number): Promise<Link | undefined> {
    const rows = await this.db.query<LinkRow>('SELECT * FROM bridge_links WHERE employee_id = $1', [employeeId]);
    return rows[0] && toLink(rows[0]);
  }

  async saveLink(userId: string, record: EmployeeView, now = Date.now()): Promise<void> {
    await this.guarded(record.id, () => this.db.transaction((c) => this.save(c, userId, record, now)));
  }

  async moveLink(fromUserId: string, toUserId: string, record: EmployeeView, now = Date.now()): Promise<void> {
    await this.guarded(record.id, () =>
      this.db.transaction(async (c) => {
        await c.query('DELETE FROM bridge_links WHERE user_id = $1 AND employee_id = $2', [fromUserId, record.id]);
        await this.save(c, toUserId, record, now);
      }),
    );
  }

  async forgetRecord(employeeId: number): Promise<string | undefined> {
    const rows = await this.db.query<{ user_id: string }>('UPDATE bridge_links SET snapshot = NULL WHERE employee_id = $1 RETURNING user_id', [employeeId]);
    return rows[0]?.user_id;
  }

  async markAttributeUnwritable(userId: string): Promise<void> {
    await this.db.query('UPDATE bridge_links SET attribute_unwritable = true WHERE user_id = $1', [userId]);
  }

  async linkedUserIds(): Promise<string[]> {
    return (await this.db.query<{ user_id: string }>('SELECT user_id FROM bridge_links ORDER BY user_id')).map((r) => r.user_id);
  }

  private async save(c: PoolClient, userId: string, record: EmployeeView, now: number): Promise<void> {
    const holder = (await c.query<{ user_id: string }>('SELECT user_id FROM bridge_links WHERE employee_id = $1', [record.id])).rows[0];
    if (holder && holder.user_id !== userId) throw new LinkConflictError(record.id, holder.user_id);
    await c.query(
      `INSERT INTO bridge_links (user_id, employee_id, snapshot, linked_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id) DO UPDATE SET employee_id = excluded.employee_id, snapshot = excluded.snapshot,
         linked_at = CASE WHEN bridge_links.employee_id = excluded.employee_id THEN bridge_links.linked_at ELSE excluded.linked_at END`,
      [userId, record.id, snapshotOf(record), now],
    );
  }

  /** Another bridge linked the employee to someone else between our read and write: the unique constraint says so. */
  private async guarded(employeeId: number, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (!isUniqueViolation(err, 'bridge_links_employee_id_key')) throw err;
      const holder = await this.linkOfEmployee(employeeId);
      throw new LinkConflictError(employeeId, holder?.userId ?? 'another user');
    }
  }
}

/**
 * The sign-in's read of one user (Store.signInView) in one statement: the link (NULL columns when there is none) and
 * whether a job is pending. Prepared once per connection (named), as it runs for every sign-in.
 */
export async function signInViewOf(db: PostgresDatabase, userId: string): Promise<SignInView> {
  const rows = await db.query<LinkRow & { pending_job: boolean }>(
    `SELECT l.*, EXISTS (SELECT 1 FROM bridge_jobs j WHERE j.user_id = $1 AND j.state IN ('queued','retry','running')) AS pending_job
     FROM (SELECT 1) AS one LEFT JOIN bridge_links l ON l.user_id = $1`,
    [userId],
    'bridge-sign-in-view',
  );
  const row = rows[0];
  return { link: row.user_id === null ? undefined : toLink(row), pendingJob: row.pending_job };
}

function toLink(row: LinkRow): Link {
  const employeeId = num(row.employee_id);
  return { userId: row.user_id, employeeId, record: recordOf(employeeId, row.snapshot), linkedAt: num(row.linked_at), attributeUnwritable: row.attribute_unwritable };
}
