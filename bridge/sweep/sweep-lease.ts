import { Coordination } from '../store/coordination';
import { untilAborted } from './until-aborted';

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

/** This bridge's sweep lost its lease (it stalled past it) and another bridge took over: this one stopped. */
export class SweepLeaseLostError extends Error {
  constructor(readonly holder: string) {
    super(`this bridge's sweep stopped: it stalled past its lease and another bridge (${holder}) took the sweep over`);
    this.name = 'SweepLeaseLostError';
  }
}

/**
 * Runs `sweep` only while this bridge (`owner`) holds the store's sweep lease, so one sweep runs at a time across all
 * bridges; the lease is renewed while it runs and given up after, and a bridge that dies mid-sweep loses it within a
 * minute, so another takes over at its next interval. SweepElsewhereError when another bridge holds it. `lost` is
 * aborted (SweepLeaseLostError) when a renewal finds the lease taken over (this bridge stalled past it): the sweep
 * stops at its next user. When `stop` is aborted, the lease is given up at once even if the sweep is stuck in a call
 * (a Keycloak read that never answers): the sweep's promise is no longer waited for, and its reason is thrown.
 */
export async function withSweepLease<T>(coordination: Coordination, owner: string, sweep: (lost: AbortSignal) => Promise<T>, leaseMs: number = LEASE_MS, stop?: AbortSignal): Promise<T> {
  const lease = { owner, ms: leaseMs };
  if (!(await coordination.holdLease(SWEEP_LEASE, lease))) throw new SweepElsewhereError((await coordination.leaseHolder(SWEEP_LEASE)) ?? 'another bridge');
  const lost = new AbortController();
  let renewing: Promise<unknown> | undefined;
  let ended = false;
  const renew = setInterval(() => {
    renewing ??= coordination
      .holdLease(SWEEP_LEASE, lease)
      .then(async (held) => held || ended || lost.abort(new SweepLeaseLostError((await coordination.leaseHolder(SWEEP_LEASE).catch(() => undefined)) ?? 'another bridge')))
      .catch(() => undefined)
      .finally(() => (renewing = undefined));
  }, leaseMs / 3);
  renew.unref();
  try {
    const signal = stop ? AbortSignal.any([lost.signal, stop]) : lost.signal;
    return await untilAborted(sweep(signal), signal);
  } finally {
    ended = true;
    clearInterval(renew);
    // a renewal still in flight would put the lease back after the release (PostgreSQL): it lands first
    await renewing;
    await coordination.releaseLease(SWEEP_LEASE, owner).catch(() => undefined);
  }
}
