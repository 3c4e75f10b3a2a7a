import { BMS_FIELDS, FieldValues } from '../rules/model';
import { Action, DeprovisionReason, DesiredEmployee, EmployeeChangeSet, EmployeeView, Plan, PlanInput, Policies, UserTruth } from './model';

export const MESSAGES = {
  noEmail: 'Your directory account has no e-mail address, which BMS needs. Ask your IT administrator to add one.',
  conflict: 'Your e-mail address belongs to a BMS employee who is already linked to another account. Ask your IT administrator to resolve it.',
  rehireDenied: 'Your BMS account was deactivated and is not reactivated automatically. Ask your IT administrator to reactivate it in BMS.',
} as const;

/**
 * The one decision of the converge model, pure: from what Keycloak says of the user now, the rules' decision, what
 * the bridge knows of BMS and the realm's policies, the writes that make BMS match. Never deletes an employee;
 * never deactivates because the rules are unusable (a broken rule set must not deprovision everyone).
 */
export function plan(input: PlanInput): Plan {
  const { user, decision, bms, policies } = input;
  const linked = bms.source === 'record' || bms.source === 'read' ? bms.employee : undefined;
  if (bms.source === 'linked-unread') {
    // an id only Keycloak's attribute names is read for a user who may have an employee, never for anyone else
    if (!bms.fromAttribute || input.mayCreate || (user.exists && (user.requested || !user.enabled))) return { kind: 'read', what: 'employee', employeeId: bms.employeeId, fromAttribute: bms.fromAttribute };
    return plan({ ...input, bms: { source: 'unsearched' } });
  }

  const gone = goneReason(user, decision);
  if (gone) {
    const actions: Action[] = linked && linked.active && (gone !== 'no-longer-qualifies' || policies.sync.has('active')) ? [{ kind: 'deactivate', employeeId: linked.id, why: gone }] : [];
    if (gone === 'no-longer-qualifies' && decision && decision.outcome === 'deny') {
      return { kind: 'refuse', reason: 'denied', message: decision.userMessage, detail: decision.reason, actions, employeeId: linked?.id };
    }
    return { kind: 'act', actions, end: linked ? (actions.length || !linked.active ? 'inactive' : 'active') : 'absent', employeeId: linked?.id };
  }
  if (!user.exists || !decision || decision.outcome !== 'provision') {
    // only 'unusable' reaches here: leave BMS exactly as it is
    const reason = decision && decision.outcome !== 'provision' ? decision.reason : 'no decision';
    const message = decision && decision.outcome !== 'provision' ? decision.userMessage : '';
    return { kind: 'refuse', reason: 'unusable', message, detail: reason, actions: [], employeeId: linked?.id };
  }
  const desired = desiredOf(user, decision.fields, linked);
  if (!desired) return { kind: 'refuse', reason: 'no-email', message: MESSAGES.noEmail, detail: `Keycloak user ${user.id} has no e-mail address`, actions: [] };

  if (linked) return converge(linked, desired, policies);
  if (!input.mayCreate && !user.requested) return { kind: 'act', actions: [], end: 'absent' };
  switch (bms.source) {
    case 'unsearched':
      return { kind: 'read', what: 'search', email: desired.email, userName: desired.userName };
    case 'none':
      return { kind: 'act', actions: [{ kind: 'create', employee: desired }], end: 'active' };
    case 'found': {
      const { employee, linkedTo } = bms;
      if (linkedTo?.userExists) {
        return { kind: 'refuse', reason: 'conflict', message: MESSAGES.conflict, detail: `BMS employee ${employee.id} (${desired.email}) is already linked to Keycloak user ${linkedTo.userId}`, actions: [] };
      }
      if (!employee.active && policies.rehire === 'deny') {
        return { kind: 'refuse', reason: 'rehire-denied', message: MESSAGES.rehireDenied, detail: `BMS employee ${employee.id} (${desired.email}) is inactive and the rehire policy is deny`, actions: [] };
      }
      // the rule fields BMS holds are unknown (a search shows none), unless the bridge wrote them for an earlier holder:
      // the synced ones are written unless known to be equal
      const start: EmployeeView = { ...employee, fields: { ...(linkedTo?.record?.fields ?? {}) } };
      const rest = converge(start, desired, policies);
      return rest.kind === 'act' ? { ...rest, actions: [{ kind: 'link', employeeId: employee.id, rehire: !employee.active, start }, ...rest.actions] } : rest;
    }
    case 'record':
    case 'read':
      throw new Error('unreachable: a linked employee is planned above');
  }
}

