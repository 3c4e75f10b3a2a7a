import KcAdminClient from '@keycloak/keycloak-admin-client';
import type UserRepresentation from '@keycloak/keycloak-admin-client/lib/defs/userRepresentation';

import { stackInfo } from './stack-info';

/** An admin client logged in to the shared test Keycloak's master realm; pass { realm } per call. */
export async function adminClient(): Promise<KcAdminClient> {
  const info = stackInfo();
  const client = new KcAdminClient({ baseUrl: info.baseUrl, realmName: 'master' });
  await client.auth({ grantType: 'password', clientId: 'admin-cli', username: info.admin.username, password: info.admin.password });
  return client;
}

export async function findUserByUsername(admin: KcAdminClient, realm: string, username: string): Promise<UserRepresentation | undefined> {
  const users = await admin.users.find({ realm, username, exact: true, briefRepresentation: false });
  return users[0];
}

/** A short random suffix so tests sharing one Keycloak never collide. */
export function unique(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}
