import { LinkStore } from '../converge/link-store';
import { JobQueue } from '../jobs/job-queue';
import { DeliveryLog } from '../webhooks/delivery-log';
import { Coordination } from './coordination';

/** Retention of the store's history (README, "Retention"). */
export interface Retention {
  /** webhook ids are remembered this long (longer than the 5-minute signature tolerance) */
  deliveriesMs: number;
  /** finished (done, dead) jobs, with their personal data, are deleted after this long */
  jobsMs: number;
}

/**
 * The bridge's durable state, split by idea: the job queue, the webhook deliveries, the employee links, and what
 * several bridges agree on (coordination). One store
 * may be shared by several bridge processes (leases keep them off each other's work).
 */
export interface Store {
  readonly jobs: JobQueue;
  readonly deliveries: DeliveryLog;
  readonly links: LinkStore;
  readonly coordination: Coordination;
  /** Deletes what the retention allows; returns how many rows of each. */
  purge(retention: Retention, now?: number): Promise<{ deliveries: number; jobs: number }>;
  close(): Promise<void>;
}
