import { adminAccessOf } from './connection';
import { changesOf, conflictsOf, opsInOrder, Plan } from './model';
import { AdminAccess } from './plan-access';
import { SetupOptions, stepSettingsOf } from './options';
import { plan } from './plan';
import { RealmState } from './realm-state';
import { problemsOf, renderPlan } from './render';
import { importerConfig, IMPORTERS, PROFILE_ATTRIBUTES } from './wiring';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const step = { bridgeUrl: 'https://bridge.example.invalid/webhooks/keycloak', secret: SECRET, failureMode: 'fail-open' as const, connectTimeoutMs: 1000, readTimeoutMs: 4000 };
const options: SetupOptions = { realm: 'acme', idp: 'passly', bmsClient: 'https://bms.example.invalid', step, bridgeClient: 'bms-bridge' };
const OURS = 'passly first broker login with BMS';

/** A realm as an organisation has it: a SAML identity provider, Keycloak's built-in flows, a listener and clients of its own. */
function bare(): RealmState {
  return {
    realm: 'acme',
    pluginInstalled: true,
    eventsListeners: ['jboss-logging', 'audit-to-siem'],
    idp: { alias: 'passly', providerId: 'saml', syncMode: 'IMPORT', firstBrokerLoginFlowAlias: 'first broker login', firstBrokerLoginFlowBound: '', postBrokerLoginFlowAlias: '' },
    mappers: [{ id: 'm-dept', name: 'department', identityProviderMapper: 'saml-user-attribute-idp-mapper', config: { 'attribute.name': 'Department', 'user.attribute': 'department' } }],
    profile: { attributes: [{ name: 'username' }, { name: 'email' }, { name: 'department', permissions: { view: ['admin', 'user'], edit: ['admin', 'user'] } }] },
    flows: ['browser', 'first broker login', 'direct grant'],
    executions: { 'first broker login': [{ id: 'e1', providerId: 'idp-review-profile', displayName: 'Review Profile', requirement: 'REQUIRED', level: 0, index: 0 }] },
    clients: { 'https://bms.example.invalid': { id: 'c-bms', clientId: 'https://bms.example.invalid', protocol: 'saml', publicClient: false, serviceAccountsEnabled: false } },
  };
}

/** The same realm after setup (what apply writes, as a reading of it would show). */
function wired(): RealmState {
  const state = bare();
  return {
    ...state,
    eventsListeners: [...state.eventsListeners, 'bms-provisioning'],
    mappers: [...state.mappers, ...IMPORTERS.map((i, n) => ({ id: `imp-${n}`, name: i.name, identityProviderMapper: 'saml-user-attribute-idp-mapper', config: importerConfig(i) }))],
    profile: { attributes: [...(state.profile.attributes ?? []), ...PROFILE_ATTRIBUTES] },
    idp: { ...state.idp!, firstBrokerLoginFlowAlias: OURS, firstBrokerLoginFlowBound: OURS },
    flows: [...state.flows, OURS],
    executions: { ...state.executions, [OURS]: [{ id: 'x', providerId: 'bms-require-brokered-attributes', displayName: 'Require brokered attributes', requirement: 'REQUIRED', level: 0, index: 0 }] },
    step: { alias: 'bms-provisioning', enabled: true, settings: stepSettingsOf(step, ['https://bms.example.invalid']) },
    clients: { ...state.clients, 'bms-bridge': { id: 'c-bridge', clientId: 'bms-bridge', protocol: 'openid-connect', publicClient: false, serviceAccountsEnabled: true, roles: ['manage-users', 'view-identity-providers', 'view-realm', 'view-users'] } },
  };
}

const item = (p: Plan, key: string) => p.items.find((i) => i.key === key)!;

