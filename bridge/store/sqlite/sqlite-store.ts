import { DEFAULT_AUDIT_RETENTION_MS, Purged, Retention, SignInView, Store } from '../store';
import { SqliteDatabase } from './database';
import { SqliteAuditLog } from './sqlite-audit-log';
import { SqliteExpiringEntries } from './sqlite-expiring-entries';
import { SqliteCoordination } from './sqlite-coordination';
import { SqliteDeliveryLog } from './sqlite-delivery-log';
import { SqliteJobQueue } from './sqlite-job-queue';
import { SqliteLinkStore } from './sqlite-link-store';

/**
 * The embedded store: one SQLite file (the default, `store.path`). Processes on one machine may share the file (a
 * `bridge reconcile` beside `bridge serve`): leases keep each off the other's running jobs.
 */
export class SqliteStore implements Store {
  readonly jobs: SqliteJobQueue;
  readonly deliveries: SqliteDeliveryLog;
  readonly links: SqliteLinkStore;
  readonly coordination: SqliteCoordination;
  readonly audit: SqliteAuditLog;
  readonly expiring: SqliteExpiringEntries;
  private readonly base: SqliteDatabase;

  constructor(path: string) {
    this.base = new SqliteDatabase(path);
    this.jobs = new SqliteJobQueue(this.base);
    this.deliveries = new SqliteDeliveryLog(this.base);
    this.links = new SqliteLinkStore(this.base);
    this.coordination = new SqliteCoordination(this.base);
    this.audit = new SqliteAuditLog(this.base);
    this.expiring = new SqliteExpiringEntries(this.base);
  }

  async signInView(userId: string): Promise<SignInView> {
    // both reads are synchronous underneath: nothing else in this process runs between them
    const [link, pending] = [this.links.linkNow(userId), this.jobs.pendingJobNow(userId)];
    return { link, pendingJob: pending !== undefined };
  }

  async purge(retention: Retention, now = Date.now()): Promise<Purged> {
    return this.base.writing(() => {
      const deliveries = this.base.sql('DELETE FROM deliveries WHERE received_at < ?').run(now - retention.deliveriesMs).changes;
      const jobs = this.base.sql("DELETE FROM jobs WHERE state IN ('done','dead') AND updated_at < ?").run(now - retention.jobsMs).changes;
      // a back-off long over is forgotten with the jobs that caused it
      this.base.sql('DELETE FROM sweep_backoff WHERE not_before < ?').run(now - retention.jobsMs);
      const audit = this.base.sql('DELETE FROM audit WHERE at < ?').run(now - (retention.auditMs ?? DEFAULT_AUDIT_RETENTION_MS)).changes;
      const expired = this.base.sql('DELETE FROM expiring WHERE expires_at <= ?').run(now).changes;
      return { deliveries, jobs, audit, expired };
    });
  }

  async close(): Promise<void> {
    // audit entries already recorded are written first: a caller that did not wait for its entry still gets it kept
    await this.audit.settled();
    this.base.close();
  }
}
