import type KcAdminClient from '@keycloak/keycloak-admin-client';

import { adminClient, unique } from '../support/admin';
import { stackInfo } from '../support/stack-info';
import { standInSigningCert } from '../stack/passly-stand-in';

const { baseUrl, brokerRealm } = stackInfo();
let admin: KcAdminClient;

beforeAll(async () => {
  admin = await adminClient();
});

describe('the imported broker realm', () => {
  test('trusts Passly over SAML only with signed assertions, SHA-256, and the configured certificate', async () => {
    const idp = await admin.identityProviders.findOne({ realm: brokerRealm, alias: 'passly' });
    expect(idp?.providerId).toBe('saml');
    expect(idp?.config).toMatchObject({
      validateSignature: 'true',
      wantAssertionsSigned: 'true',
      signatureAlgorithm: 'RSA_SHA256',
      signingCertificate: standInSigningCert(),
      singleSignOnServiceUrl: `${baseUrl}/realms/passly/protocol/saml`,
      idpEntityId: `${baseUrl}/realms/passly`,
      syncMode: 'FORCE',
    });
  });

  test('imports the six Passly attributes, and every importer follows the FORCE sync of the provider', async () => {
    const all = await admin.identityProviders.findMappers({ realm: brokerRealm, alias: 'passly' });
    const mappers = all.filter((m) => m.identityProviderMapper === 'saml-user-attribute-idp-mapper');
    const imported = Object.fromEntries(mappers.map((m) => [m.config['attribute.name'], m.config['user.attribute']]));
    expect(imported).toEqual({ Email: 'email', FirstName: 'firstName', LastName: 'lastName', Username: 'upn', SecurityGroup: 'ad_groups', Domain: 'ad_domain' });
    for (const m of mappers) expect(m.config.syncMode).toBe('INHERIT');
    // the one mapper that is not an importer: the AD group that makes a person an admin of the bridge, synced at every sign-in
    expect(all.filter((m) => m.identityProviderMapper === 'saml-role-idp-mapper').map((m) => m.config)).toEqual([
      expect.objectContaining({ syncMode: 'FORCE', 'attribute.name': 'SecurityGroup', 'attribute.value': 'CN=BMS-Bridge-Admins,OU=Groups,DC=contoso,DC=com', role: 'bms-bridge-admin' }),
    ]);
  });

  test('sends browser logins straight to passly through the identity-provider redirector', async () => {
    const realm = await admin.realms.findOne({ realm: brokerRealm });
    const executions = await admin.authenticationManagement.getExecutions({ realm: brokerRealm, flow: realm?.browserFlow ?? '' });
    const redirector = executions.find((e) => e.providerId === 'identity-provider-redirector');
    expect(redirector?.authenticationConfig).toBeDefined();
    const config = await admin.authenticationManagement.getConfig({ realm: brokerRealm, id: redirector?.authenticationConfig ?? '' });
    expect(config.config?.defaultProvider).toBe('passly');
    const res = await fetch(`${baseUrl}/realms/${brokerRealm}/protocol/openid-connect/auth?client_id=account-console&response_type=code&scope=openid&code_challenge_method=S256&code_challenge=${'A'.repeat(43)}&redirect_uri=${encodeURIComponent(`${baseUrl}/realms/${brokerRealm}/account/`)}`, { redirect: 'manual' });
    expect([302, 303]).toContain(res.status);
    expect(res.headers.get('location')).toContain(`/realms/${brokerRealm}/broker/passly/login`);
  });
});

describe('the user profile', () => {
  const adminOnly = ['upn', 'ad_domain', 'ad_groups', 'bms_employee_id'];

  test('declares the imported attributes and bms_employee_id as admin-only, groups multi-valued', async () => {
    const profile = await admin.users.getProfile({ realm: brokerRealm });
    for (const name of adminOnly) {
      const attribute = profile.attributes?.find((a) => a.name === name);
      expect(attribute?.permissions).toEqual({ view: ['admin'], edit: ['admin'] });
      expect(attribute?.multivalued).toBe(name === 'ad_groups');
    }
  });

  test('a user can neither see nor change them through the account API', async () => {
    const username = unique('local-user');
    const attributes = { upn: ['Local.User@contoso.com'], ad_domain: ['contoso.com'], ad_groups: ['BMS-Techs', 'CN=BMS-Admins,OU=Groups,DC=contoso,DC=com'], bms_employee_id: ['4711'] };
    const { id } = await admin.users.create({
      realm: brokerRealm, username, email: `${username}@contoso.com`, firstName: 'Local', lastName: 'User', enabled: true, emailVerified: true, attributes,
      credentials: [{ type: 'password', value: 'not-a-secret-test-password', temporary: false }],
    });
    const clientId = unique('direct-grant-test');
    await admin.clients.create({ realm: brokerRealm, clientId, publicClient: true, directAccessGrantsEnabled: true, standardFlowEnabled: false });
    try {
      const token = await passwordGrant(clientId, username, 'not-a-secret-test-password');
      const account = `${baseUrl}/realms/${brokerRealm}/account/`;
      const seen = (await (await fetch(account, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } })).json()) as { attributes?: Record<string, unknown>; firstName?: string };
      expect(seen.firstName).toBe('Local');
      for (const name of adminOnly) expect(seen.attributes?.[name]).toBeUndefined();

      const forged = { ...seen, attributes: { ...(seen.attributes ?? {}), ad_groups: ['Domain Admins'], bms_employee_id: ['1'], ad_domain: ['evil.example'] } };
      await fetch(account, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(forged) });

      const after = await admin.users.findOne({ realm: brokerRealm, id, userProfileMetadata: false });
      expect(after?.attributes).toMatchObject(attributes);
    } finally {
      const [client] = await admin.clients.find({ realm: brokerRealm, clientId });
      await admin.clients.del({ realm: brokerRealm, id: client.id ?? '' });
      await admin.users.del({ realm: brokerRealm, id });
    }
  });
});

async function passwordGrant(clientId: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${baseUrl}/realms/${brokerRealm}/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', client_id: clientId, username, password, scope: 'openid' }),
  });
  const body = (await res.json()) as { access_token?: string; error_description?: string };
  if (!body.access_token) throw new Error(`password grant for ${username} failed: ${res.status} ${body.error_description ?? ''}`);
  return body.access_token;
}
