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
 * minute, so another takes over at its next interval. SweepElsewhereError when another bridge holds it. `lost` is
 * aborted when a renewal finds the lease taken over (this bridge stalled past it): the sweep stops at its next user.
 */
export async function withSweepLease<T>(coordination: Coordination, owner: string, sweep: (lost: AbortSignal) => Promise<T>, leaseMs = LEASE_MS): Promise<T> {
  const lease = { owner, ms: leaseMs };
  if (!(await coordination.holdLease(SWEEP_LEASE, lease))) throw new SweepElsewhereError((await coordination.leaseHolder(SWEEP_LEASE)) ?? 'another bridge');
  const lost = new AbortController();
  const renew = setInterval(() => {
    coordination.holdLease(SWEEP_LEASE, lease).then(
      async (held) => held || lost.abort(new SweepElsewhereError((await coordination.leaseHolder(SWEEP_LEASE).catch(() => undefined)) ?? 'another bridge')),
      () => undefined,
    );
  }, leaseMs / 3);
  renew.unref();
  try {
    return await sweep(lost.signal);
  } finally {
    clearInterval(renew);
    await coordination.releaseLease(SWEEP_LEASE, owner).catch(() => undefined);
  }
}
