import { Op, PlanItem } from './model';

/**
 * What the signed-in account may do in the realm, from its access token (Keycloak puts the admin roles a user or service
 * account holds, composites expanded, in the token; the admin API grants by the same roles).
 */
export interface AdminAccess {
  /** who signed in, as the admin knows them: "admin 'alice'" or "client 'setup-bot'" */
  who: string;
  /** the client holding the realm's admin roles, as the account sees it: `realm-management`, or for an admin of master `<realm>-realm` */
  client: string;
  /** the realm the account signed in to */
  adminRealm: string;
  /** the roles of that client held (composites expanded); undefined: the token lists no roles at all, so nothing is known */
  roles?: string[];
  /** holds realm-admin, or master's admin role: every operation is allowed */
  all?: boolean;
}

/** One need: any of `anyOf` will do (the first is what setup asks for). */
interface Need {
  anyOf: string[];
  why: string;
}

const MANAGE_REALM = 'manage-realm';

/**
 * The realm-management roles Keycloak 26.7's admin API asks for each operation: the realm update (event listener,
 * setup record), user profile, flows and required actions need manage-realm; mappers and the identity provider's flow
 * binding manage-identity-providers; new clients manage-clients; granting a role to a service account manage-users
 * (RoleMapperResource: requireMapRoles) and, for each realm-management role granted, that role or the manage role that
 * covers it (RolePermissions.checkAdminRoles: an admin never grants more than it holds).
 */
function needsOf(op: Op): Need[] {
  const grants = (roles: string[]): Need[] => [{ anyOf: ['manage-users'], why: 'grant roles to a service account' }, ...roles.map((r) => ({ anyOf: coveredBy(r), why: `grant '${r}'` }))];
  switch (op.kind) {
    case 'add-event-listener':
      return [{ anyOf: [MANAGE_REALM], why: 'add the event listener' }];
    case 'declare-profile-attributes':
      return [{ anyOf: [MANAGE_REALM], why: 'declare user-profile attributes' }];
    case 'create-idp-mapper':
    case 'set-mapper-sync-mode':
      return [{ anyOf: ['manage-identity-providers'], why: "change the identity provider's mappers" }];
    case 'bind-first-broker-login':
      return [{ anyOf: ['manage-identity-providers'], why: "bind the identity provider's first login flow" }];
    case 'create-saml-client':
      return [{ anyOf: ['manage-clients'], why: 'create a client' }];
    case 'create-bridge-client':
      return [{ anyOf: ['manage-clients'], why: 'create a client' }, ...grants(op.roles)];
    case 'grant-bridge-roles':
      return grants(op.roles);
    case 'copy-flow':
    case 'add-attributes-step':
      return [{ anyOf: [MANAGE_REALM], why: 'create the first login flow' }];
    case 'register-step':
    case 'configure-step':
    case 'enable-step':
      return [{ anyOf: [MANAGE_REALM], why: 'register and configure the required action' }];
  }
}

/** The roles that let an admin grant `role` to someone else: the role itself, or the manage role over the same things. */
function coveredBy(role: string): string[] {
  const manage = role.startsWith('view-') ? role.replace(/^view-/, 'manage-') : undefined;
  return manage ? [role, manage] : [role];
}

/**
 * The signed-in account must hold every role the planned writes need (and manage-realm for the setup record every
 * real run writes): a missing one is a conflict naming it, found before anything is written, instead of a 403 part-way.
 */
export function planAccess(realm: string, items: PlanItem[], access: AdminAccess): PlanItem {
  const base = { key: 'admin-access', what: `the rights of ${access.who} in realm '${realm}'`, ops: [] };
  const ops = items.flatMap((i) => i.ops);
  if (!ops.length) return { ...base, action: 'keep', details: ['nothing to write'] };
  if (access.all) return { ...base, action: 'keep', details: ['realm-admin'] };
  if (!access.roles) return { ...base, action: 'skip', details: ['its token lists no roles: not checked (Keycloak refuses what it may not do)'] };
  const held = access.roles;
  const needs: Need[] = [{ anyOf: [MANAGE_REALM], why: 'store the setup record' }, ...ops.flatMap(needsOf)];
  const missing = new Map<string, Set<string>>();
  for (const need of needs.filter((n) => !n.anyOf.some((r) => held.includes(r)))) missing.set(need.anyOf[0], (missing.get(need.anyOf[0]) ?? new Set()).add(need.why));
  if (!missing.size) return { ...base, action: 'keep', details: [`holds what the changes need (${[...new Set(needs.map((n) => n.anyOf.find((r) => held.includes(r))))].join(', ')})`] };
  const roles = [...missing.keys()];
  return {
    ...base,
    action: 'conflict',
    details: [...missing].map(([role, why]) => `lacks the role '${role}' of client '${access.client}' (to ${[...why].join(', ')})`),
    fix: `in realm '${access.adminRealm}', grant ${access.who} the role(s) ${roles.map((r) => `'${r}'`).join(', ')} of client '${access.client}' (or 'realm-admin'), or sign in as an admin who has them, then run setup again`,
  };
}
