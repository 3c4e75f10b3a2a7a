import { EmployeeView } from '../converge/model';

/** A link's record as every store keeps it: JSON with a version, so an older shape can still be read. */
export function snapshotOf(record: EmployeeView): string {
  return JSON.stringify({ v: 2, ...record });
}

/** The link's record; a snapshot written before the converge model is read as what it knew (no e-mail). */
export function recordOf(employeeId: number, snapshot: string | null): EmployeeView | null {
  if (!snapshot) return null;
  const raw = JSON.parse(snapshot) as Record<string, unknown> | null;
  if (!raw || typeof raw !== 'object') return null;
  if (raw.v === 2) {
    const { v: _v, ...record } = raw;
    return { ...(record as unknown as EmployeeView), id: employeeId };
  }
  if (typeof raw.firstName !== 'string' || typeof raw.lastName !== 'string') return null;
  return { id: employeeId, active: raw.deactivated !== true, firstName: raw.firstName, lastName: raw.lastName, email: null, userName: null, fields: (raw.fields as EmployeeView['fields']) ?? {} };
}
