import { Pool } from 'pg';

import { Retention, Store } from '../store';
import { PostgresDatabase } from './database';
import { PostgresCoordination } from './postgres-coordination';
import { PostgresDeliveryLog } from './postgres-delivery-log';
import { PostgresJobQueue } from './postgres-job-queue';
import { PostgresLinkStore } from './postgres-link-store';
import { migrate } from './schema';

/**
 * The store on PostgreSQL (`BRIDGE_STORE_URL=postgres://…`), for several bridges sharing one queue, one set of links
 * and one delivery log. `open` migrates the schema first (safe when several bridges start together).
 */
export class PostgresStore implements Store {
  readonly jobs: PostgresJobQueue;
  readonly deliveries: PostgresDeliveryLog;
  readonly links: PostgresLinkStore;
  readonly coordination: PostgresCoordination;

  private constructor(private readonly db: PostgresDatabase) {
    this.coordination = new PostgresCoordination(db);
    this.jobs = new PostgresJobQueue(db);
    this.deliveries = new PostgresDeliveryLog(db);
    this.links = new PostgresLinkStore(db);
  }

  /** Connects (a pool of at most `poolSize`) and migrates; an Error naming the server (never the password) and what to check. */
  static async open(url: string, poolSize = 10): Promise<PostgresStore> {
    const pool = new Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 10_000 });
    pool.on('error', () => undefined); // an idle connection dropped by the server: the pool replaces it
    const client = await pool.connect().catch(async (err: Error) => {
      await pool.end();
      throw new Error(`cannot connect to the PostgreSQL store at ${redacted(url)}: ${err.message}. Check BRIDGE_STORE_URL and that the server accepts connections.`);
    });
    try {
      await migrate(client);
    } catch (err) {
      client.release();
      await pool.end();
      throw new Error(`cannot migrate the PostgreSQL store at ${redacted(url)}: ${(err as Error).message}`);
    }
    client.release();
    return new PostgresStore(new PostgresDatabase(pool));
  }

  async purge(retention: Retention, now = Date.now()): Promise<{ deliveries: number; jobs: number }> {
    const deliveries = await this.db.query('DELETE FROM bridge_deliveries WHERE received_at < $1 RETURNING webhook_id', [now - retention.deliveriesMs]);
    const jobs = await this.db.query("DELETE FROM bridge_jobs WHERE state IN ('done','dead') AND updated_at < $1 RETURNING id", [now - retention.jobsMs]);
    await this.db.query('DELETE FROM bridge_sweep_backoff WHERE not_before < $1', [now - retention.jobsMs]);
    return { deliveries: deliveries.length, jobs: jobs.length };
  }

  async close(): Promise<void> {
    await this.db.pool.end();
  }
}

/** The URL without its password, for messages and logs. */
export function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'an unreadable URL';
  }
}
