import { PoolClient } from 'pg';

import { Backoff, ConvergeRequest, Failure, Job, JobPayload, JobQueue, JobState, Lease, LeaseLostError, nextDelayMs, PRIORITY, Trigger } from '../../jobs/job-queue';
import { firstPayload, mergeInto, payloadOf, sweepWaitMs } from '../../jobs/merge';
import { clockCte, isUniqueViolation, num, PostgresDatabase } from './database';

interface Row {
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

const WAITING = "('queued','retry')";

/**
 * The job queue on PostgreSQL, shared by every bridge (contract: test/store-contract/store-contract.ts). Hand-written
 * `FOR UPDATE SKIP LOCKED` rather than pg-boss or graphile-worker: the contract's merge of requests into a user's
 * waiting job, claims for logins only, per-user exclusivity and our own leases do not map onto their job models (see
 * the commit). A unique partial index keeps one running job per user whatever the races.
 */
export class PostgresJobQueue implements JobQueue {
  constructor(private readonly db: PostgresDatabase) {}

  async enqueue(request: ConvergeRequest, maxAttempts: number, at?: number): Promise<Job> {
    return this.db.transaction(async (c) => {
      const now = at ?? (await this.db.now(c));
      // requests for one user are merged one at a time, whichever bridge received them
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [request.userId]);
      const waiting = (await c.query<Row>(`SELECT * FROM bridge_jobs WHERE user_id = $1 AND state IN ${WAITING} ORDER BY id LIMIT 1 FOR UPDATE`, [request.userId])).rows[0];
      if (!waiting) {
        const inserted = await c.query<Row>(
          "INSERT INTO bridge_jobs (user_id, trigger, priority, payload, state, attempts, max_attempts, run_at, created_at, updated_at) VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $6, $6) RETURNING *",
          [request.userId, request.trigger, PRIORITY[request.trigger], JSON.stringify(firstPayload(request, now)), maxAttempts, now],
        );
        return toJob(inserted.rows[0]);
      }
      const m = mergeInto(toJob(waiting), request, now);
      const updated = await c.query<Row>('UPDATE bridge_jobs SET payload = $1, priority = $2, trigger = $3, run_at = $4, attempts = $5, state = $6, updated_at = $7 WHERE id = $8 RETURNING *', [
        JSON.stringify(m.payload),
        m.priority,
        m.trigger,
        m.runAt,
        m.attempts,
        m.state,
        now,
        waiting.id,
      ]);
      return toJob(updated.rows[0]);
    });
  }

  async claim(lease: Lease, at?: number, only: { id?: number; minPriority?: number } = {}): Promise<Job | undefined> {
    const conditions = [`j.state IN ${WAITING}`, 'j.run_at <= (SELECT now FROM clock)', "NOT EXISTS (SELECT 1 FROM bridge_jobs r WHERE r.user_id = j.user_id AND r.state = 'running')"];
    const values: unknown[] = [at ?? null, lease.owner, lease.ms];
    if (only.id !== undefined) conditions.push(`j.id = $${values.push(only.id)}`);
    if (only.minPriority !== undefined) conditions.push(`j.priority >= $${values.push(only.minPriority)}`);
    const sql = `WITH ${clockCte(1)}, next AS (SELECT j.id FROM bridge_jobs j WHERE ${conditions.join(' AND ')} ORDER BY j.priority DESC, j.run_at, j.id LIMIT 1 FOR UPDATE OF j SKIP LOCKED)
      UPDATE bridge_jobs SET state = 'running', attempts = attempts + 1, lease_owner = $2, lease_until = clock.now + $3, updated_at = clock.now FROM next, clock WHERE bridge_jobs.id = next.id RETURNING bridge_jobs.*`;
    for (let tries = 0; tries < 5; tries++) {
      try {
        const rows = await this.db.query<Row>(sql, values);
        return rows[0] && toJob(rows[0]);
      } catch (err) {
        // another bridge started this user's other job a moment ago (not yet visible to our snapshot): look again
        if (!isUniqueViolation(err, 'bridge_jobs_one_running')) throw err;
      }
    }
    return undefined;
  }

  async renew(ids: number[], lease: Lease, at?: number): Promise<number[]> {
    if (!ids.length) return [];
    const rows = await this.db.query<{ id: string }>(
      `WITH ${clockCte(1)} UPDATE bridge_jobs SET lease_until = clock.now + $4 FROM clock WHERE id = ANY($2::bigint[]) AND state = 'running' AND lease_owner = $3 RETURNING id`,
      [at ?? null, ids, lease.owner, lease.ms],
    );
    return rows.map((r) => num(r.id));
  }

  async complete(id: number, owner: string, result: unknown, at?: number): Promise<Job> {
    const rows = await this.db.query<Row>(
      `WITH ${clockCte(2)} UPDATE bridge_jobs SET state = 'done', result = $1, last_error = NULL, lease_owner = NULL, lease_until = NULL, updated_at = clock.now FROM clock WHERE id = $3 AND state = 'running' AND lease_owner = $4 RETURNING bridge_jobs.*`,
      [JSON.stringify(result ?? null), at ?? null, id, owner],
    );
    if (!rows[0]) throw new LeaseLostError(id, owner);
    return toJob(rows[0]);
  }

