import { Job, PRIORITY, Trigger } from '../jobs/job-queue';
import { Decision } from '../rules/model';

/** What kind of step an audit entry records. */
export type AuditKind = 'decision' | 'bms-write' | 'bms-read' | 'keycloak-write' | 'job' | 'admin-action';

/** What set the step off: a sign-in, a Keycloak event, the periodic sweep, or an admin (named in `by`). */
export type AuditTrigger = Trigger;

/**
 * One durable line of the audit trail (issue 13): when, which user, what, why, and what triggered it.
 * Times are epoch ms. `details` holds the structured facts (the rule that won, the employee id, the fields changed).
 */
export interface AuditEntry {
  id: number;
  at: number;
  /** the Keycloak user id; null for a step about no one user (an admin starting a sweep) */
  userId: string | null;
  kind: AuditKind;
  /** what happened, in a sentence an admin reads ("created BMS employee 1042") */
  what: string;
  /** why (the rule that won and its reason, the plan's reason); null when the step is its own reason */
  why: string | null;
  trigger: AuditTrigger;
  /** who: the admin's user name for admin actions, the event id for events; null otherwise */
  by: string | null;
  /** the job the step ran in, if any */
  jobId: number | null;
  details: Record<string, unknown>;
}

/** An entry to record; `at` defaults to now. */
export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at' | 'details' | 'why' | 'by' | 'jobId'> & Partial<Pick<AuditEntry, 'at' | 'details' | 'why' | 'by' | 'jobId'>>;

/** Which entries to read: one user's, or everyone's; oldest first after `afterId` (paging), or newest first. */
export interface AuditFilter {
  userId?: string;
  /** entries with a larger id only (for paging through an export) */
  afterId?: number;
  /** entries at or after this time (epoch ms) */
  since?: number;
  limit?: number;
  newestFirst?: boolean;
}

/**
 * The audit trail port. Every store implements it (contract: test/store-contract/). Entries are append-only; the
 * store's purge deletes those older than the retention (README, "Retention").
 */
export interface AuditLog {
  record(entry: NewAuditEntry): Promise<void>;
  list(filter?: AuditFilter): Promise<AuditEntry[]>;
}

/** The most a list returns at once. */
export const AUDIT_PAGE_MAX = 1_000;

/** The trigger of a job's step as the audit names it: the highest-priority trigger merged into the job. */
export function auditTriggerOf(job: Pick<Job, 'trigger' | 'payload'>): { trigger: AuditTrigger; by: string | null } {
  const newest = [...job.payload.triggers].reverse().find((t) => PRIORITY[t.trigger] === PRIORITY[job.trigger]);
  return { trigger: job.trigger, by: newest?.eventId ?? null };
}

/** The name of the rule that decided, if one did. */
export function ruleOf(decision: Decision | undefined): string | undefined {
  return decision && decision.outcome !== 'unusable' ? decision.rule?.name : undefined;
}

/** A decision as the audit's `why`: "provision by rule 'Techs': …" (null without a decision). */
export function whyOf(decision: Decision | undefined): string | null {
  if (!decision) return null;
  const rule = ruleOf(decision);
  return `${decision.outcome}${rule ? ` by rule '${rule}'` : ''}: ${decision.reason}`;
}

/** The most groups an audit entry lists (a user may be in thousands; the count is kept beside them). */
export const AUDIT_GROUPS_MAX = 25;

/** A user's groups as an audit entry keeps them: the first AUDIT_GROUPS_MAX, and how many there were. */
export function groupsForAudit(groups: readonly string[]): { groups: string[]; groupCount: number } {
  return { groups: groups.slice(0, AUDIT_GROUPS_MAX), groupCount: groups.length };
}
