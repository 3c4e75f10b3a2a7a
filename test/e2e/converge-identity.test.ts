import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type UserRepresentation from '@keycloak/keycloak-admin-client/lib/defs/userRepresentation';
import type { Browser } from 'playwright-core';

import { adminClient, findUserByUsername, unique } from '../support/admin';
import { createBrokerUser, DirectoryFacts, loginWebhook, settled, withDefaults, withRealmSettings } from '../support/converge-id-control';
import { addPerson, NewPerson, Person, removePeople, signInAtPortal } from '../support/converge-id-people';
import { ConvergeStack, createCalls, createsFor, employeesWith, loginsOf, searchesFor, startConvergeStack, sweep } from '../support/converge-id-stack';
import { eventually } from '../support/eventually';
import { withStepSettings } from '../support/provisioning-step';
import { stackInfo } from '../support/stack-info';
import { launchBrowser } from './browser';

/**
 * Issue 10, "Converge, don't react": the cases that went wrong when the bridge acted on each event as it arrived,
 * each tried as a person would meet it. Real Keycloak (a copy of the broker realm), the BMS emulator and its portal
 * over HTTP, the real bridge in this process, a browser where the person sees the result. Each test has its own
 * stand-in people; BMS's state is read from the emulator's store and call log.
 */
const { baseUrl, admin: adminCredentials } = stackInfo();
const DENIED = /not set up to use BMS/;
let browser: Browser;
let admin: KcAdminClient;
let stack: ConvergeStack;
let reauth: NodeJS.Timeout;

beforeAll(async () => {
  browser = await launchBrowser();
  admin = await adminClient();
  // the master realm's admin tokens live 60 s; this file runs longer
  reauth = setInterval(() => void admin.auth({ grantType: 'password', clientId: 'admin-cli', ...adminCredentials }).catch(() => undefined), 30_000);
  stack = await startConvergeStack(admin, baseUrl);
});
afterAll(async () => {
  clearInterval(reauth);
  await stack?.stop();
  if (admin) await removePeople(admin);
  await browser?.close();
});
afterEach(() => {
  stack?.emulator.setFaults({});
  if (stack) stack.emulator.settings.allowDuplicateUserNames = false;
});

const techs = (mailbox: string, firstName: string, lastName: string): NewPerson => ({ firstName, lastName, mailbox, domain: 'contoso.com', groups: ['BMS-Techs'] });
const signIn = (person: Person) => signInAtPortal(browser, stack.portalUrl, person);
const employees = (email: string) => employeesWith(stack.emulator, email);
const employee = (id: number) => stack.emulator.store.get(id);

async function brokerUser(person: Person): Promise<UserRepresentation & { id: string }> {
  const user = await findUserByUsername(admin, stack.realm, person.username);
  if (!user?.id) throw new Error(`no broker user ${person.username} in ${stack.realm}`);
  return user as UserRepresentation & { id: string };
}

/** The bms_employee_id Keycloak holds for the user, once the bridge has written it back. */
async function writtenBack(userId: string, employeeId: number): Promise<void> {
  await eventually(async () => (await admin.users.findOne({ realm: stack.realm, id: userId }))?.attributes?.bms_employee_id?.[0] === String(employeeId), `bms_employee_id ${employeeId} on user ${userId}`, 15_000);
}

const reactivations = (employeeId: number): number => stack.emulator.callLog.filter((c) => c.method === 'POST' && c.url === `/v2/hr/employees/${employeeId}/reactivate`).length;

/**
 * A provisioned person: signed in once, landed on their active employee page, bms_employee_id written back and the
 * bridge done with them (so what a test changes next is not raced by the first login's work); returns the employee.
 */
async function provisioned(person: Person) {
  const seen = await signIn(person);
  expect(seen).toMatchObject({ where: 'employee', name: `${person.firstName} ${person.lastName}`, fields: { Status: 'Active' } });
  const [found, ...more] = employees(person.email);
  expect(more).toEqual([]);
  const user = await brokerUser(person);
  await writtenBack(user.id, found.id);
  await settled(stack, user.id, `${person.firstName}'s first login`);
  return found;
}

