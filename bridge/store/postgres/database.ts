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

  /**
   * The rows of one statement. `name`: prepare it once per connection under this name and reuse the plan (for the
   * statements of every sign-in; the text must be the same for one name).
   */
  async query<R extends QueryResultRow>(text: string, values: unknown[] = [], name?: string): Promise<R[]> {
    return (await this.pool.query<R>(name ? { name, text, values } : { text, values })).rows;
  }

  /**
   * The database's clock, in epoch ms: every bridge stamps leases and due times with it, so a host whose clock is off
   * can neither steal live work nor hold on to dead work.
   */
  async now(client?: PoolClient): Promise<number> {
    const { rows } = await (client ?? this.pool).query<{ now: string }>(NOW_SQL);
    return num(rows[0].now);
  }

  /**
   * Runs `work` in a transaction on one connection; rolled back when it throws. A connection the server drops meanwhile
   * (a restart, a failover, pg_terminate_backend) fails the transaction with that error and is thrown away, never
   * returned to the pool, and never crashes the process.
   */
  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return withClient(this.pool, async (client) => {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }
}

/**
 * Runs `work` on a connection of its own. While a client is checked out, pg-pool no longer listens for its 'error'
 * event, and an unheard 'error' (the server ended the connection) would end the process: it is heard here, and the
 * broken client is destroyed on release instead of going back to the pool.
 */
export async function withClient<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error): void => {
    broken = err;
  };
  client.on('error', onError);
  let failure: unknown;
  try {
    return await work(client);
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    client.off('error', onError);
    // a failed query may have left the connection unusable (a terminated backend): do not hand it to the next caller
    client.release(broken ?? (isConnectionFailure(failure) ? (failure as Error) : undefined));
  }
}

/** Errors after which a connection must not be reused: the server went away, or the socket did. */
function isConnectionFailure(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code ?? '';
  // 57P01-57P03: admin shutdown, crash shutdown, cannot connect now; 08xxx: connection exceptions
  return /^(57P0[123]|08)/.test(code) || /Connection terminated|ECONNRESET|EPIPE|ETIMEDOUT/.test((err as Error | undefined)?.message ?? '');
}

/** Whether `err` is PostgreSQL's unique-violation on `constraint` (or on any constraint when none is named). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === UNIQUE_VIOLATION && (constraint === undefined || e.constraint === constraint);
}

/** A BIGINT column as a number (pg returns BIGINT as a string; the store's values stay within 2^53). */
export const num = (value: string | number | null): number => Number(value);
