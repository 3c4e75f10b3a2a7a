import { Lease } from '../../jobs/job-queue';
import { BudgetAnswer, BudgetRequest, Coordination } from '../coordination';
import { SqliteDatabase } from './database';

/** Coordination of the processes sharing one SQLite file (contract: test/store-contract/). */
export class SqliteCoordination implements Coordination {
  constructor(private readonly base: SqliteDatabase) {}

  async holdLease(name: string, lease: Lease, now = Date.now()): Promise<boolean> {
    return this.base.writing(() => {
      const row = this.base.sql('SELECT owner, until FROM named_leases WHERE name = ?').get(name) as { owner: string; until: number } | undefined;
      if (row && row.owner !== lease.owner && row.until > now) return false;
      this.base.sql('INSERT INTO named_leases (name, owner, until) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until').run(name, lease.owner, now + lease.ms);
      return true;
    });
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    this.base.sql('DELETE FROM named_leases WHERE name = ? AND owner = ?').run(name, owner);
  }

  async leaseHolder(name: string, now = Date.now()): Promise<string | undefined> {
    return (this.base.sql('SELECT owner FROM named_leases WHERE name = ? AND until > ?').pluck().get(name, now) as string | undefined) ?? undefined;
  }

  async bumpVersion(topic: string): Promise<number> {
    return this.base.sql('INSERT INTO versions (topic, version) VALUES (?, 1) ON CONFLICT (topic) DO UPDATE SET version = version + 1 RETURNING version').pluck().get(topic) as number;
  }

  async version(topic: string): Promise<number> {
    return (this.base.sql('SELECT version FROM versions WHERE topic = ?').pluck().get(topic) as number | undefined) ?? 0;
  }

  async takeCall(request: BudgetRequest, forLogin: boolean, at?: number): Promise<BudgetAnswer> {
    return this.base.writing((): BudgetAnswer => {
      // the time is read once the write lock is held, so calls are stamped in the order they are counted (a process
      // that waited for the lock must not stamp its call before calls counted meanwhile; see the PostgreSQL version)
      const now = at ?? Date.now();
      const held = (this.base.sql('SELECT until FROM bms_holds WHERE endpoint = ?').pluck().get(request.endpoint) as number | undefined) ?? 0;
      if (held > now) return { ok: false, retryInMs: held - now };
      const since = now - request.windowMs;
      this.base.sql('DELETE FROM bms_calls WHERE endpoint = ? AND at <= ?').run(request.endpoint, since);
      const used = this.base.sql('SELECT count(*) FROM bms_calls WHERE endpoint = ?').pluck().get(request.endpoint) as number;
      if (used >= (forLogin ? request.limit : request.ceiling)) {
        const oldest = this.base.sql('SELECT min(at) FROM bms_calls WHERE endpoint = ?').pluck().get(request.endpoint) as number;
        return { ok: false, retryInMs: oldest + request.windowMs + 1 - now };
      }
      this.base.sql('INSERT INTO bms_calls (endpoint, at) VALUES (?, ?)').run(request.endpoint, now);
      return { ok: true };
    });
  }

  async holdCalls(endpoint: string, forMs: number, now = Date.now()): Promise<void> {
    const until = now + forMs;
    this.base.sql('INSERT INTO bms_holds (endpoint, until) VALUES (?, ?) ON CONFLICT (endpoint) DO UPDATE SET until = max(until, excluded.until)').run(endpoint, until);
  }

  async callsInWindow(windowMs: number, now = Date.now()): Promise<Record<string, number>> {
    const rows = this.base.sql('SELECT endpoint, count(*) AS n FROM bms_calls WHERE at > ? GROUP BY endpoint').all(now - windowMs) as { endpoint: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.endpoint, r.n]));
  }
}
