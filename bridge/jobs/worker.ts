import { Logger } from '../log/logger';
import { Backoff, Failure, Job, JobStore, PRIORITY } from './job-store';

export interface WorkerOptions extends Backoff {
  /** jobs run at once */
  concurrency?: number;
  /** of those, slots only live logins may take, so a backlog of background work never makes a login wait */
  reservedForLogins?: number;
  /** the sweep's interval: a user whose job died is not swept again for a multiple of it */
  sweepIntervalMs?: number;
  /** a result that, like a death, should keep the sweep away from the user for a while (a refusal) */
  backOffAfter?: (result: unknown) => boolean;
}

/**
 * Runs due jobs from the store, a few at a time, highest priority first. The store guarantees one user's jobs
 * never overlap; the worker only decides when to look and keeps slots free for logins. `kick` makes it look now.
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

  constructor(
    private readonly store: JobStore,
    private readonly run: (job: Job) => Promise<unknown>,
    private readonly failureOf: (err: unknown) => Failure,
    private readonly options: WorkerOptions,
    private readonly log: Logger,
    private readonly pollMs = 250,
  ) {
    this.concurrency = options.concurrency ?? 4;
    this.reserved = Math.min(options.reservedForLogins ?? 1, this.concurrency - 1);
  }

  start(): void {
    if (this.running) return;
    const resumed = this.store.resumeInterrupted();
    if (resumed) this.log.warn({ resumed }, 'jobs left running by an earlier stop were queued again');
    this.running = true;
    this.loop = this.cycle();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    while (this.active > 0) await sleep(20);
  }

  kick(): void {
    this.wake?.();
  }

  /** Waits until the job is done or dead, or the budget runs out; returns the job as it then is. */
  async waitFor(jobId: number, budgetMs: number): Promise<Job | undefined> {
    const deadline = Date.now() + budgetMs;
    for (;;) {
      const job = this.store.get(jobId);
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
    while (this.running) {
      while (this.running && this.active < this.concurrency) {
        // the last free slots are kept for logins
        const loginsOnly = this.active >= this.concurrency - this.reserved;
        const job = this.store.claim(Date.now(), loginsOnly ? { minPriority: PRIORITY.login } : {});
        if (!job) break;
        this.active++;
        void this.execute(job).finally(() => {
          this.active--;
          this.settled(job.id);
          this.kick();
        });
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

  private async execute(job: Job): Promise<void> {
    const fields = { jobId: job.id, userId: job.userId, trigger: job.trigger, attempt: job.attempts, of: job.maxAttempts };
    try {
      const result = await this.run(job);
      this.store.complete(job.id, result);
      this.store.recordOutcome(job.userId, this.options.backOffAfter?.(result) ?? false, this.options.sweepIntervalMs ?? 0);
      this.log.info(fields, 'job done');
    } catch (err) {
      const failure = this.failureOf(err);
      const after = this.store.fail(job.id, failure, this.options);
      if (after.state === 'dead') {
        this.store.recordOutcome(job.userId, true, this.options.sweepIntervalMs ?? 0);
        this.log.error({ ...fields, error: failure.message }, 'job dead: no more attempts');
      } else this.log.warn({ ...fields, error: failure.message, retryAt: new Date(after.runAt).toISOString() }, 'job failed; will retry');
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
