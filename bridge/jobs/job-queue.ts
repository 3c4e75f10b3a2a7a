import { UserFacts } from '../rules/model';
import { Backoff as RetryBackoff, backoffDelayMs } from '../retry/backoff';

/** queued → running → done, or running → retry → (running …) → dead after the last attempt. */
export type JobState = 'queued' | 'running' | 'done' | 'retry' | 'dead';

/** What asked the bridge to look at a user. Only a hint: the job reads the truth when it runs. */
export type Trigger = 'login' | 'event' | 'admin' | 'sweep';

/** Queue order: higher first. Live logins go first; the sweep's background work last. */
export const PRIORITY: Record<Trigger, number> = { login: 10, admin: 8, event: 5, sweep: 0 };

/**
 * The facts a sign-in carried: Keycloak has not committed them when the login webhook arrives (the broker login
 * refreshes the user's attributes in the same transaction that asks the bridge), so the login's own job may use
 * them for a short while instead of Keycloak's committed (older) values.
 */
export interface LoginFacts extends UserFacts {
  firstName: string | null;
  lastName: string | null;
  /** epoch ms of the sign-in */
  at: number;
}

/** "Look at this user", with what asked. Several requests for one user merge into one waiting job. */
export interface ConvergeRequest {
  userId: string;
  trigger: Trigger;
  eventId?: string;
  login?: LoginFacts;
  /** an employee may be created for a user who has none (a sign-in, or an admin's backfill) */
  mayCreate?: boolean;
  /** the link's record may be wrong: read the employee from BMS */
  reread?: boolean;
}

export interface JobPayload {
  /** every trigger merged into this job, oldest first (at most 20 kept) */
  triggers: { trigger: Trigger; eventId?: string; at: number }[];
  login?: LoginFacts;
  mayCreate?: boolean;
  reread?: boolean;
}

export interface Job {
  id: number;
  /** the Keycloak user the job is about; jobs of one user never run at the same time */
  userId: string;
  /** the highest trigger merged into it */
  trigger: Trigger;
  priority: number;
  payload: JobPayload;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  /** epoch ms before which the job is not run (backoff) */
  runAt: number;
  lastError: string | null;
  result: unknown;
  createdAt: number;
  updatedAt: number;
  /** who runs it (state running), and until when (epoch ms) unless renewed */
  leaseOwner: string | null;
  leaseUntil: number | null;
}

export interface Failure {
  message: string;
  /** false: no later attempt can succeed (e.g. BMS refused the data), so the job is dead at once */
  retryable: boolean;
  /** the server's Retry-After, when it gave one */
  retryAfterMs?: number;
}

/** How jobs' retries are spread (JOBS_BASE_DELAY_MS, JOBS_MAX_DELAY_MS); the formula is in retry/backoff.ts. */
export type Backoff = RetryBackoff;

/** Who holds a running job and for how long: a process renews its leases while it works, and only an expired lease is resumed. */
export interface Lease {
  /** the process's id (host, pid and a random part): unique among all bridges on one store */
  owner: string;
  /** how long a claim or a renewal holds, in ms */
  ms: number;
}

/**
 * The job queue: one waiting job per user (requests merge into it), claimed highest priority first, never two jobs of
 * one user at once, each run under a lease. Every implementation passes the contract suite in
 * test/store-contract/store-contract.ts.
 */
export interface JobQueue {
  /** Queues a converge of the user, merging into the user's waiting job when there is one (the last truth wins). */
  enqueue(request: ConvergeRequest, maxAttempts: number, now?: number): Promise<Job>;
  /** The next runnable job (due, highest priority first, no other job of the same user running), now running under `lease`. */
  claim(lease: Lease, now?: number, only?: { id?: number; minPriority?: number }): Promise<Job | undefined>;
  /** Extends the owner's leases on these running jobs; returns the ids it still holds (a lost one was resumed elsewhere). */
  renew(ids: number[], lease: Lease, now?: number): Promise<number[]>;
  /** The owner's attempt succeeded. LeaseLostError when the owner no longer holds the job. */
  complete(id: number, owner: string, result: unknown, now?: number): Promise<Job>;
  /** The owner's attempt failed: retry after a backoff, or dead. LeaseLostError when the owner no longer holds the job. */
  fail(id: number, owner: string, failure: Failure, backoff: Backoff, now?: number): Promise<Job>;
  /** Running jobs whose lease expired (their process died or hung) are queued again; returns how many. Live leases are never touched. */
  resumeExpired(now?: number): Promise<number>;
  /** The owner's running jobs are queued again at once (a stop that could not wait for them); returns how many. */
  release(owner: string, now?: number): Promise<number>;
  /** A dead job gets a fresh set of attempts. */
  revive(id: number, now?: number): Promise<Job>;
  get(id: number): Promise<Job | undefined>;
  list(filter?: { state?: JobState; userId?: string; limit?: number }): Promise<Job[]>;
  /** How many jobs there are of each trigger in each state, counted in the store (no job is read). */
  countByState(): Promise<{ trigger: Trigger; state: JobState; count: number }[]>;
  /** True when a sign-in waits for the user's running job: a job of the user is waiting at a sign-in's priority. */
  loginWaiting(userId: string): Promise<boolean>;
  /** When the sweep may look at the user again, after jobs that died (undefined: any time). */
  sweepNotBefore(userId: string): Promise<number | undefined>;
  /** A job of the user finished: done clears the back-off, dead (or a refusal) extends it. */
  recordOutcome(userId: string, dead: boolean, sweepIntervalMs: number, now?: number): Promise<void>;
}

/**
 * A job's wait before its next attempt after `attempts` failed ones (ms), never shorter than the server's Retry-After.
 * The same formula as BMS calls' retries: one function, in retry/backoff.ts (the stores import it under this name).
 */
export const nextDelayMs = backoffDelayMs;

/** Only a dead job can be retried (revive): this one is not, e.g. because someone retried it meanwhile. */
export class JobNotDeadError extends Error {
  constructor(readonly jobId: number, readonly state: JobState) {
    super(`job ${jobId} is ${state}, not dead; only a dead job can be retried`);
    this.name = 'JobNotDeadError';
  }
}

/** The process no longer holds the job's lease: it expired and the job was resumed (perhaps by another bridge). */
export class LeaseLostError extends Error {
  constructor(readonly jobId: number, readonly owner: string) {
    super(`job ${jobId} is no longer held by ${owner}: its lease expired and the job was queued again`);
    this.name = 'LeaseLostError';
  }
}
