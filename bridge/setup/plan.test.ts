import { changesOf, conflictsOf, opsInOrder, Plan } from './model';
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
    expect(item(plan(state, { ...options, bmsClientToCreate: { acsUrl: 'https://bms.example.invalid/saml/connect.aspx' } }), 'bms-client').action).toBe('create');
  });

  test('a bridge client that lacks a role gets it; no identity provider means nothing else is planned on it', () => {
    const state = wired();
    state.clients['bms-bridge'] = { ...state.clients['bms-bridge']!, roles: ['view-users'] };
    expect(item(plan(state, options), 'bridge-client').ops).toEqual([{ kind: 'grant-bridge-roles', clientId: 'bms-bridge', roles: ['view-identity-providers', 'manage-users', 'view-realm'] }]);
    const none = plan({ ...bare(), idp: undefined }, options);
    expect(item(none, 'identity-provider').action).toBe('conflict');
    expect(none.items.some((i) => i.key.startsWith('importer:'))).toBe(false);
  });
});
