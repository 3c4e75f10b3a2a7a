import KcAdminClient from '@keycloak/keycloak-admin-client';
import type UserRepresentation from '@keycloak/keycloak-admin-client/lib/defs/userRepresentation';

import { OperationError } from '../errors/operation-error';
import { Logger } from '../log/logger';
import { UserTruth } from '../converge/model';
import { MapperRepresentation } from '../rules/parse';
import { USER_ATTRIBUTES } from './attributes';

export interface KeycloakSettings {
  baseUrl: string;
  realm: string;
  clientId: string;
  clientSecret: string;
}

/** The admin-only user attribute the bridge writes back. */
export const EMPLOYEE_ID_ATTRIBUTE = USER_ATTRIBUTES.employeeId;
/** The plugin's mark: a gated sign-in asked for provisioning at this time. */
export const REQUESTED_AT_ATTRIBUTE = USER_ATTRIBUTES.requestedAt;

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

  /** The identity provider's mappers (the BMS rules). Errors: an OperationError naming the read and Keycloak's URL. */
  async mappers(idpAlias: string): Promise<MapperRepresentation[]> {
    const client = await this.authed();
    const found = await this.calling(`read of identity provider '${idpAlias}''s mappers in realm '${this.settings.realm}'`, () => client.identityProviders.findMappers({ alias: idpAlias }));
    return found.map((m) => ({
      id: m.id ?? '',
      name: m.name ?? '',
      identityProviderAlias: m.identityProviderAlias,
      identityProviderMapper: m.identityProviderMapper ?? '',
      config: (m.config ?? {}) as Record<string, string>,
    }));
  }

  /** The user, or undefined when Keycloak has none with this id. Errors: an OperationError naming the read. */
  async user(id: string): Promise<UserRepresentation | undefined> {
    const client = await this.authed();
    try {
      return (await client.users.findOne({ id, userProfileMetadata: false })) ?? undefined;
    } catch (err) {
      if ((err as { response?: { status?: number } }).response?.status === 404) return undefined;
      throw this.failed(`read of user ${id} in realm '${this.settings.realm}'`, err);
    }
  }

  /** The user with exactly this e-mail, if any. Errors: an OperationError naming the search. */
  async userByEmail(email: string): Promise<UserRepresentation | undefined> {
    const client = await this.authed();
    const found = await this.calling(`search of users by e-mail ${email} in realm '${this.settings.realm}'`, () => client.users.find({ email, exact: true, briefRepresentation: false }));
    return found[0];
  }

  /** The user with exactly this user name, if any. Errors: an OperationError naming the search. */
  async userByUsername(username: string): Promise<UserRepresentation | undefined> {
    const client = await this.authed();
    const found = await this.calling(`search of users by user name ${username} in realm '${this.settings.realm}'`, () => client.users.find({ username, exact: true, briefRepresentation: false }));
    return found[0];
  }

  /**
   * Whether the user with exactly this user name is enabled and holds the realm role (directly, through a group or a
   * composite role). Errors: an OperationError naming the read.
   */
  async hasRealmRole(username: string, role: string): Promise<boolean> {
    const user = await this.userByUsername(username);
    if (!user?.id || user.enabled === false) return false;
    const client = await this.authed();
    const id = user.id;
    const roles = await this.calling(`read of the realm roles of user ${username} in realm '${this.settings.realm}'`, () => client.users.listCompositeRealmRoleMappings({ id }));
    return roles.some((r) => r.name === role);
  }

  /** A user by Keycloak id, e-mail address or user name, tried in that order (the admin pages' search). */
  async findUser(query: string): Promise<UserRepresentation | undefined> {
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(query)) {
      const byId = await this.user(query);
      if (byId) return byId;
    }
    return (query.includes('@') ? await this.userByEmail(query) : undefined) ?? (await this.userByUsername(query));
  }

  /**
   * Sets (or with null clears) exactly the `bms_employee_id` attribute, through the plugin's endpoint
   * `PUT /realms/{realm}/bms-provisioning/users/{id}/employee-id`: no full-representation PUT that could revert a
   * change an admin made meanwhile, and no admin event, so the write causes no webhook. false: no such user;
   * 'read-only': the user's storage (a read-only federation) refuses the attribute.
   */
  async writeEmployeeId(userId: string, employeeId: number | null): Promise<boolean | 'read-only'> {
    const client = await this.authed();
    const url = `${this.settings.baseUrl.replace(/\/$/, '')}/realms/${encodeURIComponent(this.settings.realm)}/bms-provisioning/users/${encodeURIComponent(userId)}/employee-id`;
    const where = `Keycloak write-back of ${EMPLOYEE_ID_ATTRIBUTE} to user ${userId} at ${url}`;
    let res: Response;
    try {
      res = await fetch(url, { method: 'PUT', headers: { authorization: `Bearer ${client.accessToken ?? ''}`, 'content-type': 'application/json' }, body: JSON.stringify({ employeeId }), signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      throw new OperationError('Keycloak', `write-back of ${EMPLOYEE_ID_ATTRIBUTE} to user ${userId}`, url, err);
    }
    if (res.status === 204 || res.status === 200) return true;
    const text = (await res.text().catch(() => '')).slice(0, 300);
    if (res.status === 404 && /user/i.test(text)) return false;
    if (res.status === 409) {
      // a read-only (federated) user: the link in the bridge's store is what counts; the sweep does not need the attribute
      this.log.warn({ userId, status: 409 }, `${where}: the user's storage is read-only; ${EMPLOYEE_ID_ATTRIBUTE} not written (the bridge's link is kept)`);
      return 'read-only';
    }
    if (res.status === 404) throw new Error(`${where}: 404; the Keycloak extension in this Keycloak has no write-back endpoint: install the plugin JAR of this release`);
    if (res.status === 401) this.expiresAt = 0;
    throw new Error(`${where}: HTTP ${res.status} ${text}`);
  }

  /** What Keycloak holds for the user now; undefined when there is no such user. */
  async truth(userId: string): Promise<UserTruth> {
    const user = await this.user(userId);
    return user ? truthOf(user) : { exists: false, id: userId };
  }

  /** One page of full user representations; with idpAlias only users linked to that identity provider. */
  async usersPage(first: number, max: number, idpAlias?: string): Promise<UserRepresentation[]> {
    const client = await this.authed();
    const which = `read of users ${first + 1} to ${first + max}${idpAlias ? ` linked to '${idpAlias}'` : ''} in realm '${this.settings.realm}'`;
    return this.calling(which, () => client.users.find({ first, max, briefRepresentation: false, ...(idpAlias ? { idpAlias } : {}) }));
  }

  /** The admin client, signed in as the service account (for the wiring check of /readyz: bridge/setup/check.ts). */
  adminApi(): Promise<KcAdminClient> {
    return this.authed();
  }

  /** undefined when Keycloak accepts the bridge's credentials; otherwise what is wrong (for readyz). */
  async ping(): Promise<string | undefined> {
    try {
      await this.authed();
      return undefined;
    } catch (err) {
      return (err as Error).message; // an OperationError: it names Keycloak, the operation and the URL
    }
  }

  /** Runs one admin API call; a failure becomes an OperationError naming the operation and Keycloak's URL. */
  private async calling<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw this.failed(operation, err);
    }
  }

  private failed(operation: string, err: unknown): OperationError {
    // a refused token is dropped so the next call authenticates again
    if ((err as { response?: { status?: number } }).response?.status === 401) this.expiresAt = 0;
    return new OperationError('Keycloak', operation, this.settings.baseUrl, err);
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
      throw new OperationError('Keycloak', `authentication of client '${this.settings.clientId}' to realm '${this.settings.realm}'`, this.settings.baseUrl, err, 'check KEYCLOAK_URL, KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET');
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

/** The bridge's view of a Keycloak user (attributes as the realm's importers name them; README, "The broker realm"). */
export function truthOf(user: UserRepresentation): Extract<UserTruth, { exists: true }> {
  const first = (name: string): string | null => user.attributes?.[name]?.[0] ?? null;
  const employeeId = Number(first(EMPLOYEE_ID_ATTRIBUTE));
  return {
    exists: true,
    id: user.id ?? '',
    username: user.username ?? '',
    enabled: user.enabled !== false,
    email: user.email ?? null,
    firstName: user.firstName ?? null,
    lastName: user.lastName ?? null,
    upn: first(USER_ATTRIBUTES.upn),
    domain: first(USER_ATTRIBUTES.domain),
    groups: user.attributes?.[USER_ATTRIBUTES.groups] ?? [],
    employeeIdAttribute: Number.isSafeInteger(employeeId) && employeeId > 0 ? employeeId : null,
    requested: !!first(REQUESTED_AT_ATTRIBUTE),
  };
}