describe('3. rehire: an inactive employee with the user\'s e-mail', () => {
  test('a deleted user signs in again (new Keycloak id, same e-mail): the employee is reactivated and linked, the page says Active', async () => {
    const rita = await addPerson(admin, techs('rita.rehire', 'Rita', 'Rehire'));
    const hired = await provisioned(rita);
    const leaver = await brokerUser(rita);
    await admin.users.del({ realm: stack.realm, id: leaver.id });
    await eventually(() => employee(hired.id)?.isActive === false, "the leaver's employee to be deactivated", 15_000);

    const seen = await signIn(rita);
    const rehired = await brokerUser(rita);
    expect(rehired.id).not.toBe(leaver.id);
    expect(seen).toMatchObject({ where: 'employee', name: 'Rita Rehire', fields: { 'Employee id': String(hired.id), Status: 'Active' } });
    expect(employees(rita.email)).toEqual([expect.objectContaining({ id: hired.id, isActive: true })]);
    expect(reactivations(hired.id)).toBe(1);
    await writtenBack(rehired.id, hired.id);
    expect(loginsOf(stack.tap, rehired.id).map((d) => d.answer)).toEqual([expect.objectContaining({ status: 'provisioned', employeeId: hired.id })]);
  });

  test('with the rehire policy deny, the returning user is refused with a clear message and the employee stays inactive', async () => {
    const dan = await addPerson(admin, techs('dan.denied', 'Dan', 'Denied'));
    const hired = await provisioned(dan);
    const leaver = await brokerUser(dan);
    await admin.users.del({ realm: stack.realm, id: leaver.id });
    await eventually(() => employee(hired.id)?.isActive === false, "the leaver's employee to be deactivated", 15_000);

    await withDefaults(admin, stack, { 'bms.rehire.policy': 'deny' }, async () => {
      const seen = await signIn(dan);
      const returning = await brokerUser(dan);
      const answers = loginsOf(stack.tap, returning.id).map((d) => d.answer as { status: string; message?: string });
      expect(answers).toEqual([expect.objectContaining({ status: 'denied', message: expect.stringMatching(/deactivat|inactive|reactivat/i) })]);
      expect(seen.where).toBe('keycloak-error');
      expect(seen.text).toContain(answers[0].message);
      await settled(stack, returning.id, 'the refused rehire');
      expect(employee(hired.id)).toMatchObject({ isActive: false });
      expect(employees(dan.email)).toHaveLength(1);
      expect(reactivations(hired.id)).toBe(0);
      expect((await brokerUser(dan)).attributes?.bms_employee_id).toBeUndefined();
    });
  });

  test("the seeded inactive employee old.timer@contoso.com: a stand-in user with that e-mail in BMS-Techs gets it reactivated", async () => {
    expect(employee(103)).toMatchObject({ emailAddress: 'old.timer@contoso.com', isActive: false });
    const oliver = await addPerson(admin, { firstName: 'Oliver', lastName: 'Timer', mailbox: 'oliver.timer', domain: 'contoso.com', groups: ['BMS-Techs'], mail: 'old.timer@contoso.com' });
    const seen = await signIn(oliver);
    expect(seen).toMatchObject({ where: 'employee', name: 'Oliver Timer', fields: { 'Employee id': '103', Status: 'Active' } });
    expect(employees('old.timer@contoso.com')).toEqual([expect.objectContaining({ id: 103, isActive: true })]);
    await writtenBack((await brokerUser(oliver)).id, 103);
  });
});

