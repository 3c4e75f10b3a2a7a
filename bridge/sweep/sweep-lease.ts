import { Coordination } from '../store/coordination';

/** The lease name every bridge takes before it sweeps. */
export const SWEEP_LEASE = 'sweep';
/** A sweep's lease lasts this long unless renewed (every third of it while the sweep runs), in ms. */
const LEASE_MS = 60_000;

/** Another bridge sweeps now: this one does not start a second sweep. */
export class SweepElsewhereError extends Error {
  constructor(readonly holder: string) {
    super(`a sweep is running on another bridge (${holder}); it goes on there, and the next one starts after it`);
    this.name = 'SweepElsewhereError';
  }
}

/**
 * Runs `sweep` only while this bridge (`owner`) holds the store's sweep lease, so one sweep runs at a time across all
 * bridges; the lease is renewed while it runs and given up after, and a bridge that dies mid-sweep loses it within a
 * minute, so another takes over at its next interval. SweepElsewhereError when another bridge holds it.
 */
export async function withSweepLease<T>(coordination: Coordination, owner: string, sweep: () => Promise<T>): Promise<T> {
  const lease = { owner, ms: LEASE_MS };
  if (!(await coordination.holdLease(SWEEP_LEASE, lease))) throw new SweepElsewhereError((await coordination.leaseHolder(SWEEP_LEASE)) ?? 'another bridge');
  const renew = setInterval(() => void coordination.holdLease(SWEEP_LEASE, lease).catch(() => undefined), LEASE_MS / 3);
  renew.unref();
  try {
    return await sweep();
  } finally {
    clearInterval(renew);
    await coordination.releaseLease(SWEEP_LEASE, owner).catch(() => undefined);
  }
}
