import { BudgetAnswer, Coordination } from '../store/coordination';
import { PRIORITY_LOGIN } from './client';
import { describeCause } from '../errors/operation-error';
import { BmsError } from './errors';
import { CallBudget, CallPriority, EndpointRateLimiter, levelOf, RateLimitSettings } from './rate-limiter';

/** Background work may use this share of an endpoint's window; the rest is kept for live sign-ins. */
const BACKGROUND_SHARE = 0.9;
/** The longest wait between two looks at the shared window (ms): a raise or a call leaving the window is seen this soon. */
const MAX_LOOK_MS = 1_000;

/**
 * BMS's per-endpoint budget (1,500 calls per hour) shared by every bridge on one store: each call is counted in the
 * store first, a sign-in may use the whole window and background work 90 % of it, and a Retry-After that one bridge
 * receives holds every bridge. Within the process, the local limiter still orders waiting calls by priority.
 */
export class SharedCallBudget implements CallBudget {
  private readonly local: EndpointRateLimiter;

  constructor(
    private readonly coordination: Coordination,
    private readonly settings: RateLimitSettings,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.local = new EndpointRateLimiter(settings);
  }

  /**
   * Waits until the shared window has room for one more call at this priority. A background call that waits is
   * raised to a sign-in's priority as soon as `priority.raised()` says a sign-in waits for its job. Errors: a failing
   * store is a retryable BmsError of kind 'transport' that names the store (the call is not made).
   */
  async acquire(endpoint: string, priority: CallPriority = 0): Promise<void> {
    let level = levelOf(priority);
    await this.local.acquire(endpoint, level);
    const request = { endpoint, limit: this.settings.perWindow, windowMs: this.settings.windowMs, ceiling: Math.max(1, Math.floor(this.settings.perWindow * BACKGROUND_SHARE)) };
    for (;;) {
      let answer: BudgetAnswer;
      try {
        answer = await this.coordination.takeCall(request, level >= PRIORITY_LOGIN);
        if (!answer.ok && level < PRIORITY_LOGIN && typeof priority !== 'number' && (await priority.raised())) {
          level = PRIORITY_LOGIN; // a sign-in waits for this job: its calls may use the sign-ins' share now
          continue;
        }
      } catch (err) {
        // the call is not made: a retryable failure that names the store, not BMS
        throw new BmsError('transport', `${endpoint}: not called: the store that counts every bridge's BMS calls failed: ${describeCause(err)}`, { endpoint });
      }
      if (answer.ok) return;
      // another bridge used the window (or BMS asked to wait): look again when a call leaves it, at least every second
      await this.sleep(Math.min(MAX_LOOK_MS, Math.max(50, answer.retryInMs)));
    }
  }

  async hold(endpoint: string, forMs: number): Promise<void> {
    await this.coordination.holdCalls(endpoint, forMs);
  }
}