test('4. an e-mail changed in the directory reaches the BMS employee at the next login, and BMS finds the person by it', async () => {
  const eve = await addPerson(admin, techs('eve.email', 'Eve', 'Email'));
  const hired = await provisioned(eve);
  const before = eve.email;
  const after = `${unique('eve.renamed')}@contoso.com`;
  await eve.update({ mail: after });

  const seen = await signIn(eve);
  expect((await brokerUser(eve)).email).toBe(after); // Keycloak took the new address from Passly (FORCE sync)
  expect(seen).toMatchObject({ where: 'employee', name: 'Eve Email', fields: { 'Employee id': String(hired.id), 'E-mail': after, Status: 'Active' } });
  expect(employee(hired.id)?.emailAddress).toBe(after);
  expect(employees(before)).toEqual([]);
  expect(employees(after)).toHaveLength(1);
});

test('7. a second Keycloak user with the e-mail of an employee linked to another user: no link, a clear message, and disabling them never touches the first user\'s employee', async () => {
  const ann = await addPerson(admin, techs('ann.first', 'Ann', 'First'));
  const hired = await provisioned(ann);
  const annUser = await brokerUser(ann);
  const untouched = { ...employee(hired.id) };

  // two directory accounts with one mailbox (say a person's admin account): Keycloak keeps both when the realm allows duplicate e-mails
  await withRealmSettings(admin, stack.realm, { duplicateEmailsAllowed: true, loginWithEmailAllowed: false }, async () => {
    const bea = await addPerson(admin, { firstName: 'Bea', lastName: 'Second', mailbox: 'bea.second', domain: 'contoso.com', groups: ['BMS-Techs'], mail: ann.email });
    const seen = await signIn(bea);
    const beaUser = await brokerUser(bea);
    expect(beaUser.id).not.toBe(annUser.id);
    expect(beaUser.email).toBe(ann.email);

    const answers = loginsOf(stack.tap, beaUser.id).map((d) => d.answer as { status: string; message?: string });
    expect(answers).toEqual([expect.objectContaining({ status: 'denied', message: expect.stringMatching(/another|already|linked/i) })]);
    expect(seen.where).toBe('keycloak-error');
    expect(seen.text).toContain(answers[0].message);
    await settled(stack, beaUser.id, "Bea's refused login");
    expect(employee(hired.id)).toEqual(untouched);
    expect((await brokerUser(bea)).attributes?.bms_employee_id).toBeUndefined();

    await admin.users.update({ realm: stack.realm, id: beaUser.id }, { ...(await brokerUser(bea)), enabled: false });
    await eventually(() => stack.tap.deliveries.some((d) => d.type === 'user.disabled' && d.userId === beaUser.id && d.status >= 200 && d.status < 300), "the bridge to take Bea's user.disabled", 15_000);
    await settled(stack, beaUser.id, 'Bea disabled');
    await sweep(stack);
    expect(employee(hired.id)).toEqual(untouched);
    expect((await brokerUser(ann)).attributes?.bms_employee_id).toEqual([String(hired.id)]);

    // the administrator learns of the conflict: an error naming the refused user
    const errors = stack.log.filter((l) => l.level === 'error').map((l) => ({ message: l.message, ...l.fields }));
    expect(errors).toContainEqual(expect.objectContaining({ userId: beaUser.id }));
  });
});

