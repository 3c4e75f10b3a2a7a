import { Lease } from '../jobs/job-queue';

/** What a BMS call may take of an endpoint's shared hourly budget. */
export interface BudgetRequest {
  endpoint: string;
  /** calls allowed per window on this endpoint (BMS: 1,500 per hour) */
  limit: number;
  windowMs: number;
  /** background work may only take while fewer than this many calls were made in the window (the rest is kept for sign-ins) */
  ceiling: number;
}

/** A taken call, or how long to wait before asking again (ms: relative, so no bridge compares its clock with the store's). */
export type BudgetAnswer = { ok: true } | { ok: false; retryInMs: number };

/**
 * What several bridges on one store agree on: named leases (one sweep at a time), version counters (a rule change
 * seen by every instance), and the BMS call budget with BMS's Retry-After. Every implementation passes
 * test/store-contract/store-contract.ts.
 */
export interface Coordination {
  /** Takes or renews the named lease for `lease.owner` when it is free, expired or already the owner's; true when held. */
  holdLease(name: string, lease: Lease, now?: number): Promise<boolean>;
  /** Gives the named lease up, if the owner holds it. */
  releaseLease(name: string, owner: string): Promise<void>;
  /** Who holds the named lease now, if anyone. */
  leaseHolder(name: string, now?: number): Promise<string | undefined>;
  /** Counts a change of `topic` (for example `rules:passly`); returns the new version. */
  bumpVersion(topic: string): Promise<number>;
  /** The topic's version (0 before any change). */
  version(topic: string): Promise<number>;
  /** Counts one BMS call on the endpoint if the window has room (for a sign-in up to `limit`, else up to `ceiling`) and BMS did not ask to wait. */
  takeCall(request: BudgetRequest, forLogin: boolean, now?: number): Promise<BudgetAnswer>;
  /** BMS answered 429 with Retry-After: no bridge calls the endpoint for `forMs` from now (the store's now). */
  holdCalls(endpoint: string, forMs: number, now?: number): Promise<void>;
  /** Calls counted on each endpoint in the window ending now. */
  callsInWindow(windowMs: number, now?: number): Promise<Record<string, number>>;
}
