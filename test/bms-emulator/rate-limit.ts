/**
 * BMS allows a fixed number of calls per hour per endpoint (1500 by default), counted per tenant.
 * A sliding window of call times per (tenant, endpoint) key.
 */
export class EndpointRateLimit {
  private readonly calls = new Map<string, number[]>();
  /** calls answered with 429 so far */
  rejected = 0;

  constructor(
    private readonly limit: () => number,
    private readonly windowMs: () => number,
    private readonly now: () => number,
  ) {}

  /** Records a call; returns undefined when allowed, else the seconds until the next call may go through. */
  take(tenant: string, endpoint: string): number | undefined {
    const key = `${tenant.toLowerCase()}|${endpoint}`;
    const now = this.now();
    const since = now - this.windowMs();
    const times = (this.calls.get(key) ?? []).filter((t) => t > since);
    if (times.length >= this.limit()) {
      this.calls.set(key, times);
      this.rejected += 1;
      return Math.max(1, Math.ceil((times[0] + this.windowMs() - now) / 1000));
    }
    times.push(now);
    this.calls.set(key, times);
    return undefined;
  }

  /** Calls counted per endpoint in the current window, for tests and the status page. */
  counts(): Record<string, number> {
    const since = this.now() - this.windowMs();
    return Object.fromEntries([...this.calls].map(([key, times]) => [key, times.filter((t) => t > since).length]));
  }

  reset(): void {
    this.calls.clear();
  }
}
