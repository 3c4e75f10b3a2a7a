import { Pool, PoolClient, QueryResultRow } from 'pg';

/** PostgreSQL's clock now, in epoch ms (a BIGINT). */
export const NOW_SQL = 'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now';

/**
 * A CTE named `clock` with one column `now`: the time given as parameter `$n` (a test's), else PostgreSQL's clock read
 * once for the statement. A statement that uses it needs no round trip of its own to read the time.
 */
export function clockCte(n: number): string {
  return `clock AS (SELECT COALESCE($${n}::bigint, (extract(epoch FROM clock_timestamp()) * 1000)::bigint) AS now)`;
}

/** PostgreSQL error codes the store handles (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
export const UNIQUE_VIOLATION = '23505';

/** A pool of connections to the store's database, with transactions that retry on a unique-index race. */
export class PostgresDatabase {
  constructor(readonly pool: Pool) {}

  async query<R extends QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(text, values)).rows;
  }

  /**
   * The database's clock, in epoch ms: every bridge stamps leases and due times with it, so a host whose clock is off
   * can neither steal live work nor hold on to dead work.
   */
  async now(client?: PoolClient): Promise<number> {
    const { rows } = await (client ?? this.pool).query<{ now: string }>(NOW_SQL);
    return num(rows[0].now);
  }

  /** Runs `work` in a transaction on one connection; rolled back when it throws. */
  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

/** Whether `err` is PostgreSQL's unique-violation on `constraint` (or on any constraint when none is named). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === UNIQUE_VIOLATION && (constraint === undefined || e.constraint === constraint);
}

/** A BIGINT column as a number (pg returns BIGINT as a string; the store's values stay within 2^53). */
export const num = (value: string | number | null): number => Number(value);
