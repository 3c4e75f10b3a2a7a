/** queued → running → done, or running → retry → (running …) → dead after the last attempt. */
export type JobState = 'queued' | 'running' | 'done' | 'retry' | 'dead';
export type JobKind = 'provision' | 'deactivate' | 'reactivate';

export interface Job {
  id: number;
  kind: JobKind;
  /** the Keycloak user the job is about; jobs of one user never run at the same time */
  userId: string;
  payload: unknown;
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

/** The bridge's durable state: jobs, webhook deliveries (deduplication), and Keycloak user ↔ BMS employee links. */
export interface JobStore {
  enqueue(kind: JobKind, userId: string, payload: unknown, maxAttempts: number, now?: number): Job;
  /** The next runnable job (due, and no other job of the same user running), now marked running; or undefined. */
  claim(now?: number, only?: { id?: number }): Job | undefined;
  complete(id: number, result: unknown, now?: number): Job;
  fail(id: number, failure: Failure, backoff: Backoff, now?: number): Job;
  /** After a crash: jobs left running are queued again; returns how many. */
  resumeInterrupted(now?: number): number;
  /** A dead job gets a fresh set of attempts. */
  revive(id: number, now?: number): Job;
  get(id: number): Job | undefined;
  list(filter?: { state?: JobState; userId?: string; limit?: number }): Job[];

  /** The stored answer to a webhook id, if it was seen before. */
  delivery(webhookId: string): { status: number; body: unknown } | undefined;
  /** Records the answer to a webhook id; the first answer wins. */
  rememberDelivery(webhookId: string, status: number, body: unknown, now?: number): { status: number; body: unknown };

  /** Links a Keycloak user to a BMS employee; the snapshot is what was last written to BMS for them. */
  link(userId: string, employeeId: number, snapshot?: unknown, now?: number): void;
  employeeOf(userId: string): number | undefined;
  linkOf(userId: string): { employeeId: number; snapshot: unknown } | undefined;

  close(): void;
}

/** Exponential backoff with jitter, never shorter than the server's Retry-After. */
export function nextDelayMs(attempts: number, backoff: Backoff, retryAfterMs?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  const jittered = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  return Math.max(jittered, retryAfterMs ?? 0);
}
