import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

import { Logger } from '../log/logger';
import { Backoff, Failure, Job, JobQueue, LeaseLostError, PRIORITY } from './job-queue';

/** A held job is fenced once this share of its lease passed without a renewal (the rest is a margin for clocks and the write in flight). */
const FENCE_SHARE = 0.9;

export interface WorkerOptions extends Backoff {
  /** jobs run at once */
  concurrency?: number;
  /** of those, slots only live logins may take, so a backlog of background work never makes a login wait */
  reservedForLogins?: number;
  /** the sweep's interval: a user whose job died is not swept again for a multiple of it */
  sweepIntervalMs?: number;
  /** a result that, like a death, should keep the sweep away from the user for a while (a refusal) */
  backOffAfter?: (result: unknown) => boolean;
  /** how long a claim holds before another process may resume the job, in ms; renewed every third of it while it runs */
  leaseMs?: number;
  /** told how each attempt ended, once the queue recorded it (the metrics) */
  onAttempt?: (job: Job, outcome: 'done' | 'retry' | 'dead') => void;
}

/** A process's lease owner id: host, pid and a random part, unique among the bridges sharing a store. */
export function leaseOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * Runs due jobs from the queue, a few at a time, highest priority first. The queue guarantees one user's jobs never
 * overlap; the worker only decides when to look and keeps slots free for logins. `kick` makes it look now. Each job
 * runs under a lease the worker renews while it runs; jobs whose lease expired (a process that died) are resumed by
 * whichever worker looks next, and a live lease of another process is never touched.
 */
export class Worker {
  private active = 0;
  private running = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  /** callers waiting for a job to settle, woken when it does (no polling on the answer path) */
  private readonly waiters = new Map<number, (() => void)[]>();
  private readonly concurrency: number;
  private readonly reserved: number;
  private readonly lease: { owner: string; ms: number };
  /** the jobs this worker runs now (their leases are renewed), each with what aborts it when its lease is lost */
  private readonly held = new Map<number, AbortController>();
  /** when the leases were last renewed (epoch ms): a worker that cannot renew for a whole lease gives its jobs up */
  private renewedAt = Date.now();
  private renewer?: NodeJS.Timeout;
  private renewing = false;

  constructor(
    private readonly store: JobQueue,
    private readonly run: (job: Job, lease: AbortSignal) => Promise<unknown>,
    private readonly failureOf: (err: unknown) => Failure,
    private readonly options: WorkerOptions,
    private readonly log: Logger,
    private readonly pollMs = 250,
  ) {
    this.concurrency = options.concurrency ?? 4;
    this.reserved = Math.min(options.reservedForLogins ?? 1, this.concurrency - 1);
    this.lease = { owner: leaseOwnerId(), ms: options.leaseMs ?? 30_000 };
  }

  /** This process's lease owner id (in logs, and on its running jobs). */
  get owner(): string {
    return this.lease.owner;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.renewer = setInterval(() => void this.renew(), Math.max(10, Math.floor(this.lease.ms / 3)));
    this.renewer.unref();
    this.loop = this.cycle();
  }

