import { planRemoval } from './remove';
import { emptyRecord, intended, parseRecord, recorded, SetupRecord, serializeRecord, withIdp } from './record';
import { RealmState } from './realm-state';
import { PLUGIN } from './wiring';

const mapper = { kind: 'create-idp-mapper' as const, mapper: { name: 'Email', identityProviderMapper: 'x', config: {} } };

describe('the setup record', () => {
  test('keeps the first earlier binding and sync mode, so a second run never overwrites what --remove restores', () => {
    let record = emptyRecord();
    record = recorded(record, 'passly', { kind: 'bind-first-broker-login', flow: 'ours', before: 'first broker login' });
    record = recorded(record, 'passly', { kind: 'bind-first-broker-login', flow: 'ours', before: 'ours' });
    record = recorded(record, 'passly', { kind: 'set-mapper-sync-mode', id: 'm', name: 'SecurityGroup', syncMode: 'FORCE', before: 'IMPORT' });
    record = recorded(record, 'passly', { kind: 'set-mapper-sync-mode', id: 'm', name: 'SecurityGroup', syncMode: 'FORCE', before: 'FORCE' });
    record = recorded(record, 'passly', mapper, 'id-1');
    expect(parseRecord(serializeRecord(record)).idps.passly).toMatchObject({ firstBrokerLoginBefore: 'first broker login', mapperSyncModesBefore: { m: 'IMPORT' }, mappersCreated: ['id-1'] });
  });

  test("each identity provider's part is its own: a second provider's setup never overwrites the first's binding", () => {
    let record = recorded(emptyRecord(), 'passly', { kind: 'bind-first-broker-login', flow: 'passly with BMS', before: 'first broker login' });
    record = recorded(record, 'passly2', { kind: 'bind-first-broker-login', flow: 'passly2 with BMS', before: 'custom' });
    record = recorded(record, 'passly2', mapper, 'id-2');
    expect(record.idps.passly).toMatchObject({ firstBrokerLoginSetTo: 'passly with BMS', firstBrokerLoginBefore: 'first broker login', mappersCreated: [] });
    expect(record.idps.passly2).toMatchObject({ firstBrokerLoginSetTo: 'passly2 with BMS', mappersCreated: ['id-2'] });
  });

  test('a client is recorded before it is created (a stop right after still lets --remove find it); roles granted to an existing client are recorded', () => {
    const before = intended(emptyRecord(), { kind: 'create-bridge-client', clientId: 'bms-bridge', roles: ['view-users'] });
    expect(before.clientsCreated).toEqual(['bms-bridge']);
    const granted = recorded(emptyRecord(), 'passly', { kind: 'grant-bridge-roles', clientId: 'old-bridge', roles: ['view-users', 'manage-users'] });
    expect(granted.rolesGranted).toEqual({ 'old-bridge': ['view-users', 'manage-users'] });
    // roles granted to a client setup created go with the client
    expect(recorded(before, 'passly', { kind: 'grant-bridge-roles', clientId: 'bms-bridge', roles: ['view-realm'] }).rolesGranted).toEqual({});
  });

  test('switching on and configuring a step that was there is recorded apart from registering one', () => {
    const existing = recorded(recorded(emptyRecord(), 'p', { kind: 'configure-step', settings: {} }), 'p', { kind: 'enable-step' });
    expect(existing).toMatchObject({ stepRegistered: false, stepEnabled: true, stepSettingsChanged: true });
    const ours = [{ kind: 'register-step' as const }, { kind: 'configure-step' as const, settings: {} }, { kind: 'enable-step' as const }].reduce((r, op) => recorded(r, 'p', op), emptyRecord());
    expect(ours).toMatchObject({ stepRegistered: true, stepEnabled: false, stepSettingsChanged: false });
  });

  test('a record edited by hand is refused, naming the attribute', () => {
    expect(() => parseRecord('{not json')).toThrow("the realm attribute 'bms.setup'");
    expect(() => parseRecord('{"version":3}')).toThrow('is not a setup record');
  });
});

/** A realm as setup left it for `idp`, with what the record names present. */
function stateOf(record: SetupRecord, idp: string, extra: Partial<RealmState> = {}): RealmState {
  return {
    realm: 'r', pluginInstalled: true, eventsListeners: ['jboss-logging', PLUGIN.listener], record: serializeRecord(record),
    idp: { alias: idp, providerId: 'saml', syncMode: 'IMPORT', firstBrokerLoginFlowAlias: `${idp} with BMS`, firstBrokerLoginFlowBound: `${idp} with BMS`, postBrokerLoginFlowAlias: '' },
    mappers: [{ id: `${idp}-m`, name: 'Email', identityProviderMapper: 'x', config: {} }],
    profile: { attributes: [] }, flows: ['first broker login', `${idp} with BMS`], executions: {},
    step: { alias: PLUGIN.step, enabled: true, settings: {} },
    clients: { 'bms-bridge': { id: 'c1', clientId: 'bms-bridge', protocol: 'openid-connect', publicClient: false, serviceAccountsEnabled: true }, 'old-bridge': { id: 'c2', clientId: 'old-bridge', protocol: 'openid-connect', publicClient: false, serviceAccountsEnabled: true } },
    ...extra,
  };
}

