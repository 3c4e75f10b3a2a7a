import { EmployeeView } from '../converge/model';
import { UserFacts } from '../rules/model';

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
}

export interface Failure {
  message: string;
  /** false: no later attempt can succeed (e.g. BMS refused the data), so the job is dead at once */
  retryable: boolean;
  /** the server's Retry-After, when it gave one */
  retryAfterMs?: number;
}

export interface Backoff {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** A Keycloak user ↔ BMS employee link, with what the bridge last wrote (null: not known, read BMS first). */
export interface Link {
  userId: string;
  employeeId: number;
  record: EmployeeView | null;
  linkedAt: number;
  /** Keycloak refused the bms_employee_id write-back (a read-only user storage): the sweep does not retry it */
  attributeUnwritable: boolean;
}

/** Retention of the store's history (README, "Retention"). */
export interface Retention {
  /** webhook ids are remembered this long (longer than the 5-minute signature tolerance) */
  deliveriesMs: number;
  /** finished (done, dead) jobs, with their personal data, are deleted after this long */
  jobsMs: number;
}

/** The bridge's durable state: jobs, webhook deliveries (deduplication), links, and the sweep's back-off. */
export interface JobStore {
  /** Queues a converge of the user, merging into the user's waiting job when there is one (the last truth wins). */
  enqueue(request: ConvergeRequest, maxAttempts: number, now?: number): Job;
  /** The next runnable job (due, highest priority first, no other job of the same user running), now running. */
  claim(now?: number, only?: { id?: number; minPriority?: number }): Job | undefined;
  complete(id: number, result: unknown, now?: number): Job;
  fail(id: number, failure: Failure, backoff: Backoff, now?: number): Job;
  /** After a crash: jobs left running are queued again; returns how many. */
  resumeInterrupted(now?: number): number;
  /** A dead job gets a fresh set of attempts. */
  revive(id: number, now?: number): Job;
  get(id: number): Job | undefined;
  list(filter?: { state?: JobState; userId?: string; limit?: number }): Job[];
  /** The user's waiting or running job, if any. */
  pendingJobOf(userId: string): Job | undefined;

  /** The stored answer to a webhook id, if it was seen before. */
  delivery(webhookId: string): { status: number; body: unknown } | undefined;
  /** Records the answer to a webhook id; the first answer wins. */
  rememberDelivery(webhookId: string, status: number, body: unknown, now?: number): { status: number; body: unknown };

  linkOf(userId: string): Link | undefined;
  linkOfEmployee(employeeId: number): Link | undefined;
  /** Links (or re-records) a user; an employee linked to another user is refused (one link per employee). */
  saveLink(userId: string, record: EmployeeView, now?: number): void;
  /** Moves an employee's link from a user who no longer exists in Keycloak to another. */
  moveLink(fromUserId: string, toUserId: string, record: EmployeeView, now?: number): void;
  linkedUserIds(): string[];
  markAttributeUnwritable(userId: string): void;
  /** BMS may no longer hold what the link's record says (a write raced another user's): read it next time. Returns the holder. */
  forgetRecord(employeeId: number): string | undefined;

  /** When the sweep may look at the user again, after jobs that died (undefined: any time). */
  sweepNotBefore(userId: string): number | undefined;
  /** A job of the user finished: done clears the back-off, dead extends it. */
  recordOutcome(userId: string, dead: boolean, sweepIntervalMs: number, now?: number): void;

  /** Deletes what the retention allows; returns how many rows of each. */
  purge(retention: Retention, now?: number): { deliveries: number; jobs: number };

  close(): void;
}

/** Exponential backoff with jitter, never shorter than the server's Retry-After. */
export function nextDelayMs(attempts: number, backoff: Backoff, retryAfterMs?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  const jittered = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** A link refused because the employee is linked to someone else (the unique index). */
export class LinkConflictError extends Error {
  constructor(readonly employeeId: number, readonly holder: string) {
    super(`BMS employee ${employeeId} is already linked to Keycloak user ${holder}`);
    this.name = 'LinkConflictError';
  }
}
