import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type { Browser, Page } from 'playwright-core';

import { signInAtStandIn } from '../e2e/passly-login';
import { PASSLY_REALM, STAND_IN_PASSWORD } from '../stack/passly-stand-in';
import { unique } from './admin';

/**
 * People of the converge tests: in the Passly stand-in (their directory: mail, groups, domain and names can change,
 * as in AD), and what they see at the BMS portal after a sign-in.
 */
export interface Person {
  /** the stand-in user's id */
  id: string;
  /** their sign-in name at the stand-in, also the NameID, so also their username in the broker realm */
  username: string;
  /** the `mail` Passly sends now */
  email: string;
  firstName: string;
  lastName: string;
  /** changes what Passly sends from their next Passly login on */
  update(changes: { mail?: string; groups?: string[]; domain?: string; firstName?: string; lastName?: string }): Promise<void>;
}

export interface NewPerson {
  firstName: string;
  lastName: string;
  /** the local part of the username; a random suffix keeps runs apart */
  mailbox: string;
  domain: string;
  groups: string[];
  /** the mail attribute when it is not the username (a shared or seeded address) */
  mail?: string;
}

const created: string[] = [];

/** Adds a person to the stand-in (password: the stand-in's). */
export async function addPerson(admin: KcAdminClient, person: NewPerson): Promise<Person> {
  const username = `${unique(person.mailbox)}@${person.domain}`;
  const self: Person = {
    id: '',
    username,
    email: person.mail ?? username,
    firstName: person.firstName,
    lastName: person.lastName,
    update: async (changes) => {
      const current = await admin.users.findOne({ realm: PASSLY_REALM, id: self.id, userProfileMetadata: false });
      const attributes = { ...(current?.attributes ?? {}) } as Record<string, string[]>;
      if (changes.mail !== undefined) attributes.mail = [changes.mail];
      if (changes.groups !== undefined) attributes.securityGroup = changes.groups;
      if (changes.domain !== undefined) attributes.domain = [changes.domain];
      await admin.users.update(
        { realm: PASSLY_REALM, id: self.id },
        { ...current, firstName: changes.firstName ?? current?.firstName, lastName: changes.lastName ?? current?.lastName, attributes },
      );
      if (changes.mail !== undefined) self.email = changes.mail;
      if (changes.firstName !== undefined) self.firstName = changes.firstName;
      if (changes.lastName !== undefined) self.lastName = changes.lastName;
    },
  };
  const { id } = await admin.users.create({
    realm: PASSLY_REALM,
    username,
    firstName: person.firstName,
    lastName: person.lastName,
    enabled: true,
    attributes: { mail: [self.email], upn: [username], domain: [person.domain], securityGroup: person.groups },
    credentials: [{ type: 'password', value: STAND_IN_PASSWORD, temporary: false }],
  });
  self.id = id;
  created.push(id);
  return self;
}

/** Removes the stand-in people this file added (the stand-in realm is shared with other test files). */
export async function removePeople(admin: KcAdminClient): Promise<void> {
  for (const id of created.splice(0)) await admin.users.del({ realm: PASSLY_REALM, id }).catch(() => undefined);
}

/** Where a sign-in at the portal ended, as the person sees it. */
export interface Landing {
  /** employee: their BMS page; no-employee: the portal found nobody; keycloak-error: Keycloak stopped the sign-in */
  where: 'employee' | 'no-employee' | 'keycloak-error' | 'portal-refused';
  /** the employee page's heading (first and last name) */
  name?: string;
  /** the employee page's fields: 'Employee id', 'E-mail', 'Security role', 'Department', 'Status', … */
  fields: Record<string, string>;
  /** the page's visible text */
  text: string;
}

/** In a fresh browser context, opens the portal, signs in at the stand-in, and reports where the person landed. */
export async function signInAtPortal(browser: Browser, portalUrl: string, person: Person): Promise<Landing> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(portalUrl);
    await signInAtStandIn(page, person.username);
    return await landing(page);
  } finally {
    await context.close();
  }
}

async function landing(page: Page): Promise<Landing> {
  const employee = page.locator('#employee-name');
  const none = page.getByText(/No BMS employee exists for/);
  const kcError = page.locator('#kc-error-message');
  const refused = page.getByText('Sign-in refused');
  await employee.or(none).or(kcError).or(refused).first().waitFor({ timeout: 30_000 });
  const text = await page.locator('body').innerText();
  if (await employee.count()) {
    const fields: Record<string, string> = {};
    for (const cell of await page.locator('td[data-field]').all()) fields[(await cell.getAttribute('data-field')) ?? '?'] = await cell.innerText();
    return { where: 'employee', name: (await employee.innerText()).trim(), fields, text };
  }
  if (await kcError.count()) return { where: 'keycloak-error', fields: {}, text: (await kcError.innerText()).trim() };
  return { where: (await none.count()) ? 'no-employee' : 'portal-refused', fields: {}, text };
}