function setUp(idps: string[]): SetupRecord {
  let record = [{ kind: 'add-event-listener' as const, listener: PLUGIN.listener }, { kind: 'register-step' as const }].reduce((r, op) => recorded(r, idps[0], op), emptyRecord());
  record = recorded(intended(record, { kind: 'create-bridge-client', clientId: 'bms-bridge', roles: [] }), idps[0], { kind: 'create-bridge-client', clientId: 'bms-bridge', roles: [] });
  for (const idp of idps) {
    record = recorded(record, idp, { kind: 'copy-flow', from: 'first broker login', to: `${idp} with BMS` });
    record = recorded(record, idp, { kind: 'bind-first-broker-login', flow: `${idp} with BMS`, before: 'first broker login' });
    record = recorded(record, idp, mapper, `${idp}-m`);
  }
  return record;
}

test("a record of the first format (one provider's fields at the top) is read in today's shape", () => {
  const v1 = { version: 1, idp: 'passly', listenerAdded: true, mappersCreated: ['m1'], flowCreated: 'f', firstBrokerLoginBefore: '', firstBrokerLoginSetTo: 'f', clientsCreated: ['bms-bridge'], stepRegistered: true, profileAttributesAdded: ['upn'] };
  expect(parseRecord(JSON.stringify(v1))).toMatchObject({ version: 2, listenerAdded: true, clientsCreated: ['bms-bridge'], stepRegistered: true, idps: { passly: { mappersCreated: ['m1'], flowCreated: 'f', firstBrokerLoginBefore: '', firstBrokerLoginSetTo: 'f' } } });
});

describe('--remove', () => {
  test('a provider whose own pieces were right already still counts: removing another one leaves the shared part for it', () => {
    const record = withIdp(setUp(['passly2']), 'passly'); // setup for passly changed only shared pieces
    const removal = planRemoval(stateOf(record, 'passly2'), 'passly2');
    expect(removal.undo.map((u) => u.op.kind)).not.toContain('unregister-step');
    expect(removal.left.join(' ')).toContain("identity provider(s) 'passly' still use it");
  });

  test('an --idp that is neither in the realm nor in the record is refused (a typo must not remove the shared part); a provider deleted since is forgotten', () => {
    const record = setUp(['passly', 'gone']);
    expect(() => planRemoval(stateOf(record, 'x', { idp: undefined }), 'pasly')).toThrow("identity provider 'pasly' is neither in realm 'r' nor in setup's record (setup wired: passly, gone)");
    const removal = planRemoval(stateOf(record, 'x', { idp: undefined }), 'gone');
    expect(removal.undo.map((u) => u.op)).toEqual([{ kind: 'forget-idp', idp: 'gone' }]);
  });

  test('with one identity provider: everything setup added goes, the gate first, and the record last', () => {
    const kinds = planRemoval(stateOf(setUp(['passly']), 'passly'), 'passly').undo.map((u) => u.op.kind);
    expect(kinds).toEqual(['unregister-step', 'remove-event-listener', 'delete-client', 'bind-first-broker-login', 'delete-flow', 'delete-idp-mapper', 'forget-record']);
  });

  test("with two identity providers: removing one takes only its part; the shared step, listener and client stay for the other", () => {
    const removal = planRemoval(stateOf(setUp(['passly', 'passly2']), 'passly'), 'passly');
    expect(removal.undo.map((u) => u.op)).toEqual([
      { kind: 'bind-first-broker-login', flow: 'first broker login' },
      { kind: 'delete-flow', flow: 'passly with BMS' },
      { kind: 'delete-idp-mapper', id: 'passly-m', name: 'Email' },
      { kind: 'forget-idp', idp: 'passly' },
    ]);
    expect(removal.left.join(' ')).toContain("identity provider(s) 'passly2' still use it");
  });

  test('a step setup only switched on is switched off again, not unregistered; roles granted to an existing client are taken back', () => {
    let record = recorded(emptyRecord(), 'passly', { kind: 'enable-step' });
    record = recorded(record, 'passly', { kind: 'configure-step', settings: {} });
    record = recorded(record, 'passly', { kind: 'grant-bridge-roles', clientId: 'old-bridge', roles: ['manage-users'] });
    const removal = planRemoval(stateOf(record, 'passly'), 'passly');
    expect(removal.undo.map((u) => u.op)).toEqual([{ kind: 'disable-step' }, { kind: 'revoke-roles', clientId: 'old-bridge', id: 'c2', roles: ['manage-users'] }, { kind: 'forget-record' }]);
    expect(removal.left.join(' ')).toContain("the BMS provisioning step's settings as setup wrote them");
  });
});
