import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type { Browser, Page } from 'playwright-core';

import { PASSLY_REALM } from '../stack/passly-stand-in';
import { adminClient, findUserByUsername } from '../support/admin';
import { eventually } from '../support/eventually';
import { stackInfo } from '../support/stack-info';
import { addStandInUser, StandInPerson } from '../support/stand-in-users';
import { launchBrowser } from './browser';
import { signInAtStandIn } from './passly-login';
import { EmulatorEmployee, employeesWith } from '../support/bms-employees';

/**
 * Issue 11, failure 9: names as the directory holds them, with characters Keycloak's default user-profile validators
 * refuse, still sign in through a real browser and get their BMS employee. On the shared stack (the real bridge, the
 * BMS emulator, the portal); each test has its own stand-in person, whose names the stand-in sends in the assertion.
 */
const { brokerRealm, bmsPortalUrl } = stackInfo();
let browser: Browser;
let admin: KcAdminClient;

beforeAll(async () => {
  browser = await launchBrowser();
  admin = await adminClient();
});
afterAll(async () => {
  await browser?.close();
});

/**
 * Every character Keycloak 26.7's `person-name-prohibited-characters` refuses in a first or last name (besides control
 * characters), from its source; the names below hold each of them, so the test covers the whole validator.
 */
const REFUSED_IN_PERSON_NAMES = [...'<>&"$%!#?§;*~/\\|^=[]{}()'];

/** Names the directory holds, one pair per sign-in, each refused by Keycloak's default validators. */
const DIRECTORY_NAMES = [
  { firstName: 'Ada & Co/Ops', lastName: 'Lovelace (Contractor)' },
  { firstName: '{Temp} #1', lastName: "O'Brien / Müller" },
  { firstName: '"JL" = Jean-Luc?!', lastName: 'Smith; Jr. [50% ~ $*] <Interim> \\|^ § 7' },
] as const;

/**
 * A mailbox AD accepts and Keycloak's defaults do not: the apostrophe trips `username-prohibited-characters` (it is in
 * the UPN, the NameID and so the Keycloak username), the two dots in a row the `email` validator.
 */
const APOSTROPHE_MAILBOX = "o'brien..lovelace";

/** The one BMS employee with this e-mail address; fails when there is none or more than one. */
async function theEmployeeOf(email: string): Promise<EmulatorEmployee> {
  const found = await employeesWith(email);
  expect(found).toHaveLength(1);
  return found[0];
}

/**
 * The directory renames the person: the stand-in sends the new names from their next Passly login on. Reads the
 * stand-in user back, so a stand-in that changed or refused the names fails here and not later at BMS.
 */
async function renameInDirectory(person: StandInPerson, names: { firstName: string; lastName: string }): Promise<void> {
  const current = await admin.users.findOne({ realm: PASSLY_REALM, id: person.id, userProfileMetadata: false });
  await admin.users.update({ realm: PASSLY_REALM, id: person.id }, { ...current, ...names });
  const stored = await admin.users.findOne({ realm: PASSLY_REALM, id: person.id, userProfileMetadata: false });
  expect({ firstName: stored?.firstName, lastName: stored?.lastName }).toEqual(names);
}

/**
 * A fresh login at the BMS portal (new browser context, so a new Passly login): resolves with the page once the
 * person lands on an employee page; fails with what the browser shows instead, naming Keycloak's review-profile page.
 */
async function signInAtPortal(person: StandInPerson): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(bmsPortalUrl);
  await signInAtStandIn(page, person.username);
  const reviewProfile = page.locator('#kc-idp-review-profile-form');
  try {
    await page.locator('#employee-name, #kc-idp-review-profile-form').first().waitFor({ timeout: 30_000 });
  } catch {
    throw new Error(`no employee page after the sign-in of ${person.username}; the browser is at ${page.url()}:\n${await page.locator('body').innerText()}`);
  }
  if (await reviewProfile.count()) {
    throw new Error(`Keycloak stopped ${person.username} on its review-profile page (the realm's user profile refuses data from the directory):\n${await page.locator('body').innerText()}`);
  }
  return page;
}

/** What the portal page shows: the employee's heading and id, and the SAML attributes BMS received from the broker. */
async function portalView(page: Page): Promise<{ heading: string; employeeId: string; firstName: string; lastName: string; username: string }> {
  const text = (selector: string): Promise<string> => page.locator(selector).innerText();
  return {
    heading: await text('#employee-name'),
    employeeId: await text('[data-field="Employee id"]'),
    firstName: await text('[data-attribute="FirstName"]'),
    lastName: await text('[data-attribute="LastName"]'),
    username: await text('[data-attribute="Username"]'),
  };
}

