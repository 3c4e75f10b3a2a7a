import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type { UserProfileAttribute } from '@keycloak/keycloak-admin-client/lib/defs/userProfileMetadata';

import { ReadyWarning } from '../http/health-routes';
import { bridgeWiringProblems, CachedWiringCheck } from './check';
import { tokenRoles } from './connection';
import { BRIDGE_ROLES, CHECK_ROLES, importerConfig, IMPORTERS, PLUGIN, PROFILE_ATTRIBUTES } from './wiring';

const root = join(__dirname, '..', '..');
const realm = JSON.parse(readFileSync(join(root, 'keycloak-realm.json'), 'utf8')) as {
  eventsListeners: string[];
  identityProviderMappers: { identityProviderMapper: string; config: Record<string, string> }[];
  components: Record<string, { config: Record<string, string[]> }[]>;
  authenticationFlows: { alias: string; authenticationExecutions: { authenticator?: string; requirement: string; priority: number }[] }[];
  identityProviders: { firstBrokerLoginFlowAlias: string }[];
  requiredActions: { providerId: string; enabled: boolean }[];
  users: { serviceAccountClientId?: string; clientRoles?: Record<string, string[]> }[];
};
const attributes = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'contract', 'attributes.json'), 'utf8')) as { attributes: Record<string, string>; importedFrom: Record<string, string> };

describe('the wiring setup writes is the wiring keycloak-realm.json imports', () => {
  test('the same importers, from the same SAML attributes into the same user attributes', () => {
    const imported = realm.identityProviderMappers.filter((m) => m.identityProviderMapper === 'saml-user-attribute-idp-mapper').map((m) => `${m.config['attribute.name']}→${m.config['user.attribute']}`);
    expect(IMPORTERS.map((i) => `${i.samlAttribute}→${i.userAttribute}`).sort()).toEqual(imported.sort());
    // and the shared fixture's names
    for (const [key, saml] of Object.entries(attributes.importedFrom)) expect(IMPORTERS.find((i) => i.samlAttribute === saml)?.userAttribute).toBe(attributes.attributes[key]);
    expect(IMPORTERS.map((i) => importerConfig(i).syncMode)).toEqual(IMPORTERS.map(() => 'FORCE'));
  });

  test('the same admin-only user-profile attributes', () => {
    const profile = JSON.parse(realm.components['org.keycloak.userprofile.UserProfileProvider'][0].config['kc.user.profile.config'][0]) as { attributes: UserProfileAttribute[] };
    for (const wanted of PROFILE_ATTRIBUTES) {
      const declared = profile.attributes.find((a) => a.name === wanted.name);
      expect({ name: wanted.name, ...declared }).toMatchObject({ name: wanted.name, permissions: { view: ['admin'], edit: ['admin'] }, multivalued: wanted.multivalued, validations: wanted.validations });
    }
    expect(PROFILE_ATTRIBUTES.map((a) => a.name).sort()).toEqual(Object.values(attributes.attributes).sort());
  });

  test('the same listener, step and first-broker-login step; the service account has the bridge and check roles', () => {
    expect(realm.eventsListeners).toContain(PLUGIN.listener);
    expect(realm.requiredActions.find((a) => a.providerId === PLUGIN.step)?.enabled).toBe(true);
    const flow = realm.authenticationFlows.find((f) => f.alias === realm.identityProviders[0].firstBrokerLoginFlowAlias);
    const first = [...(flow?.authenticationExecutions ?? [])].sort((a, b) => a.priority - b.priority)[0];
    expect(first).toMatchObject({ authenticator: PLUGIN.requireAttributes, requirement: 'REQUIRED' });
    const roles = realm.users.find((u) => u.serviceAccountClientId === 'bms-bridge')?.clientRoles?.['realm-management'];
    expect([...(roles ?? [])].sort()).toEqual([...BRIDGE_ROLES, ...CHECK_ROLES].sort());
  });
});

describe('the wiring check of /readyz', () => {
  test('reads Keycloak at most once per interval, and once for probes arriving together', async () => {
    let now = 0;
    let reads = 0;
    const check = new CachedWiringCheck(async () => (reads++, reads > 1 ? 'listener missing' : undefined), 60_000, () => now);
    expect(await Promise.all([check.check(), check.check()])).toEqual([undefined, undefined]);
    now = 59_999;
    expect(await check.check()).toBeUndefined();
    expect(reads).toBe(1);
    now = 60_000;
    expect(await check.check()).toBe('listener missing');
    expect(reads).toBe(2);
  });

  test('a failed read (Keycloak restarting) is a warning, not unreadiness, and is tried again soon, not after a whole interval', async () => {
    let now = 0;
    let up = false;
    const check = new CachedWiringCheck(async () => (up ? undefined : Promise.reject(new Error('Keycloak read of the realm: ECONNREFUSED'))), 300_000, () => now, 15_000);
    expect(await check.check()).toEqual(new ReadyWarning('the wiring could not be read: Keycloak read of the realm: ECONNREFUSED'));
    up = true;
    now = 14_999;
    expect(await check.check()).toBeInstanceOf(ReadyWarning);
    now = 15_000;
    expect(await check.check()).toBeUndefined();
  });

  test('a read that does not answer is a warning within its own bound (below /readyz\'s 5 s), not a hanging probe', async () => {
    const check = new CachedWiringCheck(() => new Promise(() => undefined), 300_000, Date.now, 15_000, 20);
    expect(await check.check()).toEqual(new ReadyWarning("the wiring could not be read: Keycloak's admin API did not answer within 0.02 s"));
  });

  test("a bridge whose account cannot read the wiring (set up before the check existed) is ready with a warning; one lacking the bridge's own roles is not ready", async () => {
    const tokenWith = (roles: string[]): string => `x.${Buffer.from(JSON.stringify({ resource_access: { 'realm-management': { roles } } })).toString('base64url')}.y`;
    const api = (roles: string[]): KcAdminClient => ({ accessToken: tokenWith(roles) }) as unknown as KcAdminClient;
    const old = await bridgeWiringProblems(api(BRIDGE_ROLES), 'broker', 'passly', 'bms-bridge');
    expect(old).toBeInstanceOf(ReadyWarning);
    expect((old as ReadyWarning).message).toContain('lacks the realm-management role(s) view-realm');
    expect(await bridgeWiringProblems(api(['view-realm', 'view-users']), 'broker', 'passly', 'bms-bridge')).toBe("client 'bms-bridge' lacks the realm-management role(s) view-identity-providers, manage-users, which the bridge needs (run bridge setup, or grant them)");
  });

  test("the service account's roles come from its token", () => {
    const token = `x.${Buffer.from(JSON.stringify({ resource_access: { 'realm-management': { roles: ['view-users'] } } })).toString('base64url')}.y`;
    expect(tokenRoles(token)).toEqual(['view-users']);
    expect(tokenRoles('garbage')).toEqual([]);
  });
});
