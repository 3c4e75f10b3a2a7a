/** A bridge_jobs row as PostgreSQL returns it (BIGINTs as strings), and the Job it stands for. */

import { Job, JobPayload, JobState, Trigger } from '../../jobs/job-queue';
import { payloadOf } from '../../jobs/merge';
import { num } from './database';

/** A bridge_jobs row as node-postgres returns it (BIGINT columns as strings, JSONB parsed). */
export interface Row {
  id: string;
  user_id: string;
  trigger: Trigger;
  priority: number;
  payload: Partial<JobPayload> | null;
  state: JobState;
  attempts: number;
  max_attempts: number;
  run_at: string;
  last_error: string | null;
  result: unknown;
  created_at: string;
  updated_at: string;
  lease_owner: string | null;
  lease_until: string | null;
}

/** The queue's Job from a bridge_jobs row (numbers parsed from their BIGINT text). */
export function toJob(row: Row): Job {
  return {
    id: num(row.id),
    userId: row.user_id,
    trigger: row.trigger,
    priority: row.priority,
    payload: payloadOf(row.payload),
    state: row.state,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: num(row.run_at),
    lastError: row.last_error,
    result: row.result ?? null,
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until === null ? null : num(row.lease_until),
  };
}
