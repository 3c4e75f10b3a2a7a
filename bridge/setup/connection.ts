import KcAdminClient from '@keycloak/keycloak-admin-client';

import { OperationError } from '../errors/operation-error';
import { AdminAccess } from './plan-access';

/**
 * How setup signs in to Keycloak's admin API: an admin's user name and password (Keycloak's `admin-cli` client of the
 * admin realm, master by default), or a confidential client's service account holding realm-management's realm-admin
 * (setup creates clients and grants roles). Secrets come from the environment only, never from flags (a flag shows in
 * the process list and the shell's history).
 */
export type AdminLogin =
  | { kind: 'password'; baseUrl: string; adminRealm: string; username: string; password: string }
  | { kind: 'client'; baseUrl: string; adminRealm: string; clientId: string; clientSecret: string };

/** An admin client signed in as told. Errors: an OperationError naming the sign-in, with what to check. */
export async function signIn(login: AdminLogin): Promise<KcAdminClient> {
  const api = new KcAdminClient({ baseUrl: login.baseUrl, realmName: login.adminRealm });
  try {
    if (login.kind === 'password') await api.auth({ grantType: 'password', clientId: 'admin-cli', username: login.username, password: login.password });
    else await api.auth({ grantType: 'client_credentials', clientId: login.clientId, clientSecret: login.clientSecret });
  } catch (err) {
    const who = login.kind === 'password' ? `admin '${login.username}'` : `client '${login.clientId}'`;
    const hint = login.kind === 'password' ? 'check KEYCLOAK_URL, --admin-realm, KEYCLOAK_ADMIN_USER and KEYCLOAK_ADMIN_PASSWORD' : 'check KEYCLOAK_URL, --admin-realm, KEYCLOAK_ADMIN_CLIENT_ID and KEYCLOAK_ADMIN_CLIENT_SECRET';
    throw new OperationError('Keycloak', `sign-in of ${who} to realm '${login.adminRealm}'`, login.baseUrl, err, hint);
  }
  return api;
}

/** The realm-management roles in an access token (what a service account may do), from its `resource_access` claim. */
export function tokenRoles(token: string | undefined, client = 'realm-management'): string[] {
  return tokenClaims(token)?.resource_access?.[client]?.roles ?? [];
}

/**
 * What the signed-in account may do in `realm`, from its access token. An account of the realm itself holds the roles of
 * its `realm-management` client; an admin of master holds those of master's `<realm>-realm` client (master's admin
 * role has them all, as does realm-admin). A token without any role claim tells nothing (roles undefined).
 */
export function adminAccessOf(login: AdminLogin, token: string | undefined, realm: string): AdminAccess {
  const who = login.kind === 'password' ? `admin '${login.username}'` : `the service account of client '${login.clientId}'`;
  const client = login.adminRealm === realm ? 'realm-management' : `${realm}-realm`;
  const claims = tokenClaims(token);
  if (!claims?.resource_access && !claims?.realm_access) return { who, client, adminRealm: login.adminRealm };
  const roles = claims.resource_access?.[client]?.roles ?? [];
  const masterAdmin = login.adminRealm === 'master' && (claims.realm_access?.roles ?? []).includes('admin');
  return { who, client, adminRealm: login.adminRealm, roles, all: masterAdmin || roles.includes('realm-admin') };
}

interface Claims {
  realm_access?: { roles?: string[] };
  resource_access?: Record<string, { roles?: string[] }>;
}

function tokenClaims(token: string | undefined): Claims | undefined {
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims;
  } catch {
    return undefined;
  }
}
