/** A BMS employee as the converge model sees it, and the case-blind match that says whether it is this user's. */

import { Employee, EmployeeSummary } from '../bms/schemas';
import { EmployeeView } from './model';

/** true/false when both are known and (do not) match ignoring case; undefined when either is missing. */
export function sameText(a: string | null | undefined, b: string | null | undefined): boolean | undefined {
  if (!a?.trim() || !b?.trim()) return undefined;
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** An employee read from BMS: its rule fields are BMS ids, unknown as rule names, so left out (written once if synced). */
export function viewOf(employee: Employee | EmployeeSummary): EmployeeView {
  const named = (employee as { userName?: unknown }).userName ?? (employee as EmployeeSummary).username;
  const userName = typeof named === 'string' ? named : null;
  return { id: employee.id, active: employee.isActive !== false, firstName: employee.firstName ?? '', lastName: employee.lastName ?? '', email: employee.emailAddress ?? null, userName, fields: {} };
}
