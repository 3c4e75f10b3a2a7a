/**
 * Keeps the bridge under BMS's limit of N calls per hour per endpoint. A caller waits (queues) instead of failing;
 * callers with a higher priority (live logins) go before lower ones (the sweep) for the same endpoint.
 */
export interface RateLimitSettings {
  perWindow: number;
  windowMs: number;
}

interface Waiter {
  priority: number;
  seq: number;
  resolve: () => void;
}

interface Bucket {
  times: number[];
  queue: Waiter[];
  timer?: NodeJS.Timeout;
}

/**
 * How urgent a BMS call is: a level (higher goes first; a live sign-in's is PRIORITY_LOGIN), or a background level
 * with `raised`, asked when the call would wait for background room: true once a sign-in waits for the work this call
 * belongs to (the user signed in while their own background job runs), so that sign-in never waits behind the
 * background share of the budget.
 */
export type CallPriority = number | { level: number; raised: () => Promise<boolean> };

/** The level of a priority as it stands (before any raise). */
export function levelOf(priority: CallPriority): number {
  return typeof priority === 'number' ? priority : priority.level;
}

/** What the transport asks before each BMS call, and tells when BMS asks it to wait. */
export interface CallBudget {
  /** Resolves when one more call to the endpoint may be made; a higher priority (a live sign-in) goes first. */
  acquire(endpoint: string, priority?: CallPriority): Promise<void>;
  /** BMS answered 429 with Retry-After: no call to the endpoint for `forMs` from now. */
  hold(endpoint: string, forMs: number): Promise<void>;
}

export class EndpointRateLimiter implements CallBudget {
  private readonly buckets = new Map<string, Bucket>();
  private readonly holds = new Map<string, number>();
  private seq = 0;

  constructor(readonly settings: RateLimitSettings, private readonly now: () => number = Date.now) {
    if (!(settings.perWindow >= 1) || !(settings.windowMs > 0)) throw new Error(`rate limit needs perWindow >= 1 and windowMs > 0, got ${JSON.stringify(settings)}`);
  }

  /** Resolves when one more call to the endpoint fits in the window; the call is counted from then. */
  async acquire(endpoint: string, priority: CallPriority = 0): Promise<void> {
    const held = (this.holds.get(endpoint) ?? 0) - this.now();
    if (held > 0) await new Promise((r) => setTimeout(r, held));
    return this.take(endpoint, levelOf(priority));
  }

  async hold(endpoint: string, forMs: number): Promise<void> {
    this.holds.set(endpoint, Math.max(this.holds.get(endpoint) ?? 0, this.now() + forMs));
  }

  private take(endpoint: string, priority: number): Promise<void> {
    const bucket = this.bucket(endpoint);
    return new Promise((resolve) => {
      bucket.queue.push({ priority, seq: this.seq++, resolve });
      bucket.queue.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
      this.pump(endpoint, bucket);
    });
  }

  /** Calls waiting for room, per endpoint (for metrics and tests). */
  waiting(): Record<string, number> {
    return Object.fromEntries([...this.buckets].filter(([, b]) => b.queue.length).map(([k, b]) => [k, b.queue.length]));
  }

  private bucket(endpoint: string): Bucket {
    let bucket = this.buckets.get(endpoint);
    if (!bucket) this.buckets.set(endpoint, (bucket = { times: [], queue: [] }));
    return bucket;
  }

  private pump(endpoint: string, bucket: Bucket): void {
    const now = this.now();
    while (bucket.times.length && bucket.times[0] <= now - this.settings.windowMs) bucket.times.shift();
    while (bucket.queue.length && bucket.times.length < this.settings.perWindow) {
      bucket.times.push(now);
      bucket.queue.shift()?.resolve();
    }
    if (bucket.queue.length && !bucket.timer) {
      const wait = Math.max(1, bucket.times[0] + this.settings.windowMs - now);
      bucket.timer = setTimeout(() => {
        bucket.timer = undefined;
        this.pump(endpoint, bucket);
      }, wait);
      bucket.timer.unref?.();
    }
  }
}

const shared = new Map<string, EndpointRateLimiter>();

/** One limiter per BMS tenant and limit, shared by every client in this process. */
export function sharedRateLimiter(scope: string, settings: RateLimitSettings): EndpointRateLimiter {
  const key = `${scope}|${settings.perWindow}|${settings.windowMs}`;
  let limiter = shared.get(key);
  if (!limiter) shared.set(key, (limiter = new EndpointRateLimiter(settings)));
  return limiter;
}
