import { AuditLog } from '../audit/audit-log';
import { Link, LinkStore } from '../converge/link-store';
import { JobQueue } from '../jobs/job-queue';
import { DeliveryLog } from '../webhooks/delivery-log';
import { Coordination } from './coordination';
import { ExpiringEntries } from './expiring-entries';

/** Retention of the store's history (README, "Retention"). */
export interface Retention {
  /** webhook ids are remembered this long (longer than the 5-minute signature tolerance) */
  deliveriesMs: number;
  /** finished (done, dead) jobs, with their personal data, are deleted after this long */
  jobsMs: number;
  /** audit entries are deleted after this long (default: DEFAULT_AUDIT_RETENTION_MS) */
  auditMs?: number;
}

/** How long the audit trail is kept when the retention does not say: 400 days, a year's audit and a margin. */
export const DEFAULT_AUDIT_RETENTION_MS = 400 * 24 * 3_600_000;

/** How many rows a purge deleted, per kind. */
export interface Purged {
  deliveries: number;
  jobs: number;
  audit: number;
  /** expired admin sessions and SAML request ids */
  expired: number;
}

/** What a sign-in needs to know of one user before it decides, read at one moment. */
export interface SignInView {
  /** the user's employee link, if any */
  link: Link | undefined;
  /** whether a job for the user is queued, waiting to retry or running (then the link may be about to change) */
  pendingJob: boolean;
}

/**
 * The bridge's durable state, split by idea: the job queue, the webhook deliveries, the employee links, what
 * several bridges agree on (coordination) and the audit trail. One store
 * may be shared by several bridge processes (leases keep them off each other's work).
 */
export interface Store {
  readonly jobs: JobQueue;
  readonly deliveries: DeliveryLog;
  readonly links: LinkStore;
  readonly coordination: Coordination;
  readonly audit: AuditLog;
  readonly expiring: ExpiringEntries;
  /**
   * The link and the pending-job flag of one user, in one read: a sign-in's hot path (one round trip on PostgreSQL
   * instead of two; the same as `links.linkOf` and `jobs.pendingJobOf` read together).
   */
  signInView(userId: string): Promise<SignInView>;
  /** Deletes what the retention allows; returns how many rows of each. */
  purge(retention: Retention, now?: number): Promise<Purged>;
  close(): Promise<void>;
}