/** Why the user must not have an active employee, or undefined when they may. */
function goneReason(user: UserTruth, decision: PlanInput['decision']): DeprovisionReason | undefined {
  if (!user.exists) return 'deleted';
  if (!user.enabled) return 'disabled';
  if (decision?.outcome === 'deny') return 'no-longer-qualifies';
  return undefined;
}

/** The employee the rules ask for; the e-mail falls back to what a linked employee has (null when none). */
function desiredOf(user: Extract<UserTruth, { exists: true }>, fields: FieldValues, linked: EmployeeView | undefined): DesiredEmployee | undefined {
  const email = user.email?.trim() || linked?.email;
  if (!email) return undefined;
  return { firstName: user.firstName ?? '', lastName: user.lastName ?? '', email, userName: user.upn ?? user.username, fields };
}

/** Writes that bring an existing employee to the desired state, within the sync policy. */
function converge(held: EmployeeView, desired: DesiredEmployee, policies: Policies): Plan {
  const changes = changesFor(held, desired, policies.sync);
  const actions: Action[] = [];
  // an inactive employee of a qualifying user: the bridge deactivated it (or this is a rehire the policy allows)
  if (!held.active) actions.push({ kind: 'reactivate', employeeId: held.id });
  if (Object.keys(changes).length) actions.push({ kind: 'update', employeeId: held.id, changes });
  return { kind: 'act', actions, end: 'active', employeeId: held.id };
}

/** Only the synced fields that differ; a rule field the record does not know is written once. */
export function changesFor(held: EmployeeView, desired: DesiredEmployee, sync: ReadonlySet<string>): EmployeeChangeSet {
  const changes: EmployeeChangeSet = {};
  if (sync.has('names')) {
    if (held.firstName !== desired.firstName) changes.firstName = desired.firstName;
    if (held.lastName !== desired.lastName) changes.lastName = desired.lastName;
  }
  if (sync.has('email') && (held.email ?? '').toLowerCase() !== desired.email.toLowerCase()) changes.email = desired.email;
  if (sync.has('userName') && held.userName !== null && held.userName.toLowerCase() !== desired.userName.toLowerCase()) changes.userName = desired.userName;
  const fields: FieldValues = {};
  for (const field of BMS_FIELDS) {
    const wanted = desired.fields[field];
    if (!sync.has(field) || !wanted) continue;
    if (held.fields[field]?.trim().toLowerCase() !== wanted.trim().toLowerCase()) fields[field] = wanted;
  }
  if (Object.keys(fields).length) changes.fields = fields;
  return changes;
}

/** The record to keep after the actions ran: what BMS now holds as far as the bridge wrote it. */
export function recordAfter(held: EmployeeView | undefined, actions: Action[], employeeId: number): EmployeeView {
  let view: EmployeeView = held ?? { id: employeeId, active: true, firstName: '', lastName: '', email: null, userName: null, fields: {} };
  for (const action of actions) {
    switch (action.kind) {
      case 'create':
        view = { id: employeeId, active: true, ...action.employee, fields: { ...action.employee.fields } };
        break;
      case 'update': {
        const { fields, ...rest } = action.changes;
        view = { ...view, ...rest, fields: { ...view.fields, ...(fields ?? {}) } };
        break;
      }
      case 'reactivate':
        view = { ...view, active: true };
        break;
      case 'deactivate':
        view = { ...view, active: false };
        break;
      case 'link':
        view = action.start;
        break;
    }
  }
  return { ...view, id: employeeId };
}
