import { Link, LinkStore } from './link-store';
import { BmsKnowledge, UserTruth } from './model';

/**
 * What the bridge knows of a user's employee without calling BMS: the link's record; an employee id the store or
 * Keycloak's `bms_employee_id` names without a record (read it); or nothing (search by e-mail, if allowed).
 * `reread`: the record is not trusted (read the linked employee from BMS). `known`: the user's link when the caller
 * has just read it (the sweep), so it is not read twice; null for "no link".
 */
export async function knowledgeOf(links: LinkStore, truth: UserTruth, reread = false, known?: Link | null): Promise<BmsKnowledge> {
  const link = known === undefined ? await links.linkOf(truth.id) : (known ?? undefined);
  // reread: another job wrote to the employee while this user's link moved, so the record may be wrong
  if (link && reread) return { source: 'linked-unread', employeeId: link.employeeId, fromAttribute: false };
  if (link?.record) return { source: 'record', employee: link.record };
  if (link) return { source: 'linked-unread', employeeId: link.employeeId, fromAttribute: false };
  const attribute = truth.exists ? truth.employeeIdAttribute : null;
  // Keycloak remembers an employee the store does not (a new store, a restored backup): read it, unless taken
  if (attribute !== null && !(await links.linkOfEmployee(attribute))) return { source: 'linked-unread', employeeId: attribute, fromAttribute: true };
  return { source: 'unsearched' };
}