  /**
   * Stops claiming and waits up to `graceMs` for the running jobs; jobs still running then (one waiting on BMS's
   * budget, say) are stopped before their next BMS write and handed back to the queue at once, so another bridge (or
   * this one's successor) takes them without waiting for their leases to expire.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    const deadline = Date.now() + graceMs;
    while (this.active > 0 && Date.now() < deadline) await sleep(20);
    if (this.active > 0) {
      for (const lease of this.held.values()) lease.abort();
      const released = await this.store.release(this.lease.owner).catch(() => 0);
      this.log.warn({ released, owner: this.lease.owner }, 'stopping with jobs still running: they were handed back to the queue');
    }
    clearInterval(this.renewer);
  }

  kick(): void {
    this.wake?.();
  }

  /** Waits until the job is done or dead, or the budget runs out; returns the job as it then is. */
  async waitFor(jobId: number, budgetMs: number): Promise<Job | undefined> {
    const deadline = Date.now() + budgetMs;
    for (;;) {
      const job = await this.store.get(jobId);
      if (!job || job.state === 'done' || job.state === 'dead' || Date.now() >= deadline) return job;
      // woken when any attempt of this job ends; the timer bounds the wait (and covers a job run by another process)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(250, Math.max(1, deadline - Date.now())));
        const list = this.waiters.get(jobId) ?? [];
        list.push(() => {
          clearTimeout(timer);
          resolve();
        });
        this.waiters.set(jobId, list);
      });
    }
  }

  private settled(jobId: number): void {
    const list = this.waiters.get(jobId);
    this.waiters.delete(jobId);
    for (const wake of list ?? []) wake();
  }

  private async cycle(): Promise<void> {
    let resumedAt = 0;
    while (this.running) {
      try {
        if (Date.now() - resumedAt >= this.lease.ms / 2) {
          resumedAt = Date.now();
          const resumed = await this.store.resumeExpired();
          if (resumed) this.log.warn({ resumed }, 'jobs whose lease expired (their bridge stopped or hung) were queued again');
        }
        await this.claimWhileFree();
      } catch (err) {
        this.log.error({ error: (err as Error).message }, 'the job store failed; the worker tries again shortly');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.pollMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async claimWhileFree(): Promise<void> {
    while (this.running && this.active < this.concurrency) {
      // the last free slots are kept for logins
      const loginsOnly = this.active >= this.concurrency - this.reserved;
      // no time given: the store stamps the lease with its own clock (PostgreSQL's), whatever this host's clock says
      const job = await this.store.claim(this.lease, undefined, loginsOnly ? { minPriority: PRIORITY.login } : {});
      if (!job) return;
      this.active++;
      const lease = new AbortController();
      this.held.set(job.id, lease);
      void this.execute(job, lease.signal).finally(() => {
        this.held.delete(job.id);
        this.active--;
        this.settled(job.id);
        this.kick();
      });
    }
  }

  private async renew(): Promise<void> {
    this.fenceIfStale();
    // the last renewal still waits for a slow store: the fence above decides, a second one would only queue up
    if (this.renewing) return;
    if (!this.held.size) {
      this.renewedAt = Date.now();
      return;
    }
    const ids = [...this.held.keys()];
    const sentAt = Date.now();
    this.renewing = true;
    try {
      const kept = new Set(await this.store.renew(ids, this.lease));
      // a renewed lease counts from when the renewal was sent, not from when its answer came back
      this.renewedAt = sentAt;
      const lost = ids.filter((id) => !kept.has(id) && this.held.has(id));
      for (const id of lost) this.held.get(id)?.abort();
      if (lost.length) this.log.warn({ jobIds: lost, owner: this.lease.owner }, 'lost the lease of running jobs (this process was too slow to renew): they stop before their next BMS write, and another worker runs them');
    } catch (err) {
      this.log.warn({ error: (err as Error).message }, 'could not renew job leases; trying again');
    } finally {
      this.renewing = false;
    }
  }

  /**
   * Fencing: once nearly a whole lease passed since the last renewal that succeeded was sent, other bridges may resume
   * these jobs any moment: each stops before its next BMS write. Checked on every renewal tick, even while a renewal
   * hangs.
   */
  private fenceIfStale(): void {
    if (!this.held.size || Date.now() - this.renewedAt < this.lease.ms * FENCE_SHARE) return;
    for (const lease of this.held.values()) lease.abort();
    this.log.error({ owner: this.lease.owner, jobIds: [...this.held.keys()] }, 'job leases not renewed for a whole lease (the store is unreachable or slow): the running jobs stop before their next BMS write');
  }

  private async execute(job: Job, lease: AbortSignal): Promise<void> {
    const fields = { jobId: job.id, userId: job.userId, trigger: job.trigger, attempt: job.attempts, of: job.maxAttempts };
    let outcome: { ok: true; result: unknown } | { ok: false; failure: Failure };
    try {
      outcome = { ok: true, result: await this.run(job, lease) };
    } catch (err) {
      outcome = { ok: false, failure: this.failureOf(err) };
    }
    try {
      await this.record(job, fields, outcome);
    } catch (err) {
      if (err instanceof LeaseLostError) this.log.warn({ ...fields, owner: this.lease.owner }, 'job finished after its lease was lost: the queue already gave it to another run; this result is dropped');
      else this.log.error({ ...fields, error: (err as Error).message }, 'could not record the job\'s outcome; it runs again when its lease expires');
    }
  }

  private async record(job: Job, fields: Record<string, unknown>, outcome: { ok: true; result: unknown } | { ok: false; failure: Failure }): Promise<void> {
    const sweepIntervalMs = this.options.sweepIntervalMs ?? 0;
    if (outcome.ok) {
      await this.store.complete(job.id, this.lease.owner, outcome.result);
      this.options.onAttempt?.(job, 'done');
      await this.store.recordOutcome(job.userId, this.options.backOffAfter?.(outcome.result) ?? false, sweepIntervalMs);
      this.log.info(fields, 'job done');
      return;
    }
    const { failure } = outcome;
    const after = await this.store.fail(job.id, this.lease.owner, failure, this.options);
    this.options.onAttempt?.(job, after.state === 'dead' ? 'dead' : 'retry');
    if (after.state === 'dead') {
      await this.store.recordOutcome(job.userId, true, sweepIntervalMs);
      this.log.error({ ...fields, error: failure.message }, 'job dead: no more attempts');
    } else this.log.warn({ ...fields, error: failure.message, retryAt: new Date(after.runAt).toISOString() }, 'job failed; will retry');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
