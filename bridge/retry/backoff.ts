/** How far apart attempts are spread: the first retry waits about `baseDelayMs`, each later one twice as long, up to `maxDelayMs`. */
export interface Backoff {
  /** the ceiling of the first retry's wait, in ms */
  baseDelayMs: number;
  /** no wait is longer than this, in ms (a server's Retry-After excepted) */
  maxDelayMs: number;
}

/**
 * The wait before the next attempt after `failures` failed attempts (1 after the first failure), in ms: exponential
 * backoff (`baseDelayMs · 2^(failures−1)`, capped at `maxDelayMs`) with "equal jitter" (half of it fixed, half random,
 * so many callers failing together do not come back together, and none comes back at once), and never shorter than a
 * server's `Retry-After` (`retryAfterMs`). The one formula for BMS calls (bms/transport.ts) and jobs (the job queue).
 * `random` returns a number in [0, 1); tests pass a fixed one.
 */
export function backoffDelayMs(failures: number, backoff: Backoff, retryAfterMs?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** Math.max(0, failures - 1));
  const jittered = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  return Math.max(jittered, retryAfterMs ?? 0);
}
