import { PoolClient } from 'pg';

import { Backoff, ConvergeRequest, Failure, Job, JobQueue, JobState, Lease, JobNotDeadError, LeaseLostError, nextDelayMs, PRIORITY, Trigger } from '../../jobs/job-queue';
import { absorb, firstPayload, MergedInto, mergeInto, sweepWaitMs, waitingPriority } from '../../jobs/merge';
import { clockCte, isUniqueViolation, num, PostgresDatabase } from './database';
import { Row, toJob } from './job-row';

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
    const row = await this.db.transaction(async (c) => {
      const now = at ?? (await this.db.now(c));
      const job = await this.lockedJob(c, id);
      if (job?.state !== 'running' || job.lease_owner !== owner) throw new LeaseLostError(id, owner);
      const lastError = failure.message.slice(0, 2000);
      if (!failure.retryable || job.attempts >= job.max_attempts) {
        return (await c.query<Row>("UPDATE bridge_jobs SET state = 'dead', last_error = $1, lease_owner = NULL, lease_until = NULL, updated_at = $2 WHERE id = $3 RETURNING *", [lastError, now, id])).rows[0];
      }
      await this.backToWaiting(c, job, { state: 'retry', runAt: now + nextDelayMs(job.attempts, backoff, failure.retryAfterMs), attempts: job.attempts, lastError }, now);
      return (await c.query<Row>('SELECT * FROM bridge_jobs WHERE id = $1', [id])).rows[0];
    });
    return toJob(row);
  }

  async resumeExpired(at?: number): Promise<number> {
    const now = at ?? (await this.db.now());
    return this.requeueWhere("state = 'running' AND lease_until < $1", [now], now);
  }

  async release(owner: string, at?: number): Promise<number> {
    return this.requeueWhere("state = 'running' AND lease_owner = $1", [owner], at ?? (await this.db.now()));
  }

  async revive(id: number, at?: number): Promise<Job> {
    const into = await this.db.transaction(async (c) => {
      const now = at ?? (await this.db.now(c));
      const job = await this.lockedJob(c, id);
      if (!job) throw new Error(`no job ${id}`);
      if (job.state !== 'dead') throw new JobNotDeadError(id, job.state);
      return this.backToWaiting(c, job, { state: 'queued', runAt: now, attempts: 0, lastError: job.last_error }, now);
    });
    const job = await this.get(into);
    if (!job) throw new Error(`job ${into} vanished while job ${id} was retried; look again`);
    return job;
  }

  /** Running jobs matching `where` (with `values` as $1…) go back to waiting at `now`, one transaction each; returns how many. */
  private async requeueWhere(where: string, values: unknown[], now: number): Promise<number> {
    const ids = await this.db.query<{ id: string }>(`SELECT id FROM bridge_jobs WHERE ${where}`, values);
    let moved = 0;
    for (const { id } of ids) {
      const done = await this.db.transaction(async (c) => {
        const job = await this.lockedJob(c, num(id));
        const still = job && (await c.query(`SELECT 1 FROM bridge_jobs WHERE id = $${values.length + 1} AND ${where}`, [...values, id])).rows.length > 0;
        if (!job || !still) return false; // another bridge moved it meanwhile
        await this.backToWaiting(c, job, { state: 'queued', runAt: now, attempts: job.attempts, lastError: job.last_error }, now);
        return true;
      });
      if (done) moved++;
    }
    return moved;
  }

  /** The job's row, locked, after its user's merge lock: every change to a user's waiting jobs holds that lock. */
  private async lockedJob(c: PoolClient, id: number): Promise<Row | undefined> {
    const userId = (await c.query<{ user_id: string }>('SELECT user_id FROM bridge_jobs WHERE id = $1', [id])).rows[0]?.user_id;
    if (userId === undefined) return undefined;
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [userId]);
    return (await c.query<Row>('SELECT * FROM bridge_jobs WHERE id = $1 FOR UPDATE', [id])).rows[0];
  }

  /**
   * A job goes back to waiting: as itself (lowered to background priority), or absorbed by the user's newer waiting job
   * (done, with `mergedInto`). Returns the id of the job that now waits. Needs the user's merge lock.
   */
  private async backToWaiting(c: PoolClient, job: Row, next: { state: 'queued' | 'retry'; runAt: number; attempts: number; lastError: string | null }, now: number): Promise<number> {
    const waiting = (await c.query<Row>(`SELECT * FROM bridge_jobs WHERE user_id = $1 AND state IN ${WAITING} AND id <> $2 ORDER BY id LIMIT 1 FOR UPDATE`, [job.user_id, job.id])).rows[0];
    if (!waiting) {
      await c.query('UPDATE bridge_jobs SET state = $1, run_at = $2, attempts = $3, priority = $4, last_error = $5, lease_owner = NULL, lease_until = NULL, updated_at = $6 WHERE id = $7', [
        next.state,
        next.runAt,
        next.attempts,
        waitingPriority(job.priority),
        next.lastError,
        now,
        job.id,
      ]);
      return num(job.id);
    }
    const m = absorb(toJob(waiting), toJob(job));
    await c.query('UPDATE bridge_jobs SET payload = $1, updated_at = $2 WHERE id = $3', [JSON.stringify(m.payload), now, waiting.id]);
    const merged: MergedInto = { mergedInto: num(waiting.id) };
    await c.query("UPDATE bridge_jobs SET state = 'done', result = $1, last_error = $2, lease_owner = NULL, lease_until = NULL, updated_at = $3 WHERE id = $4", [JSON.stringify(merged), next.lastError, now, job.id]);
    return num(waiting.id);
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

  async countByState(): Promise<{ trigger: Trigger; state: JobState; count: number }[]> {
    const rows = await this.db.query<{ trigger: Trigger; state: JobState; count: string }>('SELECT trigger, state, count(*) AS count FROM bridge_jobs GROUP BY trigger, state');
    return rows.map((r) => ({ trigger: r.trigger, state: r.state, count: num(r.count) }));
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
