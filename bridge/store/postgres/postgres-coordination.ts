import { Lease } from '../../jobs/job-queue';
import { BudgetAnswer, BudgetRequest, Coordination } from '../coordination';
import { num, PostgresDatabase } from './database';

/** Coordination of the bridges sharing one PostgreSQL database (contract: test/store-contract/). */
export class PostgresCoordination implements Coordination {
  constructor(private readonly db: PostgresDatabase) {}

  async holdLease(name: string, lease: Lease, at?: number): Promise<boolean> {
    const now = at ?? (await this.db.now());
    const rows = await this.db.query(
      `INSERT INTO bridge_leases (name, owner, until) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until
       WHERE bridge_leases.owner = excluded.owner OR bridge_leases.until <= $4 RETURNING name`,
      [name, lease.owner, now + lease.ms, now],
    );
    return rows.length === 1;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.db.query('DELETE FROM bridge_leases WHERE name = $1 AND owner = $2', [name, owner]);
  }

  async leaseHolder(name: string, at?: number): Promise<string | undefined> {
    const now = at ?? (await this.db.now());
    return (await this.db.query<{ owner: string }>('SELECT owner FROM bridge_leases WHERE name = $1 AND until > $2', [name, now]))[0]?.owner;
  }

  async bumpVersion(topic: string): Promise<number> {
    const rows = await this.db.query<{ version: string }>('INSERT INTO bridge_versions (topic, version) VALUES ($1, 1) ON CONFLICT (topic) DO UPDATE SET version = bridge_versions.version + 1 RETURNING version', [topic]);
    return num(rows[0].version);
  }

  async version(topic: string): Promise<number> {
    const rows = await this.db.query<{ version: string }>('SELECT version FROM bridge_versions WHERE topic = $1', [topic]);
    return rows[0] ? num(rows[0].version) : 0;
  }

  async takeCall(request: BudgetRequest, forLogin: boolean, at?: number): Promise<BudgetAnswer> {
    return this.db.transaction(async (c): Promise<BudgetAnswer> => {
      // one endpoint's budget is counted by one bridge at a time
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`bms-budget:${request.endpoint}`]);
      // the time is read under the lock, from the database's one clock, so calls are stamped in the order they are
      // counted. Read before the lock (or on each bridge's host), a bridge that waited for it stamped its call earlier
      // than calls already counted, and counted too few: a later-stamped bridge had deleted the calls that had left its
      // own window but not this one's (the multi-bridge test saw 151 calls in a window of 150).
      const now = at ?? (await this.db.now(c));
      const held = (await c.query<{ until: string }>('SELECT until FROM bridge_bms_holds WHERE endpoint = $1', [request.endpoint])).rows[0];
      if (held && num(held.until) > now) return { ok: false, retryInMs: num(held.until) - now };
      await c.query('DELETE FROM bridge_bms_calls WHERE endpoint = $1 AND at <= $2', [request.endpoint, now - request.windowMs]);
      const { rows } = await c.query<{ used: string; oldest: string | null }>('SELECT count(*) AS used, min(at) AS oldest FROM bridge_bms_calls WHERE endpoint = $1', [request.endpoint]);
      if (num(rows[0].used) >= (forLogin ? request.limit : request.ceiling)) return { ok: false, retryInMs: num(rows[0].oldest) + request.windowMs + 1 - now };
      await c.query('INSERT INTO bridge_bms_calls (endpoint, at) VALUES ($1, $2)', [request.endpoint, now]);
      return { ok: true };
    });
  }

  async holdCalls(endpoint: string, forMs: number, at?: number): Promise<void> {
    const until = (at ?? (await this.db.now())) + forMs;
    await this.db.query('INSERT INTO bridge_bms_holds (endpoint, until) VALUES ($1, $2) ON CONFLICT (endpoint) DO UPDATE SET until = GREATEST(bridge_bms_holds.until, excluded.until)', [endpoint, until]);
  }

  async callsInWindow(windowMs: number, at?: number): Promise<Record<string, number>> {
    const now = at ?? (await this.db.now());
    const rows = await this.db.query<{ endpoint: string; n: string }>('SELECT endpoint, count(*) AS n FROM bridge_bms_calls WHERE at > $1 GROUP BY endpoint', [now - windowMs]);
    return Object.fromEntries(rows.map((r) => [r.endpoint, num(r.n)]));
  }
}
