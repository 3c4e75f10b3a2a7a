import { Pool } from 'pg';

import { DEFAULT_AUDIT_RETENTION_MS, Purged, Retention, SignInView, Store } from '../store';
import { PostgresAuditLog } from './postgres-audit-log';
import { PostgresExpiringEntries } from './postgres-expiring-entries';
import { PostgresDatabase, withClient } from './database';
import { PostgresCoordination } from './postgres-coordination';
import { PostgresDeliveryLog } from './postgres-delivery-log';
import { PostgresJobQueue } from './postgres-job-queue';
import { PostgresLinkStore, signInViewOf } from './postgres-link-store';
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
  private closing?: Promise<void>;
  readonly audit: PostgresAuditLog;
  readonly expiring: PostgresExpiringEntries;

  private constructor(private readonly db: PostgresDatabase) {
    this.coordination = new PostgresCoordination(db);
    this.jobs = new PostgresJobQueue(db);
    this.deliveries = new PostgresDeliveryLog(db);
    this.links = new PostgresLinkStore(db);
    this.audit = new PostgresAuditLog(db);
    this.expiring = new PostgresExpiringEntries(db);
  }

  /**
   * Connects (a pool of at most `poolSize`) and migrates; an Error naming the server (never the password) and what to
   * check. `queryTimeoutMs`: the client gives up on a query after this long (a connection gone silent).
   */
  static async open(url: string, poolSize = 10, { queryTimeoutMs = 20_000 }: { queryTimeoutMs?: number } = {}): Promise<PostgresStore> {
    const pool = new Pool({
      connectionString: url,
      max: poolSize,
      connectionTimeoutMillis: 10_000,
      // a bridge that froze (SIGSTOP, a paused VM, a cut network) must not hold the others: its open transaction, and
      // the advisory locks it holds, end after 30 s; nobody waits more than 5 s for a lock or 15 s for a statement
      idle_in_transaction_session_timeout: 30_000,
      lock_timeout: 5_000,
      statement_timeout: 15_000,
      // a connection that went silent without a reset (a failover that moved the address, a dropped route) must fail,
      // not hang: the client gives up on a query after 20 s, and TCP keepalive probes start after 10 s of silence
      query_timeout: queryTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    pool.on('error', () => undefined); // an idle connection dropped by the server: the pool replaces it
    // every connection's 'error' is heard from its first moment: one that dies while it is checked out between two
    // queries (a restart, a failover) would otherwise end the process. The query in flight still fails, and the pool
    // discards the connection when it comes back (it is no longer queryable)
    pool.on('connect', (client) => client.on('error', () => undefined));
    let connected = false;
    try {
      await withClient(pool, async (client) => {
        connected = true;
        await migrate(client);
      });
    } catch (err) {
      await pool.end();
      if (!connected) throw new Error(`cannot connect to the PostgreSQL store at ${redacted(url)}: ${(err as Error).message}. Check BRIDGE_STORE_URL and that the server accepts connections.`);
      throw new Error(
        `cannot migrate the PostgreSQL store at ${redacted(url)}: ${(err as Error).message}` +
          ((err as { code?: string }).code === '42501' ? `. ${rightsHint((err as Error).message)}` : ''),
      );
    }
    return new PostgresStore(new PostgresDatabase(pool));
  }

  signInView(userId: string): Promise<SignInView> {
    return signInViewOf(this.db, userId);
  }

  async purge(retention: Retention, now = Date.now()): Promise<Purged> {
    const deliveries = await this.db.query('DELETE FROM bridge_deliveries WHERE received_at < $1 RETURNING webhook_id', [now - retention.deliveriesMs]);
    const jobs = await this.db.query("DELETE FROM bridge_jobs WHERE state IN ('done','dead') AND updated_at < $1 RETURNING id", [now - retention.jobsMs]);
    await this.db.query('DELETE FROM bridge_sweep_backoff WHERE not_before < $1', [now - retention.jobsMs]);
    const audit = await this.db.query('DELETE FROM bridge_audit WHERE at < $1 RETURNING id', [now - (retention.auditMs ?? DEFAULT_AUDIT_RETENTION_MS)]);
    const expired = await this.db.query('DELETE FROM bridge_expiring WHERE expires_at <= $1 RETURNING key', [now]);
    return { deliveries: deliveries.length, jobs: jobs.length, audit: audit.length, expired: expired.length };
  }

  /** Writes the audit entries already recorded, then ends the pool; a second call waits for the first. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // a caller that did not wait for its entry still gets it kept
      await this.audit.settled();
      await this.db.pool.end();
    })();
    return this.closing;
  }
}

/**
 * What to grant for PostgreSQL's "permission denied" (42501) during the migration: rights on the bridge's tables when
 * one of them was refused (the tables exist, the user may not read them), else CREATE on the schema (the first start
 * and every upgrade create tables).
 */
function rightsHint(message: string): string {
  if (/permission denied for (table|relation|sequence)/i.test(message)) {
    return 'This user may not use the bridge\'s tables: give it data rights (GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO <user>; GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO <user>)';
  }
  return 'The first start and every upgrade create tables: give this user CREATE on the schema (GRANT CREATE ON SCHEMA public TO <user>), or start one bridge once as the owner';
}

/**
 * The URL without any secret, for messages and logs: the password in the user part and every query parameter that
 * names one (`password`, `sslpassword`, …: pg reads them all). Also for forms `URL` cannot parse (a Unix socket host).
 */
export function redacted(url: string): string {
  // up to the last @ of the text: an unencoded @, #, / or ? in the password must not leave any of it in the log (a
  // query value holding an @ hides the host as well: too much hidden is only a worse message, too little is a leak)
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@?#]*:).*@/i, '$1***@').replace(/([?&][^=&#]*pass[^=&#]*=)[^&#]*/gi, '$1***');
}
