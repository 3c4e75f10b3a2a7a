import KcAdminClient from '@keycloak/keycloak-admin-client';
import type UserRepresentation from '@keycloak/keycloak-admin-client/lib/defs/userRepresentation';

import { Logger } from '../log/logger';
import { MapperRepresentation } from '../rules/parse';

export interface KeycloakSettings {
  baseUrl: string;
  realm: string;
  clientId: string;
  clientSecret: string;
}

/** The admin-only user attribute the bridge writes back. */
export const EMPLOYEE_ID_ATTRIBUTE = 'bms_employee_id';

/**
 * The bridge's access to Keycloak, through a service-account client of least privilege (view identity providers,
 * view and manage users). The client-credentials grant gives no refresh token, so the bridge authenticates again
 * shortly before the access token expires.
 */
export class KeycloakGateway {
  private readonly client: KcAdminClient;
  private expiresAt = 0;
  private authenticating?: Promise<void>;

  constructor(private readonly settings: KeycloakSettings, private readonly log: Logger) {
    this.client = new KcAdminClient({ baseUrl: settings.baseUrl, realmName: settings.realm });
  }

  async mappers(idpAlias: string): Promise<MapperRepresentation[]> {
    const client = await this.authed();
    return (await client.identityProviders.findMappers({ alias: idpAlias })).map((m) => ({
      id: m.id ?? '',
      name: m.name ?? '',
      identityProviderAlias: m.identityProviderAlias,
      identityProviderMapper: m.identityProviderMapper ?? '',
      config: (m.config ?? {}) as Record<string, string>,
    }));
  }

  async user(id: string): Promise<UserRepresentation | undefined> {
    const client = await this.authed();
    return (await client.users.findOne({ id, userProfileMetadata: false })) ?? undefined;
  }

  async userByEmail(email: string): Promise<UserRepresentation | undefined> {
    const client = await this.authed();
    const found = await client.users.find({ email, exact: true, briefRepresentation: false });
    return found[0];
  }

  /** Writes bms_employee_id with a full representation: a partial PUT would clear the user's other fields. */
  async writeEmployeeId(userId: string, employeeId: number): Promise<boolean> {
    const client = await this.authed();
    const user = await client.users.findOne({ id: userId, userProfileMetadata: false });
    if (!user) return false;
    if (user.attributes?.[EMPLOYEE_ID_ATTRIBUTE]?.[0] === String(employeeId)) return true;
    await client.users.update({ id: userId }, { ...user, attributes: { ...(user.attributes ?? {}), [EMPLOYEE_ID_ATTRIBUTE]: [String(employeeId)] } });
    return true;
  }

  /** One page of full user representations; with idpAlias only users linked to that identity provider. */
  async usersPage(first: number, max: number, idpAlias?: string): Promise<UserRepresentation[]> {
    const client = await this.authed();
    return client.users.find({ first, max, briefRepresentation: false, ...(idpAlias ? { idpAlias } : {}) });
  }

  /** undefined when Keycloak accepts the bridge's credentials; otherwise what is wrong (for readyz). */
  async ping(): Promise<string | undefined> {
    try {
      await this.authed();
      return undefined;
    } catch (err) {
      return `Keycloak: ${(err as Error).message}`;
    }
  }

  private async authed(): Promise<KcAdminClient> {
    if (Date.now() < this.expiresAt - 15_000) return this.client;
    this.authenticating ??= this.authenticate().finally(() => (this.authenticating = undefined));
    await this.authenticating;
    return this.client;
  }

  private async authenticate(): Promise<void> {
    try {
      await this.client.auth({ grantType: 'client_credentials', clientId: this.settings.clientId, clientSecret: this.settings.clientSecret });
    } catch (err) {
      throw new Error(`cannot authenticate to Keycloak realm '${this.settings.realm}' as client '${this.settings.clientId}' (${(err as Error).message}); check KEYCLOAK_URL, KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET`);
    }
    this.expiresAt = expiryOf(this.client.accessToken) ?? Date.now() + 60_000;
    this.log.debug({ realm: this.settings.realm, clientId: this.settings.clientId }, 'authenticated to Keycloak');
  }
}

function expiryOf(token: string | undefined): number | undefined {
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: number }).exp;
    return exp ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
