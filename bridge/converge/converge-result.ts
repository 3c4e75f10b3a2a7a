/** How a converge job ends: its result, whether a failure is retried, and the refusals only an admin can lift. */

import { BmsError } from '../bms/errors';
import { RefusalReason } from './model';

/** What one converge job ended with (kept as the job's result; the login answer is read from it). */
export type ConvergeResult =
  | { outcome: 'active'; employeeId: number; actions: string[] }
  | { outcome: 'inactive'; employeeId: number; actions: string[] }
  | { outcome: 'absent'; actions: string[] }
  | { outcome: 'refused'; reason: RefusalReason; message: string; detail: string; employeeId?: number; actions: string[] };

/** A converge job's failure as the queue keeps it: its message, whether it is retried, and BMS's Retry-After (ms). */
export function failureOf(err: unknown): { message: string; retryable: boolean; retryAfterMs?: number } {
  if (err instanceof BmsError) return { message: err.message, retryable: err.retryable, retryAfterMs: err.details.retryAfterMs };
  const message = err instanceof Error ? err.message : String(err);
  // Keycloak or network trouble: worth another attempt
  return { message, retryable: true };
}

/** A refusal only an admin can lift (a conflict, a rehire the policy denies): the sweep backs off such a user. */
export function refusedForGood(result: unknown): boolean {
  const r = result as ConvergeResult | null;
  return r?.outcome === 'refused' && (r.reason === 'conflict' || r.reason === 'rehire-denied');
}
