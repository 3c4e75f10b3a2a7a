import { Link, LinkConflictError, LinkStore } from '../../converge/link-store';
import { EmployeeView } from '../../converge/model';
import { SqliteDatabase } from './database';
import { recordOf, snapshotOf } from '../records';

interface LinkRow {
  user_id: string;
  employee_id: number;
  snapshot: string | null;
  linked_at: number;
  attribute_unwritable: number;
}

/** The employee links on SQLite; a unique index keeps one user per employee (contract: test/store-contract/). */
export class SqliteLinkStore implements LinkStore {
  constructor(private readonly base: SqliteDatabase) {}

  async linkOf(userId: string): Promise<Link | undefined> {
    return this.linkNow(userId);
  }

  async linkOfEmployee(employeeId: number): Promise<Link | undefined> {
    return this.byEmployee(employeeId);
  }

  async saveLink(userId: string, record: EmployeeView, now = Date.now()): Promise<void> {
    this.base.writing(() => this.save(userId, record, now));
  }

  async moveLink(fromUserId: string, toUserId: string, record: EmployeeView, now = Date.now()): Promise<void> {
    this.base.writing(() => {
      this.base.sql('DELETE FROM employee_links WHERE user_id = ? AND employee_id = ?').run(fromUserId, record.id);
      this.save(toUserId, record, now);
    });
  }

  async forgetRecord(employeeId: number): Promise<string | undefined> {
    const holder = this.byEmployee(employeeId);
    if (holder) this.base.sql('UPDATE employee_links SET snapshot = NULL WHERE employee_id = ?').run(employeeId);
    return holder?.userId;
  }

  async markAttributeUnwritable(userId: string): Promise<void> {
    this.base.sql('UPDATE employee_links SET attribute_unwritable = 1 WHERE user_id = ?').run(userId);
  }

  async linkedUserIds(): Promise<string[]> {
    return this.base.sql('SELECT user_id FROM employee_links ORDER BY user_id').pluck().all() as string[];
  }

  private save(userId: string, record: EmployeeView, now: number): void {
    const holder = this.byEmployee(record.id);
    if (holder && holder.userId !== userId) throw new LinkConflictError(record.id, holder.userId);
    const previous = this.linkNow(userId);
    this.base
      .sql('INSERT INTO employee_links (user_id, employee_id, snapshot, linked_at) VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET employee_id = excluded.employee_id, snapshot = excluded.snapshot, linked_at = excluded.linked_at')
      .run(userId, record.id, snapshotOf(record), previous?.employeeId === record.id ? previous.linkedAt : now);
  }

  /** linkOf, synchronously (for a read that must see one moment). */
  linkNow(userId: string): Link | undefined {
    const row = this.base.sql('SELECT * FROM employee_links WHERE user_id = ?').get(userId) as LinkRow | undefined;
    return row && toLink(row);
  }

  private byEmployee(employeeId: number): Link | undefined {
    const row = this.base.sql('SELECT * FROM employee_links WHERE employee_id = ?').get(employeeId) as LinkRow | undefined;
    return row && toLink(row);
  }
}

function toLink(row: LinkRow): Link {
  return { userId: row.user_id, employeeId: row.employee_id, record: recordOf(row.employee_id, row.snapshot), linkedAt: row.linked_at, attributeUnwritable: row.attribute_unwritable === 1 };
}