/** Waits until the broker user carries this bms_employee_id (the bridge writes it back after creating the employee). */
async function writtenBack(username: string, employeeId: number): Promise<void> {
  await eventually(async () => (await findUserByUsername(admin, brokerRealm, username))?.attributes?.bms_employee_id?.[0] === String(employeeId), `bms_employee_id ${employeeId} on ${username}`);
}

test('the names used here hold every character Keycloak refuses in person names by default', () => {
  const used = DIRECTORY_NAMES.flatMap((n) => [...n.firstName, ...n.lastName]);
  expect(REFUSED_IN_PERSON_NAMES.filter((c) => !used.includes(c))).toEqual([]);
});

describe('directory names that Keycloak\'s default validators refuse', () => {
  test('a new user lands on their own employee page on the first try, and BMS gets exactly the directory\'s names', async () => {
    const names = DIRECTORY_NAMES[0];
    const person = await addStandInUser(admin, { ...names, mailbox: APOSTROPHE_MAILBOX, domain: 'contoso.com', groups: ['BMS-Techs'] });
    expect(person.username).toMatch(/^o'brien\.\.lovelace/); // the stand-in's NameID (its username), UPN and e-mail as AD has them

    const page = await signInAtPortal(person);
    const employee = await theEmployeeOf(person.email);
    expect(employee).toMatchObject({ ...names, emailAddress: person.email, userName: person.username, isActive: true });
    const view = await portalView(page);
    expect(view).toEqual({ heading: `${names.firstName} ${names.lastName}`, employeeId: String(employee.id), firstName: names.firstName, lastName: names.lastName, username: person.username });
    expect(await page.locator('[data-field="Security role"]').innerText()).toBe('Technician'); // rule 20

    const user = await findUserByUsername(admin, brokerRealm, person.username);
    expect(user).toMatchObject({ username: person.username, email: person.email, ...names });
    expect(user?.attributes?.upn).toEqual([person.username]);
    await writtenBack(person.username, employee.id);
    await page.context().close();
  });

  test('when the directory renames them to other refused forms, each later sign-in succeeds and the employee\'s names follow', async () => {
    const [first, ...renames] = DIRECTORY_NAMES;
    const person = await addStandInUser(admin, { ...first, mailbox: 'renamed.often', domain: 'contoso.com', groups: ['BMS-Techs'] });
    await (await signInAtPortal(person)).context().close();
    const { id } = await theEmployeeOf(person.email);
    await writtenBack(person.username, id);

    for (const names of renames) {
      await renameInDirectory(person, names);
      const page = await signInAtPortal(person);
      expect((await portalView(page)).employeeId).toBe(String(id)); // the same employee, never a second one
      expect(await findUserByUsername(admin, brokerRealm, person.username)).toMatchObject(names); // Passly's names, FORCE-synced
      // the realm's defaults keep `names` in sync: the bridge patches the employee at this login
      await eventually(async () => {
        const now = await theEmployeeOf(person.email);
        return now.firstName === names.firstName && now.lastName === names.lastName;
      }, `BMS employee ${id} renamed to ${names.firstName} ${names.lastName}`);
      expect(await theEmployeeOf(person.email)).toMatchObject({ id, ...names, isActive: true });
      await page.context().close();
    }
    expect((await findUserByUsername(admin, brokerRealm, person.username))?.attributes?.bms_employee_id).toEqual([String(id)]);
  });

  test('an existing Keycloak user whose directory names turn refused gets their employee later, and the write-back lands', async () => {
    // a user Keycloak already holds: FORCE sync stores the refused names at their next login, and the bridge's
    // write-back of bms_employee_id must land on that user all the same (it must not run their profile's validators)
    const person = await addStandInUser(admin, { firstName: 'Nora', lastName: 'Plain', mailbox: 'nora.plain', domain: 'contoso.com', groups: ['Domain Users'] });
    const denied = await (await browser.newContext()).newPage();
    await denied.goto(bmsPortalUrl);
    await signInAtStandIn(denied, person.username);
    await denied.getByText(/not set up to use BMS/).first().waitFor({ timeout: 30_000 }); // no rule covers them yet
    await denied.context().close();
    expect(await findUserByUsername(admin, brokerRealm, person.username)).toMatchObject({ firstName: 'Nora', lastName: 'Plain' });

    const names = DIRECTORY_NAMES[2];
    await renameInDirectory(person, names);
    await person.update({ groups: ['BMS-Techs'] });
    const page = await signInAtPortal(person);
    const employee = await theEmployeeOf(person.email);
    expect(employee).toMatchObject({ ...names, isActive: true });
    expect((await portalView(page)).heading).toBe(`${names.firstName} ${names.lastName}`);
    await writtenBack(person.username, employee.id);
    await page.context().close();
  });
});
