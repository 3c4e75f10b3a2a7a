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
    const problems = problemsOf(found, wanted, state.profile.unmanagedAttributePolicy);
    if (problems.length) {
      const scoped = found.selector?.scopes?.length ? ', select it always (no client scopes under "When is the attribute selected")' : '';
      return { ...base, action: 'conflict', details: problems, fix: `Realm settings → User profile → ${wanted.name}: let only admins view and edit it${wanted.multivalued ? ' and make it multi-valued' : ''}${scoped}, then run setup again (users must never change what decides their BMS access)`, ops: [] };
    }
    return { ...base, action: 'keep', details: ['declared, admin-only'], ops: [] };
  });
}

/**
 * Why the attribute is not admin-only. An attribute limited to client scopes (`selector.scopes`) is outside the profile
 * whenever those scopes are not requested: its permissions do not apply then, and a realm whose unmanaged-attribute
 * policy is ENABLED lets users write it (through the account API).
 */
function problemsOf(found: UserProfileAttribute, wanted: UserProfileAttribute, unmanaged: string | undefined): string[] {
  const problems: string[] = [];
  const scopes = found.selector?.scopes ?? [];
  if (scopes.length) {
    const exposure = unmanaged === 'ENABLED' ? 'and the realm lets users edit unmanaged attributes (Unmanaged attributes: Enabled), so users can write it' : 'where its admin-only permissions do not apply';
    problems.push(`selected only with the client scope(s) ${scopes.join(', ')}: elsewhere it is an unmanaged attribute, ${exposure}`);
  }
  const edit = others(found.permissions?.edit);
  const view = others(found.permissions?.view);
  if (edit.length) problems.push(`editable by ${edit.join(', ')}`);
  if (view.length) problems.push(`visible to ${view.join(', ')}`);
  if (wanted.multivalued && found.multivalued !== true) problems.push('single-valued: only one AD group would be kept');
  return problems;
}
