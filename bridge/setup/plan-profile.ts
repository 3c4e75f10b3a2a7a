import type { UserProfileAttribute } from '@keycloak/keycloak-admin-client/lib/defs/userProfileMetadata';

import { PlanItem } from './model';
import { RealmState } from './realm-state';
import { PROFILE_ATTRIBUTES } from './wiring';

const others = (roles: string[] | undefined): string[] => (roles ?? []).filter((r) => r !== 'admin');

/**
 * One item per user-profile attribute the product needs admin-only. Missing ones are declared (one profile write for
 * all); one that users may see or edit, or a single-valued `ad_groups`, is a conflict: it may be so on purpose, and
 * changing it would change what people see in the account console, so the admin decides.
 */
export function planProfile(state: RealmState): PlanItem[] {
  const declared = state.profile.attributes ?? [];
  const missing = PROFILE_ATTRIBUTES.filter((a) => !declared.some((d) => d.name === a.name));
  const declareOp = missing.length ? [{ kind: 'declare-profile-attributes' as const, attributes: missing }] : [];
  return PROFILE_ATTRIBUTES.map((wanted) => {
    const base = { key: `profile:${wanted.name}`, what: `user-profile attribute ${wanted.name} (admin-only)` };
    const found = declared.find((d) => d.name === wanted.name);
    // the one write carries every missing attribute: it hangs on the first missing one's item
    if (!found) return { ...base, action: 'create', details: [`declared: view and edit by admins only${wanted.multivalued ? ', multi-valued' : ''}`], ops: missing[0] === wanted ? declareOp : [] };
    const problems = problemsOf(found, wanted);
    if (problems.length) {
      return { ...base, action: 'conflict', details: problems, fix: `Realm settings → User profile → ${wanted.name}: let only admins view and edit it${wanted.multivalued ? ' and make it multi-valued' : ''}, then run setup again (users must never change what decides their BMS access)`, ops: [] };
    }
    return { ...base, action: 'keep', details: ['declared, admin-only'], ops: [] };
  });
}

function problemsOf(found: UserProfileAttribute, wanted: UserProfileAttribute): string[] {
  const problems: string[] = [];
  const edit = others(found.permissions?.edit);
  const view = others(found.permissions?.view);
  if (edit.length) problems.push(`editable by ${edit.join(', ')}`);
  if (view.length) problems.push(`visible to ${view.join(', ')}`);
  if (wanted.multivalued && found.multivalued !== true) problems.push('single-valued: only one AD group would be kept');
  return problems;
}