describe('the setup plan', () => {
  test('for a bare realm creates every piece, in an order where each write finds what it needs', () => {
    const p = plan(bare(), options);
    expect(conflictsOf(p)).toEqual([]);
    expect(item(p, 'event-listener')).toMatchObject({ action: 'create', details: ['listeners: jboss-logging, audit-to-siem → jboss-logging, audit-to-siem, bms-provisioning'] });
    expect(IMPORTERS.map((i) => item(p, `importer:${i.samlAttribute}`).action)).toEqual(IMPORTERS.map(() => 'create'));
    expect(item(p, 'first-broker-login').ops.map((o) => o.kind)).toEqual(['copy-flow', 'add-attributes-step', 'bind-first-broker-login']);
    expect(item(p, 'provisioning-step').action).toBe('create');
    const kinds = opsInOrder(p).map((o) => o.kind);
    expect(kinds.indexOf('add-event-listener')).toBeLessThan(kinds.indexOf('register-step'));
    expect(kinds.indexOf('create-bridge-client')).toBeLessThan(kinds.indexOf('configure-step'));
    expect(kinds.slice(-3)).toEqual(['register-step', 'configure-step', 'enable-step']);
    // one profile write carries every missing attribute
    expect(opsInOrder(p).filter((o) => o.kind === 'declare-profile-attributes')).toEqual([{ kind: 'declare-profile-attributes', attributes: PROFILE_ATTRIBUTES }]);
  });

  test('for a wired realm changes nothing and finds no problem', () => {
    const p = plan(wired(), options);
    expect(changesOf(p)).toEqual([]);
    expect(conflictsOf(p)).toEqual([]);
    expect(problemsOf(p)).toEqual([]);
    expect(opsInOrder(p)).toEqual([]);
  });

  test('never touches a listener, mapper, flow or client it does not need', () => {
    const ops = JSON.stringify(opsInOrder(plan(bare(), options)));
    for (const theirs of ['audit-to-siem', 'm-dept', '"browser"', 'c-bms']) expect(ops).not.toContain(theirs);
  });

  test('an importer mapping SecurityGroup elsewhere is a conflict with what to do, and nothing would be applied', () => {
    const state = bare();
    state.mappers.push({ id: 'm-g', name: 'groups', identityProviderMapper: 'saml-user-attribute-idp-mapper', config: { 'attribute.name': 'SecurityGroup', 'user.attribute': 'memberOf' } });
    const p = plan(state, options);
    expect(conflictsOf(p).map((i) => i.key)).toEqual(['importer:SecurityGroup']);
    expect(item(p, 'importer:SecurityGroup').fix).toContain("point importer 'groups' at user attribute 'ad_groups'");
    expect(renderPlan(p)).toContain('! CONFLICT attribute importer SecurityGroup → ad_groups');
  });

  test('another attribute imported into ad_domain is a conflict too', () => {
    const state = bare();
    state.mappers.push({ id: 'm-d', name: 'dom', identityProviderMapper: 'saml-user-attribute-idp-mapper', config: { 'attribute.name': 'NetbiosDomain', 'user.attribute': 'ad_domain' } });
    expect(conflictsOf(plan(state, options)).map((i) => i.key)).toEqual(['importer:Domain']);
  });

  test('an importer in a sync mode that does not refresh at every login is changed to FORCE, remembering its mode', () => {
    const state = wired();
    state.mappers = state.mappers.map((m) => (m.name === 'SecurityGroup' ? { ...m, config: { ...m.config, syncMode: 'IMPORT' } } : m));
    const p = plan(state, options);
    expect(item(p, 'importer:SecurityGroup')).toMatchObject({ action: 'change', ops: [{ kind: 'set-mapper-sync-mode', syncMode: 'FORCE', before: 'IMPORT' }] });
  });

  test('an importer that inherits FORCE from its identity provider is kept; inheriting IMPORT is changed', () => {
    const state = wired();
    state.mappers = state.mappers.map((m) => (m.name === 'Domain' ? { ...m, config: { ...m.config, syncMode: 'INHERIT' } } : m));
    expect(item(plan(state, options), 'importer:Domain').action).toBe('change');
    state.idp = { ...state.idp!, syncMode: 'FORCE' };
    expect(item(plan(state, options), 'importer:Domain').action).toBe('keep');
  });

  test('a user-editable attribute the product needs admin-only is a conflict, not silently changed', () => {
    const state = wired();
    state.profile = { attributes: state.profile.attributes!.map((a) => (a.name === 'ad_groups' ? { ...a, permissions: { view: ['admin', 'user'], edit: ['admin', 'user'] } } : a)) };
    const p = plan(state, options);
    expect(item(p, 'profile:ad_groups')).toMatchObject({ action: 'conflict', details: ['editable by user', 'visible to user'] });
    expect(opsInOrder(p)).toEqual([]);
  });

  test('a flow of setup\'s name with other steps is a conflict', () => {
    const state = bare();
    state.flows.push(OURS);
    state.executions[OURS] = [{ id: 'o', providerId: 'idp-auto-link', displayName: 'Automatically set existing user', requirement: 'REQUIRED', level: 0, index: 0 }];
    expect(item(plan(state, options), 'first-broker-login')).toMatchObject({ action: 'conflict', fix: expect.stringContaining('--first-broker-login-flow') });
  });

  test("a first-broker-login flow of the admin's that starts with the step is kept, whatever its name", () => {
    const state = bare();
    state.executions['first broker login'].unshift({ id: 'r', providerId: 'bms-require-brokered-attributes', displayName: 'Require', requirement: 'REQUIRED', level: 0, index: -1 });
    expect(item(plan(state, options), 'first-broker-login').action).toBe('keep');
  });

  test('the legacy step in a post-broker-login flow is reported with what to do', () => {
    const state = wired();
    state.idp = { ...state.idp!, postBrokerLoginFlowAlias: 'old post login' };
    state.flows.push('old post login');
    state.executions['old post login'] = [{ id: 'l', providerId: 'bms-provisioning', displayName: 'BMS provisioning', requirement: 'REQUIRED', level: 0, index: 0 }];
    expect(item(plan(state, options), 'post-broker-login')).toMatchObject({ action: 'conflict', fix: expect.stringContaining("remove the \"BMS provisioning\" execution from flow 'old post login'") });
  });

  test('an existing defaults mapper is never overwritten, even when setup was given defaults', () => {
    const state = wired();
    state.mappers.push({ id: 'def', name: 'Ours', identityProviderMapper: 'bms-employee-defaults', config: { 'bms.account': 'Theirs' } });
    expect(item(plan(state, { ...options, employeeDefaults: { 'bms.account': 'Contoso MSP' } }), 'defaults-mapper')).toMatchObject({ action: 'keep', ops: [] });
    expect(item(plan(wired(), { ...options, employeeDefaults: { 'bms.account': 'Contoso MSP' } }), 'defaults-mapper').action).toBe('create');
  });

  test('defaults the plugin would refuse are a conflict before anything is written, with the problem named', () => {
    const p = plan(wired(), { ...options, employeeDefaults: { 'bms.no.match.policy': 'maybe' } });
    expect(item(p, 'defaults-mapper')).toMatchObject({ action: 'conflict', fix: expect.stringContaining('--employee-defaults') });
    expect(item(p, 'defaults-mapper').details.join(' ')).toContain('maybe');
  });

  test('the step keeps gated clients that are there, adds the BMS client, and says the secret changed without showing it', () => {
    const state = wired();
    state.step = { alias: 'bms-provisioning', enabled: false, settings: { ...stepSettingsOf(step, ['account-console']), 'webhook.secret': 'whsec_other' } };
    const s = item(plan(state, options), 'provisioning-step');
    expect(s.action).toBe('change');
    expect(s.ops).toEqual([{ kind: 'configure-step', settings: stepSettingsOf(step, ['account-console', 'https://bms.example.invalid']) }, { kind: 'enable-step' }]);
    expect(s.details.join('\n')).not.toContain('whsec_');
  });

  test("the step's failure mode, timeouts and message are the admin's unless setup is told otherwise", () => {
    const state = wired();
    const theirs = { ...state.step!.settings, 'failure.mode': 'fail-closed', 'read.timeout.ms': '2500', 'fail.closed.message': 'Ask the service desk.' };
    state.step = { ...state.step!, settings: theirs };
    const untold = { ...options, step: { bridgeUrl: step.bridgeUrl, secret: SECRET } };
    expect(item(plan(state, untold), 'provisioning-step')).toMatchObject({ action: 'keep', ops: [] });
    const told = item(plan(state, { ...untold, step: { ...untold.step, failureMode: 'fail-open' } }), 'provisioning-step');
    expect(told.details).toEqual(['failure.mode: fail-closed → fail-open']);
    expect(told.ops).toEqual([{ kind: 'configure-step', settings: { ...theirs, 'failure.mode': 'fail-open' } }]);
  });

  test('without setup options (the bridge checking itself) a switched-off step is a problem', () => {
    const state = wired();
    state.step = { ...state.step!, enabled: false };
    expect(problemsOf(plan(state, { realm: 'acme', idp: 'passly' }))).toEqual([expect.stringContaining('switched off')]);
  });

  test('a Keycloak without the plugin is a conflict before anything is written, and --check reports it', () => {
    const p = plan({ ...wired(), pluginInstalled: false }, options);
    expect(conflictsOf(p).map((i) => i.key)).toEqual(['plugin']);
    expect(problemsOf(p)).toEqual([expect.stringContaining("copy bms-jit-keycloak-plugin.jar into Keycloak's providers/ folder")]);
  });

  test('a missing BMS client is a conflict unless setup was asked to create it', () => {
    const state = bare();
    state.clients = {};
    expect(item(plan(state, options), 'bms-client').action).toBe('conflict');
    const created = item(plan(state, { ...options, bmsClientToCreate: { acsUrl: 'https://bms.example.invalid/saml/connect.aspx', ssoUrlName: 'bms' } }), 'bms-client');
    expect(created.action).toBe('create');
    // the BMS tile in Passly needs the IdP-initiated SSO URL name on the client setup creates
    expect(created.ops).toEqual([{ kind: 'create-saml-client', client: expect.objectContaining({ attributes: expect.objectContaining({ saml_idp_initiated_sso_url_name: 'bms' }) }) }]);
  });

  test('an IdP-initiated SSO URL name another client has is a conflict naming that client, with what to do', () => {
    const state = bare();
    state.clients = {};
    state.ssoUrlNameTakenBy = 'old-bms';
    const taken = item(plan(state, { ...options, bmsClientToCreate: { acsUrl: 'https://bms.example.invalid/saml/connect.aspx', ssoUrlName: 'bms' } }), 'bms-client');
    expect(taken).toMatchObject({ action: 'conflict', ops: [], details: [expect.stringContaining("client 'old-bms' already has the IdP-initiated SSO URL name 'bms'")] });
    expect(taken.fix).toContain('--bms-sso-url-name NAME');
  });

  test('an existing BMS client is kept; the plan says where its tile posts, or that it has no name for one', () => {
    const state = bare();
    state.clients = { 'https://bms.example.invalid': { id: 'c1', clientId: 'https://bms.example.invalid', protocol: 'saml', publicClient: false, serviceAccountsEnabled: false, ssoUrlName: 'bms' } };
    expect(item(plan(state, options), 'bms-client')).toMatchObject({ action: 'keep', details: [expect.stringContaining(`the BMS tile in Passly posts to <keycloak>/realms/${state.realm}/broker/passly/endpoint/clients/bms`)] });
    state.clients['https://bms.example.invalid'] = { ...state.clients['https://bms.example.invalid']!, ssoUrlName: undefined };
    expect(item(plan(state, options), 'bms-client').details[0]).toContain('it has no IdP-initiated SSO URL name, so a BMS tile in Passly cannot reach it');
  });

  test('a bridge client that lacks a role gets it; no identity provider means nothing else is planned on it', () => {
    const state = wired();
    state.clients['bms-bridge'] = { ...state.clients['bms-bridge']!, roles: ['view-users'] };
    expect(item(plan(state, options), 'bridge-client').ops).toEqual([{ kind: 'grant-bridge-roles', clientId: 'bms-bridge', roles: ['view-identity-providers', 'manage-users', 'view-realm'] }]);
    const none = plan({ ...bare(), idp: undefined }, options);
    expect(item(none, 'identity-provider').action).toBe('conflict');
    expect(none.items.some((i) => i.key.startsWith('importer:'))).toBe(false);
  });

  test('a gated client that no longer exists is a conflict naming it, with what to do; the BMS client created in the same run is not', () => {
    const state = wired();
    state.step = { ...state.step!, settings: stepSettingsOf(step, ['https://bms.example.invalid', 'old-portal']) };
    state.clients['old-portal'] = undefined;
    const p = plan(state, options);
    expect(item(p, 'provisioning-step')).toMatchObject({ action: 'conflict', ops: [], details: ["The gated client 'old-portal' does not exist in realm 'acme' (client ids match exactly)."] });
    expect(item(p, 'provisioning-step').fix).toContain('remove it from Gated clients, or create the client again');
    const created = wired();
    created.clients = { 'bms-bridge': created.clients['bms-bridge'], 'https://bms.example.invalid': undefined };
    const withCreate = plan(created, { ...options, bmsClientToCreate: { acsUrl: 'https://bms.example.invalid/saml/connect.aspx', ssoUrlName: 'bms' } });
    expect(conflictsOf(withCreate)).toEqual([]);
  });

  test('a setting kept from the realm that the plugin would refuse is a conflict before anything is written', () => {
    const state = wired();
    state.step = { ...state.step!, settings: { ...state.step!.settings, 'connect.timeout.ms': 'soon', 'failure.mode': 'fail_closed' } };
    const untold = { ...options, step: { bridgeUrl: step.bridgeUrl, secret: SECRET } };
    const p = plan(state, untold);
    expect(item(p, 'provisioning-step')).toMatchObject({
      action: 'conflict',
      ops: [],
      details: ['The connect timeout must be a whole number of milliseconds between 1 and 60000.', "The failure mode 'fail_closed' is unknown: use fail-open or fail-closed. Until it is fixed the step fails closed."],
    });
    // told a good value, setup writes it instead: no conflict
    expect(conflictsOf(plan(state, { ...untold, step: { ...untold.step, connectTimeoutMs: 1000, failureMode: 'fail-closed' } }))).toEqual([]);
  });

  test('a hardcoded or XPath mapper writing one of the product\'s attributes is a conflict with what to do; a session-note mapper is not', () => {
    const state = bare();
    state.mappers.push({ id: 'h', name: 'everyone admin', identityProviderMapper: 'hardcoded-attribute-idp-mapper', config: { attribute: 'ad_groups', 'attribute.value': 'Domain Admins' } });
    state.mappers.push({ id: 'x', name: 'emp', identityProviderMapper: 'saml-xpath-attribute-idp-mapper', config: { attribute: 'bms_employee_id', 'attribute.xpath': '//id' } });
    state.mappers.push({ id: 's', name: 'note', identityProviderMapper: 'hardcoded-user-session-attribute-idp-mapper', config: { attribute: 'upn', 'attribute.value': 'x' } });
    const p = plan(state, options);
    expect(conflictsOf(p).map((i) => i.key)).toEqual(['importer:SecurityGroup', 'bridge-attributes']);
    expect(item(p, 'importer:SecurityGroup')).toMatchObject({ details: ["mapper 'everyone admin' (hardcoded-attribute-idp-mapper) also writes 'ad_groups'"], fix: expect.stringContaining("delete 'everyone admin'") });
    expect(item(p, 'bridge-attributes')).toMatchObject({ details: ["mapper 'emp' (saml-xpath-attribute-idp-mapper) writes 'bms_employee_id'"], fix: expect.stringContaining('only the bridge writes these') });
    expect(item(plan(wired(), options), 'bridge-attributes').action).toBe('keep');
  });

  test('a product attribute limited to client scopes is a conflict, saying users can write it when unmanaged attributes are enabled', () => {
    const state = wired();
    state.profile = { unmanagedAttributePolicy: 'ENABLED' as RealmState['profile']['unmanagedAttributePolicy'], attributes: state.profile.attributes!.map((a) => (a.name === 'ad_groups' ? { ...a, selector: { scopes: ['bms'] } } : a)) };
    const p = plan(state, options);
    expect(conflictsOf(p).map((i) => i.key)).toEqual(['profile:ad_groups']);
    expect(item(p, 'profile:ad_groups').details).toEqual([expect.stringContaining('selected only with the client scope(s) bms: elsewhere it is an unmanaged attribute, and the realm lets users edit unmanaged attributes')]);
    expect(item(p, 'profile:ad_groups').fix).toContain('select it always');
  });

  test("Keycloak's built-in flow, or a flow bound elsewhere, is refused as setup's own flow with a message that says so", () => {
    const state = { ...bare(), builtInFlows: ['browser', 'first broker login', 'direct grant'], flowBindings: { 'first broker login': ["the realm's default first broker login flow"], shared: ["identity provider 'azure''s first login flow"] } };
    const builtIn = item(plan(state, { ...options, flowAlias: 'first broker login' }), 'first-broker-login');
    expect(builtIn).toMatchObject({ action: 'conflict', ops: [], details: ["'first broker login' cannot be setup's own flow: it is one of Keycloak's built-in flows, and bound as the realm's default first broker login flow"] });
    expect(builtIn.fix).toContain('give --first-broker-login-flow a name no flow has');
    expect(builtIn.fix).not.toContain('move "Require brokered attributes"');
    state.flows.push('shared');
    state.executions.shared = [{ id: 'r', providerId: 'bms-require-brokered-attributes', displayName: 'Require', requirement: 'REQUIRED', level: 0, index: 0 }];
    expect(item(plan(state, { ...options, flowAlias: 'shared' }), 'first-broker-login').details).toEqual(["'shared' cannot be setup's own flow: it is bound as identity provider 'azure''s first login flow"]);
    // setup's own flow, bound to this identity provider only, is kept on a re-run
    expect(item(plan({ ...wired(), flowBindings: { [OURS]: ["identity provider 'passly''s first login flow"] } }, options), 'first-broker-login').action).toBe('keep');
  });
});