  async fail(id: number, owner: string, failure: Failure, backoff: Backoff, at?: number): Promise<Job> {
    return this.db.transaction(async (c) => {
      const now = at ?? (await this.db.now(c));
      const job = (await c.query<Row>("SELECT * FROM bridge_jobs WHERE id = $1 AND state = 'running' AND lease_owner = $2 FOR UPDATE", [id, owner])).rows[0];
      if (!job) throw new LeaseLostError(id, owner);
      const dead = !failure.retryable || job.attempts >= job.max_attempts;
      const runAt = dead ? num(job.run_at) : now + nextDelayMs(job.attempts, backoff, failure.retryAfterMs);
      const updated = await c.query<Row>('UPDATE bridge_jobs SET state = $1, last_error = $2, run_at = $3, lease_owner = NULL, lease_until = NULL, updated_at = $4 WHERE id = $5 RETURNING *', [
        dead ? 'dead' : 'retry',
        failure.message.slice(0, 2000),
        runAt,
        now,
        id,
      ]);
      return toJob(updated.rows[0]);
    });
  }

  async resumeExpired(at?: number): Promise<number> {
    const rows = await this.db.query(
      `WITH ${clockCte(1)} UPDATE bridge_jobs SET state = 'queued', run_at = clock.now, lease_owner = NULL, lease_until = NULL, updated_at = clock.now FROM clock WHERE state = 'running' AND lease_until < clock.now RETURNING id`,
      [at ?? null],
    );
    return rows.length;
  }

  async release(owner: string, at?: number): Promise<number> {
    const rows = await this.db.query(
      `WITH ${clockCte(1)} UPDATE bridge_jobs SET state = 'queued', run_at = clock.now, lease_owner = NULL, lease_until = NULL, updated_at = clock.now FROM clock WHERE state = 'running' AND lease_owner = $2 RETURNING id`,
      [at ?? null, owner],
    );
    return rows.length;
  }

  async revive(id: number, at?: number): Promise<Job> {
    const now = at ?? (await this.db.now());
    const job = await this.get(id);
    if (!job) throw new Error(`no job ${id}`);
    if (job.state !== 'dead') throw new Error(`job ${id} is ${job.state}, not dead; only a dead job can be retried`);
    const rows = await this.db.query<Row>("UPDATE bridge_jobs SET state = 'queued', attempts = 0, run_at = $1, updated_at = $1 WHERE id = $2 AND state = 'dead' RETURNING *", [now, id]);
    if (!rows[0]) throw new Error(`job ${id} changed while it was being retried; look again`);
    return toJob(rows[0]);
  }

  async get(id: number): Promise<Job | undefined> {
    const rows = await this.db.query<Row>('SELECT * FROM bridge_jobs WHERE id = $1', [id]);
    return rows[0] && toJob(rows[0]);
  }

  async list(filter: { state?: JobState; userId?: string; limit?: number } = {}): Promise<Job[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (filter.state) where.push(`state = $${values.push(filter.state)}`);
    if (filter.userId) where.push(`user_id = $${values.push(filter.userId)}`);
    const rows = await this.db.query<Row>(`SELECT * FROM bridge_jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${values.push(filter.limit ?? 100)}`, values);
    return rows.map(toJob);
  }

  async pendingJobOf(userId: string): Promise<Job | undefined> {
    const rows = await this.db.query<Row>("SELECT * FROM bridge_jobs WHERE user_id = $1 AND state IN ('queued','retry','running') ORDER BY id LIMIT 1", [userId]);
    return rows[0] && toJob(rows[0]);
  }

  async loginWaiting(userId: string): Promise<boolean> {
    const rows = await this.db.query("SELECT 1 FROM bridge_jobs WHERE user_id = $1 AND state IN ('queued','retry') AND priority >= $2 LIMIT 1", [userId, PRIORITY.login]);
    return rows.length > 0;
  }

  async sweepNotBefore(userId: string): Promise<number | undefined> {
    const rows = await this.db.query<{ not_before: string }>('SELECT not_before FROM bridge_sweep_backoff WHERE user_id = $1', [userId]);
    return rows[0] ? num(rows[0].not_before) : undefined;
  }

  async recordOutcome(userId: string, dead: boolean, sweepIntervalMs: number, at?: number): Promise<void> {
    const now = at ?? (await this.db.now());
    if (!dead) {
      await this.db.query('DELETE FROM bridge_sweep_backoff WHERE user_id = $1', [userId]);
      return;
    }
    await this.db.transaction(async (c: PoolClient) => {
      const { rows } = await c.query<{ failures: number }>(
        'INSERT INTO bridge_sweep_backoff (user_id, failures, not_before) VALUES ($1, 1, 0) ON CONFLICT (user_id) DO UPDATE SET failures = bridge_sweep_backoff.failures + 1 RETURNING failures',
        [userId],
      );
      await c.query('UPDATE bridge_sweep_backoff SET not_before = $1 WHERE user_id = $2', [now + sweepWaitMs(rows[0].failures, sweepIntervalMs), userId]);
    });
  }
}

function toJob(row: Row): Job {
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
