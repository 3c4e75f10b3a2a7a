import type KcAdminClient from '@keycloak/keycloak-admin-client';

import { applyPlan, SetupApplyError } from './apply';
import { Plan } from './model';
import { emptyRecord, parseRecord, SETUP_RECORD_ATTRIBUTE } from './record';
import { PLUGIN } from './wiring';

/**
 * A stand-in for the admin API of one realm, enough for the listener and the bridge's client: it keeps the realm's
 * attributes (where the setup record lives) and fails where told. Unit-level only: the whole journey runs against a
 * real Keycloak in test/e2e/setup.test.ts.
 */
function fakeRealm(fail: { grant?: boolean; recordWritesFrom?: number } = {}) {
  const realm = { eventsListeners: ['jboss-logging'], attributes: {} as Record<string, string> };
  const writes: string[] = [];
  let saves = 0;
  const api = {
    baseUrl: 'http://keycloak.example.invalid',
    realms: {
      findOne: async () => structuredClone(realm),
      update: async (_: unknown, rep: { eventsListeners?: string[]; attributes?: Record<string, string> }) => {
        if (rep.attributes && fail.recordWritesFrom !== undefined && ++saves >= fail.recordWritesFrom) throw new Error('HTTP 503');
        if (rep.eventsListeners) realm.eventsListeners = rep.eventsListeners;
        if (rep.attributes) realm.attributes = rep.attributes;
        writes.push(rep.attributes ? `record ${rep.attributes[SETUP_RECORD_ATTRIBUTE] ? 'saved' : 'gone'}` : 'listeners');
      },
    },
    clients: {
      create: async () => (writes.push('create client'), { id: 'uuid-1' }),
      getClientSecret: async () => ({ value: 'fake-secret-for-tests' }),
      find: async ({ clientId }: { clientId: string }) => [{ id: `uuid-of-${clientId}` }],
      getServiceAccountUser: async () => ({ id: 'sa-user' }),
      findRole: async ({ roleName }: { roleName: string }) => ({ id: `role-${roleName}` }),
    },
    users: {
      addClientRoleMappings: async () => {
        if (fail.grant) throw new Error('HTTP 403 Forbidden');
        writes.push('grant');
      },
    },
  };
  return { api: api as unknown as KcAdminClient, realm, writes };
}

const plan: Plan = {
  realm: 'r',
  idp: 'passly',
  items: [
    { key: 'event-listener', what: 'listener', action: 'create', details: [], ops: [{ kind: 'add-event-listener', listener: PLUGIN.listener }] },
    { key: 'bridge-client', what: 'client', action: 'create', details: [], ops: [{ kind: 'create-bridge-client', clientId: 'bms-bridge', roles: ['view-users'] }] },
  ],
};

test("a client is in the realm's setup record before it is created, and the record is saved after every change", async () => {
  const { api, realm, writes } = fakeRealm();
  const applied = await applyPlan(api, plan, emptyRecord());
  expect(writes).toEqual(['record saved', 'listeners', 'record saved', 'record saved', 'create client', 'grant']);
  expect(parseRecord(realm.attributes[SETUP_RECORD_ATTRIBUTE])).toMatchObject({ listenerAdded: true, clientsCreated: ['bms-bridge'] });
  expect(applied.clientSecret).toEqual({ clientId: 'bms-bridge', secret: 'fake-secret-for-tests' });
});

test('a run stopped after creating the client (its roles refused) still records it and carries its secret, to be shown once', async () => {
  const { api, realm } = fakeRealm({ grant: true });
  const stopped = await applyPlan(api, plan, emptyRecord()).catch((err: unknown) => err);
  expect(stopped).toBeInstanceOf(SetupApplyError);
  expect((stopped as SetupApplyError).clientSecret).toEqual({ clientId: 'bms-bridge', secret: 'fake-secret-for-tests' });
  expect((stopped as Error).message).toContain("setup stopped at 'create-bridge-client' after 1 change(s)");
  expect((stopped as Error).message).toContain('What was done is recorded in the realm');
  expect(parseRecord(realm.attributes[SETUP_RECORD_ATTRIBUTE]).clientsCreated).toEqual(['bms-bridge']);
});

test('when the record cannot be saved either, the first error stays and the changes it could not record are named', async () => {
  const { api } = fakeRealm({ recordWritesFrom: 2 }); // the first save (before any change) works, every later one fails
  const stopped = (await applyPlan(api, plan, emptyRecord()).catch((err: unknown) => err)) as Error;
  expect(stopped).toBeInstanceOf(SetupApplyError);
  expect(stopped.message).toContain("setup stopped at 'add-event-listener' after 1 change(s)");
  expect(stopped.message).toContain('The setup record could not be saved either (HTTP 503): --remove will not know of these changes: add-event-listener');
  expect(stopped.message).not.toContain('fake-secret');
});

test('a change that ran but whose record save failed once is in the record saved on the way out', async () => {
  const { api, realm } = fakeRealm();
  const update = api.realms.update.bind(api.realms);
  let saves = 0;
  api.realms.update = (async (query: { realm: string }, rep: { attributes?: Record<string, string> }) => {
    if (rep.attributes && ++saves === 2) throw new Error('HTTP 503'); // the save after the listener was added
    return update(query, rep);
  }) as typeof api.realms.update;
  const stopped = (await applyPlan(api, plan, emptyRecord()).catch((err: unknown) => err)) as Error;
  expect(stopped.message).toContain('What was done is recorded in the realm');
  expect(parseRecord(realm.attributes[SETUP_RECORD_ATTRIBUTE])).toMatchObject({ listenerAdded: true, idps: { passly: {} } });
});
