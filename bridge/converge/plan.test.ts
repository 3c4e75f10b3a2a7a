import { Decision } from '../rules/model';
import { BmsKnowledge, DEFAULT_POLICIES, EmployeeView, Plan, Policies, UserTruth } from './model';
import { MESSAGES, plan, recordAfter } from './plan';

const fields = { department: 'Service Desk', securityRole: 'Technician', location: 'Branch North' };
const user = (over: Partial<Extract<UserTruth, { exists: true }>> = {}): UserTruth => ({
  exists: true, id: 'u1', username: 'ada', enabled: true, email: 'ada@contoso.com', firstName: 'Ada', lastName: 'Lovelace',
  upn: 'ada@contoso.com', domain: 'contoso.com', groups: ['BMS-Techs'], employeeIdAttribute: null, requested: true, ...over,
});
const provision = (f = fields): Decision => ({ outcome: 'provision', fields: f, reason: 'rule 20' });
const deny: Decision = { outcome: 'deny', reason: 'deny rule', userMessage: 'not for BMS' };
const unusable: Decision = { outcome: 'unusable', reason: 'broken', userMessage: 'not configured' };
const view = (over: Partial<EmployeeView> = {}): EmployeeView => ({ id: 7, active: true, firstName: 'Ada', lastName: 'Lovelace', email: 'ada@contoso.com', userName: 'ada@contoso.com', fields, ...over });
const record = (over: Partial<EmployeeView> = {}): BmsKnowledge => ({ source: 'record', employee: view(over) });
const found = (over: Partial<EmployeeView> = {}, linkedTo?: { userId: string; userExists: boolean; record: EmployeeView | null }): BmsKnowledge => ({ source: 'found', employee: view({ fields: {}, ...over }), linkedTo });
const policies = (sync: string[] = [...DEFAULT_POLICIES.sync], rehire: Policies['rehire'] = 'reactivate'): Policies => ({ sync: new Set(sync) as Policies['sync'], rehire });

const kinds = (p: Plan): string => (p.kind === 'read' ? `read ${p.what}` : `${p.kind}${p.kind === 'refuse' ? ` ${p.reason}` : ''}: ${p.actions.map((a) => a.kind).join(',') || 'nothing'}`);