describe('8. a user who no longer qualifies', () => {
  test.each([
    ['into a deny rule (BMS-Sales at fabrikam.com)', { domain: 'fabrikam.com', groups: ['BMS-Sales'] }],
    ['out of every rule', { groups: ['Domain Users'] }],
  ])('moved %s: refused at their next login, and their employee is deactivated', async (_how, change) => {
    const mo = await addPerson(admin, techs('mo.mover', 'Mo', 'Mover'));
    const hired = await provisioned(mo);
    await mo.update(change); // AD moved them; Passly sends it at the next login

    const seen = await signIn(mo);
    expect(seen).toMatchObject({ where: 'keycloak-error', text: expect.stringMatching(DENIED) });
    await eventually(() => employee(hired.id)?.isActive === false, 'the employee to be deactivated', 15_000);
    expect(employees(mo.email)).toHaveLength(1); // deactivated, never deleted
  });

  test('moved into a deny rule and never signing in again: the sweep deactivates the employee', async () => {
    const sid = await addPerson(admin, techs('sid.sweep', 'Sid', 'Sweep'));
    const hired = await provisioned(sid);
    const user = await brokerUser(sid);
    // the change reaches Keycloak (an admin, a sync) while the bridge cannot be told: the listener's webhook is lost
    await withStepSettings(admin, stack.realm, { 'bridge.url': 'http://127.0.0.1:9/webhooks/keycloak' }, async () => {
      await admin.users.update({ realm: stack.realm, id: user.id }, { ...user, attributes: { ...user.attributes, ad_domain: ['fabrikam.com'], ad_groups: ['BMS-Sales'] } });
      expect(employee(hired.id)?.isActive).toBe(true);
      await sweep(stack);
      await eventually(() => employee(hired.id)?.isActive === false, 'the sweep to deactivate the employee', 15_000);
    });
    expect(employees(sid.email)).toHaveLength(1);
  });

  test('a demotion (BMS-Admins → BMS-Techs) changes the BMS security role at the next login; create-only fields stay', async () => {
    const adi = await addPerson(admin, { firstName: 'Adi', lastName: 'Admin', mailbox: 'adi.admin', domain: 'contoso.com', groups: ['BMS-Admins'] });
    const first = await signIn(adi);
    expect(first).toMatchObject({ where: 'employee', fields: { 'Security role': 'Administrator', Department: 'Management', 'Job title': 'Service Manager', Status: 'Active' } });
    const [hired] = employees(adi.email);

    await adi.update({ groups: ['BMS-Techs'] });
    const seen = await signIn(adi);
    // default policy: names, email, securityRole, active are kept in sync; department, job title, location are create-only
    expect(seen).toMatchObject({ where: 'employee', fields: { 'Employee id': String(hired.id), 'Security role': 'Technician', Department: 'Management', 'Job title': 'Service Manager', Location: 'Head Office', Status: 'Active' } });
    expect(employee(hired.id)).toMatchObject({ securityRoleId: 2, departmentId: 6, jobTitleId: 5, locationId: 1, isActive: true });
  });
});

function person(mailbox: string, firstName: string, lastName: string): DirectoryFacts {
  const email = `${unique(mailbox)}@contoso.com`;
  return { username: email, email, firstName, lastName, domain: 'contoso.com', groups: ['BMS-Techs'] };
}

test('9. the login webhook replayed (same webhook-id) after the employee exists answers provisioned; the first answer, pending, is not replayed', async () => {
  const paul = person('paul.pending', 'Paul', 'Pending');
  const userId = await createBrokerUser(admin, stack.realm, paul, true);
  const login = loginWebhook(stack, userId, paul);
  stack.emulator.setFaults({ down: true, pathPrefix: '/v2/hr/employees' });
  const first = await login.send();
  expect(first).toMatchObject({ status: 200, answer: { status: 'pending' } });
  stack.emulator.setFaults({});

  const [hired] = await eventually(() => employees(paul.email).length > 0 && employees(paul.email), 'the employee once BMS is back', 20_000);
  await settled(stack, userId, 'the login job');
  const again = await login.send();
  expect(again).toMatchObject({ status: 200, answer: { status: 'provisioned', employeeId: hired.id } });
  expect(employees(paul.email)).toHaveLength(1);
});

