import { Backoff, ConvergeRequest, Failure, Job, JobPayload, JobQueue, JobState, Lease, JobNotDeadError, LeaseLostError, nextDelayMs, PRIORITY, Trigger } from '../../jobs/job-queue';
import { absorb, firstPayload, MergedInto, mergeInto, payloadOf, sweepWaitMs, waitingPriority } from '../../jobs/merge';
import { SqliteDatabase } from './database';

interface Row {
  id: number;
  user_id: string;
  trigger: Trigger;
  priority: number;
  payload: string;
  state: JobState;
  attempts: number;
  max_attempts: number;
  run_at: number;
  last_error: string | null;
  result: string | null;
  created_at: number;
  updated_at: number;
  lease_owner: string | null;
  lease_until: number | null;
}

const WAITING = "('queued','retry')";

/** The job queue on SQLite (contract: test/store-contract/store-contract.ts). Claims run in IMMEDIATE transactions. */
export class SqliteJobQueue implements JobQueue {
  constructor(private readonly base: SqliteDatabase) {}

  async enqueue(request: ConvergeRequest, maxAttempts: number, now = Date.now()): Promise<Job> {
    const id = this.base.writing((): number => {
      const waiting = this.base.sql(`SELECT * FROM jobs WHERE user_id = ? AND state IN ${WAITING} ORDER BY id LIMIT 1`).get(request.userId) as Row | undefined;
      if (!waiting) {
        const { lastInsertRowid } = this.base
          .sql("INSERT INTO jobs (kind, user_id, trigger, priority, payload, state, attempts, max_attempts, run_at, created_at, updated_at) VALUES ('converge', ?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?)")
          .run(request.userId, request.trigger, PRIORITY[request.trigger], JSON.stringify(firstPayload(request, now)), maxAttempts, now, now, now);
        return Number(lastInsertRowid);
      }
      const m = mergeInto(toJob(waiting), request, now);
      this.base.sql('UPDATE jobs SET payload = ?, priority = ?, trigger = ?, run_at = ?, attempts = ?, state = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(m.payload), m.priority, m.trigger, m.runAt, m.attempts, m.state, now, waiting.id);
      return waiting.id;
    });
    return this.require(id);
  }

  async claim(lease: Lease, now = Date.now(), only: { id?: number; minPriority?: number } = {}): Promise<Job | undefined> {
    const id = this.base.writing((): number | undefined => {
      const conditions = [`j.state IN ${WAITING}`, 'j.run_at <= ?', "NOT EXISTS (SELECT 1 FROM jobs r WHERE r.user_id = j.user_id AND r.state = 'running')"];
      const args: number[] = [now];
      if (only.id !== undefined) {
        conditions.push('j.id = ?');
        args.push(only.id);
      }
      if (only.minPriority !== undefined) {
        conditions.push('j.priority >= ?');
        args.push(only.minPriority);
      }
      const row = this.base.sql(`SELECT id FROM jobs j INDEXED BY jobs_waiting WHERE ${conditions.join(' AND ')} ORDER BY j.priority DESC, j.run_at, j.id LIMIT 1`).get(...args) as { id: number } | undefined;
      if (!row) return undefined;
      this.base.sql("UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?, lease_until = ?, updated_at = ? WHERE id = ?").run(lease.owner, now + lease.ms, now, row.id);
      return row.id;
    });
    return id === undefined ? undefined : this.require(id);
  }

  async renew(ids: number[], lease: Lease, now = Date.now()): Promise<number[]> {
    const held: number[] = [];
    this.base.writing(() => {
      for (const id of ids) {
        if (this.base.sql("UPDATE jobs SET lease_until = ? WHERE id = ? AND state = 'running' AND lease_owner = ?").run(now + lease.ms, id, lease.owner).changes) held.push(id);
      }
    });
    return held;
  }

  async complete(id: number, owner: string, result: unknown, now = Date.now()): Promise<Job> {
    const { changes } = this.base.sql("UPDATE jobs SET state = 'done', result = ?, last_error = NULL, lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ? AND state = 'running' AND lease_owner = ?").run(JSON.stringify(result ?? null), now, id, owner);
    if (!changes) throw new LeaseLostError(id, owner);
    return this.require(id);
  }

  async fail(id: number, owner: string, failure: Failure, backoff: Backoff, now = Date.now()): Promise<Job> {
    this.base.writing(() => {
      const row = this.base.sql("SELECT * FROM jobs WHERE id = ? AND state = 'running' AND lease_owner = ?").get(id, owner) as Row | undefined;
      if (!row) throw new LeaseLostError(id, owner);
      const lastError = failure.message.slice(0, 2000);
      if (!failure.retryable || row.attempts >= row.max_attempts) {
        this.base.sql("UPDATE jobs SET state = 'dead', last_error = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ?").run(lastError, now, id);
        return;
      }
      this.backToWaiting(row, { state: 'retry', runAt: now + nextDelayMs(row.attempts, backoff, failure.retryAfterMs), attempts: row.attempts, lastError }, now);
    });
    return this.require(id);
  }

  async resumeExpired(now = Date.now()): Promise<number> {
    return this.base.writing(() => {
      const expired = this.base.sql("SELECT * FROM jobs WHERE state = 'running' AND lease_until < ?").all(now) as Row[];
      for (const row of expired) this.backToWaiting(row, { state: 'queued', runAt: now, attempts: row.attempts, lastError: row.last_error }, now);
      return expired.length;
    });
  }

  async release(owner: string, now = Date.now()): Promise<number> {
    return this.base.writing(() => {
      const held = this.base.sql("SELECT * FROM jobs WHERE state = 'running' AND lease_owner = ?").all(owner) as Row[];
      for (const row of held) this.backToWaiting(row, { state: 'queued', runAt: now, attempts: row.attempts, lastError: row.last_error }, now);
      return held.length;
    });
  }

  async revive(id: number, now = Date.now()): Promise<Job> {
    const into = this.base.writing((): number => {
      const row = this.base.sql('SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
      if (!row) throw new Error(`no job ${id}`);
      if (row.state !== 'dead') throw new JobNotDeadError(id, row.state);
      return this.backToWaiting(row, { state: 'queued', runAt: now, attempts: 0, lastError: row.last_error }, now);
    });
    return this.require(into);
  }

  /**
   * A job goes back to waiting: as itself (lowered to background priority), or absorbed by the user's newer waiting job
   * (done, with `mergedInto`). Returns the id of the job that now waits. Runs inside a write transaction.
   */
  private backToWaiting(row: Row, next: { state: 'queued' | 'retry'; runAt: number; attempts: number; lastError: string | null }, now: number): number {
    const waiting = this.base.sql(`SELECT * FROM jobs WHERE user_id = ? AND state IN ${WAITING} AND id <> ? ORDER BY id LIMIT 1`).get(row.user_id, row.id) as Row | undefined;
    if (!waiting) {
      this.base
        .sql('UPDATE jobs SET state = ?, run_at = ?, attempts = ?, priority = ?, last_error = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ?')
        .run(next.state, next.runAt, next.attempts, waitingPriority(row.priority), next.lastError, now, row.id);
      return row.id;
    }
    const m = absorb(toJob(waiting), toJob(row));
    this.base.sql('UPDATE jobs SET payload = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(m.payload), now, waiting.id);
    const merged: MergedInto = { mergedInto: waiting.id };
    this.base.sql("UPDATE jobs SET state = 'done', result = ?, last_error = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ?").run(JSON.stringify(merged), next.lastError, now, row.id);
    return waiting.id;
  }

  async get(id: number): Promise<Job | undefined> {
    const row = this.base.sql('SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
    return row && toJob(row);
  }

  async list(filter: { state?: JobState; userId?: string; limit?: number } = {}): Promise<Job[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.state) {
      where.push('state = ?');
      args.push(filter.state);
    }
    if (filter.userId) {
      where.push('user_id = ?');
      args.push(filter.userId);
    }
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.base.sql(sql).all(...args, filter.limit ?? 100) as Row[]).map(toJob);
  }

  /** The user's oldest queued, retrying or running job, synchronously (Store.signInView reads it with the link at one moment). */
  pendingJobNow(userId: string): Job | undefined {
    const row = this.base.sql("SELECT * FROM jobs WHERE user_id = ? AND state IN ('queued','retry','running') ORDER BY id LIMIT 1").get(userId) as Row | undefined;
    return row && toJob(row);
  }

  async countByState(): Promise<{ trigger: Trigger; state: JobState; count: number }[]> {
    return this.base.sql('SELECT trigger, state, count(*) AS count FROM jobs GROUP BY trigger, state').all() as { trigger: Trigger; state: JobState; count: number }[];
  }

  async loginWaiting(userId: string): Promise<boolean> {
    return this.base.sql("SELECT 1 FROM jobs WHERE user_id = ? AND state IN ('queued','retry') AND priority >= ? LIMIT 1").get(userId, PRIORITY.login) !== undefined;
  }

  async sweepNotBefore(userId: string): Promise<number | undefined> {
    return (this.base.sql('SELECT not_before FROM sweep_backoff WHERE user_id = ?').pluck().get(userId) as number | undefined) ?? undefined;
  }

  async recordOutcome(userId: string, dead: boolean, sweepIntervalMs: number, now = Date.now()): Promise<void> {
    if (!dead) {
      this.base.sql('DELETE FROM sweep_backoff WHERE user_id = ?').run(userId);
      return;
    }
    this.base.writing(() => {
      const failures = ((this.base.sql('SELECT failures FROM sweep_backoff WHERE user_id = ?').pluck().get(userId) as number | undefined) ?? 0) + 1;
      this.base
        .sql('INSERT INTO sweep_backoff (user_id, failures, not_before) VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET failures = excluded.failures, not_before = excluded.not_before')
        .run(userId, failures, now + sweepWaitMs(failures, sweepIntervalMs));
    });
  }

  private async require(id: number): Promise<Job> {
    const job = await this.get(id);
    if (!job) throw new Error(`no job ${id}`);
    return job;
  }
}

function toJob(row: Row): Job {
  return {
    id: row.id,
    userId: row.user_id,
    trigger: row.trigger,
    priority: row.priority,
    payload: payloadOf(JSON.parse(row.payload) as Partial<JobPayload> | null),
    state: row.state,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: row.run_at,
    lastError: row.last_error,
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until,
  };
}