describe('plan: what one converge job does', () => {
  test.each<[string, UserTruth, Decision | undefined, BmsKnowledge, Policies, string]>([
    ['unchanged linked user: nothing (0 BMS calls)', user(), provision(), record(), policies(), 'act: nothing'],
    ['new user, not searched yet: search by e-mail (else user name) first', user(), provision(), { source: 'unsearched' }, policies(), 'read search'],
    ['new user, BMS has nobody with the e-mail: create', user(), provision(), { source: 'none' }, policies(), 'act: create'],
    ['active employee found by e-mail: link, and write the synced rule fields (unknown from a search)', user(), provision(), found(), policies(), 'act: link,update'],
    ['found employee whose fields the bridge wrote for a deleted holder: link alone', user(), provision(), found({}, { userId: 'u0', userExists: false, record: view() }), policies(), 'act: link'],
    ['rehire: inactive employee found, policy reactivate', user(), provision(), found({ active: false }), policies(), 'act: link,reactivate,update'],
    ['rehire: inactive employee found, policy deny', user(), provision(), found({ active: false }), policies(undefined, 'deny'), 'refuse rehire-denied: nothing'],
    ['employee held by another existing user: conflict', user(), provision(), found({}, { userId: 'u0', userExists: true, record: view() }), policies(), 'refuse conflict: nothing'],
    ['employee held by a deleted user: the link moves (rehire); a demotion since is written', user(), provision(), found({ active: false }, { userId: 'u0', userExists: false, record: view({ fields: { ...fields, securityRole: 'Administrator' } }) }), policies(), 'act: link,reactivate,update'],
    ['deleted user, linked active: deactivate', { exists: false, id: 'u1' }, undefined, record(), policies(), 'act: deactivate'],
    ['deleted user, already inactive: nothing', { exists: false, id: 'u1' }, undefined, record({ active: false }), policies(), 'act: nothing'],
    ['disabled user: deactivate even when active is not synced', user({ enabled: false }), undefined, record(), policies(['names']), 'act: deactivate'],
    ['re-enabled user whose employee the bridge deactivated: reactivate', user(), provision(), record({ active: false }), policies(), 'act: reactivate'],
    ['no longer qualifies (deny rule), active synced: deactivate and refuse', user(), deny, record(), policies(), 'refuse denied: deactivate'],
    ['no longer qualifies, active not synced: left alone', user(), deny, record(), policies(['names']), 'refuse denied: nothing'],
    ['rules unusable: never deactivates anyone', user(), unusable, record(), policies(), 'refuse unusable: nothing'],
    ['e-mail changed in the directory: update', user({ email: 'ada.king@contoso.com' }), provision(), record(), policies(), 'act: update'],
    ['e-mail changed but e-mail is create-only: nothing', user({ email: 'ada.king@contoso.com' }), provision(), record(), policies(['names']), 'act: nothing'],
    ['demoted (security role changes), synced by default: update', user(), provision({ ...fields, securityRole: 'Dispatcher' }), record(), policies(), 'act: update'],
    ['moved department, create-only by default: nothing', user(), provision({ ...fields, department: 'Sales' }), record(), policies(), 'act: nothing'],
    ['never requested BMS, not linked (an event about anyone): nothing', user({ requested: false }), provision(), { source: 'unsearched' }, policies(), 'act: nothing'],
    ['no e-mail, not linked: refuse', user({ email: null }), provision(), { source: 'unsearched' }, policies(), 'refuse no-email: nothing'],
    ['Keycloak knows the employee id but the store does not: read it', user({ employeeIdAttribute: 7 }), provision(), { source: 'linked-unread', employeeId: 7, fromAttribute: true }, policies(), 'read employee'],
    ['an attribute-only id for a user who never asked for BMS: not read (no BMS call)', user({ employeeIdAttribute: 7, requested: false }), provision(), { source: 'linked-unread', employeeId: 7, fromAttribute: true }, policies(), 'act: nothing'],
    ['a disabled user whom only the attribute links (a new store): read it, to deactivate', user({ employeeIdAttribute: 7, requested: false, enabled: false }), undefined, { source: 'linked-unread', employeeId: 7, fromAttribute: true }, policies(), 'read employee'],
    ['a disabled user whose attribute-named employee was read: deactivate', user({ enabled: false }), undefined, { source: 'read', employee: view() }, policies(), 'act: deactivate'],
    ['a stored link without a record (an old store): read it', user(), provision(), { source: 'linked-unread', employeeId: 7, fromAttribute: false }, policies(), 'read employee'],
  ])('%s', (_what, truth, decision, bms, pol, expected) => {
    expect(kinds(plan({ user: truth, decision, bms, policies: pol, mayCreate: false }))).toBe(expected);
  });

  test('an update carries only the synced fields that differ', () => {
    const p = plan({ user: user({ firstName: 'Augusta', email: 'ada.king@contoso.com' }), decision: provision({ ...fields, securityRole: 'Dispatcher', department: 'Sales' }), bms: record(), policies: policies(), mayCreate: false });
    expect(p).toMatchObject({ kind: 'act', actions: [{ kind: 'update', changes: { firstName: 'Augusta', email: 'ada.king@contoso.com', fields: { securityRole: 'Dispatcher' } } }] });
  });

  test('a denied user is refused with the message the rules give, a missing e-mail with its own', () => {
    expect(plan({ user: user(), decision: deny, bms: { source: 'unsearched' }, policies: policies(), mayCreate: true })).toMatchObject({ kind: 'refuse', message: 'not for BMS' });
    expect(plan({ user: user({ email: ' ' }), decision: provision(), bms: { source: 'unsearched' }, policies: policies(), mayCreate: true })).toMatchObject({ message: MESSAGES.noEmail });
  });

  test('the record after the writes is what BMS holds as the bridge wrote it', () => {
    const created = recordAfter(undefined, [{ kind: 'create', employee: { firstName: 'Ada', lastName: 'L', email: 'a@x.test', userName: 'a@x.test', fields } }], 9);
    expect(created).toEqual({ id: 9, active: true, firstName: 'Ada', lastName: 'L', email: 'a@x.test', userName: 'a@x.test', fields });
    const after = recordAfter(created, [{ kind: 'deactivate', employeeId: 9, why: 'disabled' }, { kind: 'update', employeeId: 9, changes: { lastName: 'King', fields: { securityRole: 'Dispatcher' } } }], 9);
    expect(after).toMatchObject({ active: false, lastName: 'King', fields: { ...fields, securityRole: 'Dispatcher' } });
    // a converged record plans nothing: the sweep's zero-call check
    expect(kinds(plan({ user: user({ lastName: 'King' }), decision: provision({ ...fields, securityRole: 'Dispatcher' }), bms: { source: 'record', employee: { ...after, active: true, email: 'ada@contoso.com', userName: 'ada@contoso.com', firstName: 'Ada' } }, policies: policies(), mayCreate: false }))).toBe('act: nothing');
  });
});