describe("the signed-in account's rights", () => {
  const viewer: AdminAccess = { who: "the service account of client 'setup-bot'", client: 'realm-management', adminRealm: 'acme', roles: ['view-realm', 'view-identity-providers', 'view-users', 'view-clients', 'manage-realm'] };

  test('a role the planned writes need is a conflict naming it, before anything is written (dry run and real run alike)', () => {
    const p = plan(bare(), options, viewer);
    const access = item(p, 'admin-access');
    expect(access.action).toBe('conflict');
    expect(access.details).toEqual([
      "lacks the role 'manage-identity-providers' of client 'realm-management' (to change the identity provider's mappers, bind the identity provider's first login flow)",
      "lacks the role 'manage-clients' of client 'realm-management' (to create a client)",
      "lacks the role 'manage-users' of client 'realm-management' (to grant roles to a service account, grant 'manage-users')",
    ]);
    expect(access.fix).toContain("in realm 'acme', grant the service account of client 'setup-bot' the role(s) 'manage-identity-providers', 'manage-clients', 'manage-users' of client 'realm-management' (or 'realm-admin')");
  });

  test('enough roles, realm-admin, or nothing to write is no conflict', () => {
    const enough = { ...viewer, roles: [...viewer.roles!, 'manage-identity-providers', 'manage-users', 'manage-clients'] };
    expect(item(plan(bare(), options, enough), 'admin-access').action).toBe('keep');
    expect(item(plan(bare(), options, { ...viewer, roles: ['realm-admin'], all: true }), 'admin-access').action).toBe('keep');
    expect(item(plan(wired(), options, { ...viewer, roles: [] }), 'admin-access')).toMatchObject({ action: 'keep', details: ['nothing to write'] });
  });

  test('granting a role needs that role or the manage role over it', () => {
    const state = wired();
    state.clients['bms-bridge'] = { ...state.clients['bms-bridge']!, roles: ['manage-users', 'view-users'] };
    const roles = ['manage-realm', 'manage-users', 'view-users'];
    expect(item(plan(state, options, { ...viewer, roles }), 'admin-access').details).toEqual(["lacks the role 'view-identity-providers' of client 'realm-management' (to grant 'view-identity-providers')"]);
    expect(item(plan(state, options, { ...viewer, roles: [...roles, 'manage-identity-providers'] }), 'admin-access').action).toBe('keep');
  });

  test("is read from the token: the realm's realm-management roles, master's <realm>-realm client for an admin of master, or master's admin role", () => {
    const token = (claims: object): string => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;
    const bot = { kind: 'client' as const, baseUrl: 'http://kc', adminRealm: 'acme', clientId: 'setup-bot', clientSecret: 'x' };
    expect(adminAccessOf(bot, token({ resource_access: { 'realm-management': { roles: ['view-realm'] } } }), 'acme')).toMatchObject({ client: 'realm-management', roles: ['view-realm'], all: false });
    const admin = { kind: 'password' as const, baseUrl: 'http://kc', adminRealm: 'master', username: 'admin', password: 'x' };
    expect(adminAccessOf(admin, token({ realm_access: { roles: ['admin'] }, resource_access: { 'acme-realm': { roles: ['view-realm'] } } }), 'acme')).toMatchObject({ client: 'acme-realm', all: true });
    expect(adminAccessOf(admin, token({ realm_access: { roles: ['offline_access'] }, resource_access: { 'acme-realm': { roles: ['manage-realm'] } } }), 'acme')).toMatchObject({ roles: ['manage-realm'], all: false });
    expect(adminAccessOf(admin, token({ sub: 'x' }), 'acme').roles).toBeUndefined();
  });
});