describe('10. a create whose answer is lost is never retried blindly (a lenient BMS accepts duplicate user names)', () => {
  test('BMS commits the create and answers 500: the person lands on the one employee there is', async () => {
    stack.emulator.settings.allowDuplicateUserNames = true;
    stack.emulator.setFaults({ commitThenFail: { count: 1, status: 500 }, path: '/v2/hr/employees', method: 'POST' });
    const lee = await addPerson(admin, techs('lee.lost', 'Lee', 'Lost'));
    const seen = await signIn(lee);
    expect(seen).toMatchObject({ where: 'employee', name: 'Lee Lost' });
    const user = await brokerUser(lee);
    await eventually(() => loginsOf(stack.tap, user.id).some((d) => d.status === 200), "the bridge to answer Lee's login", 15_000);
    await settled(stack, user.id, 'the login job');
    expect(createsFor(stack.emulator, lee.email).map((c) => c.fault ?? 'answered')).toEqual(['commit-then-500']);
    const [hired, ...more] = employees(lee.email);
    expect(more).toEqual([]);
    await writtenBack(user.id, hired.id);
  });

  test('BMS commits the create and never answers (past the client\'s timeout): the next attempt searches by e-mail and links it', async () => {
    stack.emulator.settings.allowDuplicateUserNames = true;
    stack.emulator.setFaults({ commitThenFail: { count: 1, hang: true }, path: '/v2/hr/employees', method: 'POST' });
    const tim = person('tim.timeout', 'Tim', 'Timeout');
    const userId = await createBrokerUser(admin, stack.realm, tim, true);
    const answer = await loginWebhook(stack, userId, tim).send();
    expect(answer.status).toBe(200);
    expect(['provisioned', 'pending']).toContain(answer.answer.status);
    const [hired] = await eventually(() => employees(tim.email).length > 0 && employees(tim.email), 'the committed employee', 15_000);
    await settled(stack, userId, 'the login job');
    const creates = createsFor(stack.emulator, tim.email);
    expect(creates.map((c) => c.fault ?? 'answered')).toEqual(['commit-then-hang']);
    expect(searchesFor(stack.emulator, tim.email).filter((s) => s.index > creates[0].index)).not.toEqual([]);
    expect(employees(tim.email)).toEqual([expect.objectContaining({ id: hired.id, isActive: true })]);
    await writtenBack(userId, hired.id);
  });
});

test('11. a new hire\'s login runs ahead of a sweep\'s backlog of background jobs', async () => {
  const BACKLOG = 120;
  const tag = unique('backlog');
  for (let n = 0; n < BACKLOG; n += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, BACKLOG - n) }, (_, i) => {
        const email = `${tag}-${n + i}@contoso.com`;
        return createBrokerUser(admin, stack.realm, { username: email, email, firstName: 'Back', lastName: `Log${n + i}`, domain: 'contoso.com', groups: ['BMS-Techs'] }, true);
      }),
    );
  }
  const backlog = () => createCalls(stack.emulator).filter((c) => c.email?.startsWith(`${tag}-`));

  // a slow BMS, and a sweep that finds every one of them marked and unprovisioned: a queue of background jobs
  stack.emulator.setFaults({ latencyMs: 100, pathPrefix: '/v2/hr' });
  const sweeping = sweep(stack).catch((err: Error) => err);
  await eventually(() => backlog().length >= 5, 'the backlog to be under way', 60_000);

  const nia = await addPerson(admin, techs('nia.newhire', 'Nia', 'Newhire'));
  const seen = await signIn(nia);
  expect(seen).toMatchObject({ where: 'employee', name: 'Nia Newhire', fields: { Status: 'Active' } });
  const [asked] = loginsOf(stack.tap, (await brokerUser(nia)).id);
  expect(asked.answer).toMatchObject({ status: 'provisioned' });

  // ordering from BMS's call log: the backlog's creates still to come when the login asked, and how many of those
  // BMS got before the new hire's create (first in, first out: all of them)
  const [hire] = createsFor(stack.emulator, nia.email);
  const waiting = BACKLOG - backlog().filter((c) => c.at < asked.at).length;
  const wentFirst = backlog().filter((c) => c.at >= asked.at && c.index < hire.index).length;
  expect(waiting).toBeGreaterThanOrEqual(50); // a backlog was really waiting
  expect(wentFirst).toBeLessThanOrEqual(waiting / 2);
  stack.emulator.setFaults({});
  void sweeping; // the rest of the backlog goes on; the bridge stops after this file
});
