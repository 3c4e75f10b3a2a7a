import { NewAuditEntry, ruleOf, whyOf } from '../audit/audit-log';
import { Decision } from '../rules/model';
import type { ConvergeResult } from './converge-result';
import { Action } from './model';

/** Records one step of a job in the audit trail (the job, user and trigger filled in); never fails the job. */
export type Note = (entry: NoteEntry) => Promise<void>;

/** What a step tells the audit trail; the job fills in who, when and what triggered it. */
export type NoteEntry = Pick<NewAuditEntry, 'kind' | 'what'> & Partial<Pick<NewAuditEntry, 'why' | 'details'>>;

/** The audit entry of one BMS write (or link) that was carried out. */
export function writeNote(action: Action, employeeId: number): NoteEntry {
  switch (action.kind) {
    case 'create':
      return { kind: 'bms-write', what: `created BMS employee ${employeeId}`, details: { employeeId, userName: action.employee.userName, email: action.employee.email, fields: action.employee.fields } };
    case 'link':
      return { kind: 'bms-write', what: `linked BMS employee ${employeeId}${action.rehire ? ' (inactive: a rehire)' : ''}`, why: 'it has the user\'s e-mail address or user name', details: { employeeId, rehire: action.rehire } };
    case 'update':
      return { kind: 'bms-write', what: `updated BMS employee ${employeeId}: ${Object.keys(action.changes).join(', ')}`, details: { employeeId, changes: action.changes } };
    case 'reactivate':
      return { kind: 'bms-write', what: `reactivated BMS employee ${employeeId}`, details: { employeeId } };
    case 'deactivate':
      return { kind: 'bms-write', what: `deactivated BMS employee ${employeeId}`, why: action.why, details: { employeeId } };
  }
}

/** The audit entry of a job's end: what it came to, and the rule that decided it (and why). */
export function decisionNote(result: ConvergeResult, decision: Decision | undefined): NoteEntry {
  const rule = ruleOf(decision);
  const why = whyOf(decision) ?? 'the Keycloak user is disabled or gone';
  const what =
    result.outcome === 'refused' ? `refused (${result.reason}): ${result.detail}` : result.outcome === 'absent' ? 'no BMS employee' : `BMS employee ${result.employeeId} ${result.outcome}`;
  return { kind: 'decision', what, why, details: { outcome: result.outcome, actions: result.actions, ...(rule ? { rule } : {}), ...(decision ? { decision: decision.outcome } : {}) } };
}
