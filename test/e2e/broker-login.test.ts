import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type { Browser, Page } from 'playwright-core';

import { adminClient, findUserByUsername } from '../support/admin';
import { stackInfo } from '../support/stack-info';
import { PASSLY_REALM, standInUser, StandInUser } from '../stack/passly-stand-in';
import { launchBrowser } from './browser';
import { signInAtStandIn, waitForText } from './passly-login';
import { untrustingBrokerRealm } from '../support/untrusting-realm';

let browser: Browser;
let admin: KcAdminClient;
const { baseUrl, brokerRealm } = stackInfo();

beforeAll(async () => {
  browser = await launchBrowser();
  admin = await adminClient();
});

afterAll(async () => {
  await browser?.close();
});

/** Opens the broker realm's account console in a fresh browser context and signs in at the stand-in. */
async function loginThroughBroker(username: string, realm = brokerRealm): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${baseUrl}/realms/${realm}/account`);
  await signInAtStandIn(page, username);
  return page;
}

/** Logs in through the broker and waits until the account console shows the user, so Keycloak finished the login. */
async function completeLogin(username: string): Promise<void> {
  const page = await loginThroughBroker(username);
  await expectSignedInToAccountConsole(page, standInUser(username));
  await page.context().close();
}

async function expectSignedInToAccountConsole(page: Page, user: StandInUser): Promise<void> {
  await page.waitForURL(`${baseUrl}/realms/${brokerRealm}/account**`, { timeout: 30_000 });
  await page.getByText('Personal info').first().waitFor({ timeout: 30_000 });
  expect(await page.locator('#firstName').inputValue()).toBe(user.firstName);
}

/** Keycloak lower-cases stored e-mail addresses; the SAML assertion carries them as the directory has them. */
const storedEmail = (user: StandInUser): string | undefined => user.email?.toLowerCase();

describe('a Passly user logging in through the broker', () => {
  test.each([
    ['ada.lovelace@contoso.com', 'several groups, plain names and a distinguished name, with Domain'],
    ['grace.hopper@contoso.com', 'a group given as a distinguished name, no Domain attribute'],
    ['linus.pauling@fabrikam.com', 'the second AD domain'],
    ['zoe.angstrom@contoso.com', 'non-ASCII names and group'],
    ['margaret.hamilton@contoso.com', 'an e-mail address with upper-case letters'],
  ])('%s (%s) comes back signed in, with every imported attribute on the Keycloak user', async (username) => {
    const expected = standInUser(username);
    const page = await loginThroughBroker(username);
    await expectSignedInToAccountConsole(page, expected);

    const user = await findUserByUsername(admin, brokerRealm, username);
    expect(user).toBeDefined();
    expect(user?.email).toBe(storedEmail(expected));
    expect(user?.firstName).toBe(expected.firstName);
    expect(user?.lastName).toBe(expected.lastName);
    expect(user?.attributes?.upn).toEqual([expected.upn]);
    expect(user?.attributes?.ad_domain).toEqual(expected.domain ? [expected.domain] : undefined);
    expect([...(user?.attributes?.ad_groups ?? [])].sort()).toEqual([...expected.groups].sort());

    const links = await admin.users.listFederatedIdentities({ realm: brokerRealm, id: user?.id ?? '' });
    expect(links).toEqual([expect.objectContaining({ identityProvider: 'passly', userName: username })]);
    // the account console never shows the admin-only attributes
    expect(await page.locator('body').innerText()).not.toContain(expected.groups[0]);
    await page.context().close();
  });

  test('a later change of groups in the directory reaches Keycloak on the next login (sync mode FORCE)', async () => {
    const username = 'linus.pauling@fabrikam.com';
    await completeLogin(username);
    const [passlyUser] = await admin.users.find({ realm: PASSLY_REALM, username, exact: true, briefRepresentation: false });
    const original = passlyUser.attributes ?? {};
    const changed = { ...original, securityGroup: ['BMS-Techs', 'CN=BMS-Dispatch,OU=Groups,DC=fabrikam,DC=com'], domain: ['fabrikam.net'] };
    await admin.users.update({ realm: PASSLY_REALM, id: passlyUser.id ?? '' }, { ...passlyUser, attributes: changed });
    try {
      await completeLogin(username);
      const user = await findUserByUsername(admin, brokerRealm, username);
      expect([...(user?.attributes?.ad_groups ?? [])].sort()).toEqual(['BMS-Techs', 'CN=BMS-Dispatch,OU=Groups,DC=fabrikam,DC=com']);
      expect(user?.attributes?.ad_domain).toEqual(['fabrikam.net']);
    } finally {
      await admin.users.update({ realm: PASSLY_REALM, id: passlyUser.id ?? '' }, { ...passlyUser, attributes: original });
    }
  });

  test('a user whom Passly sends without an e-mail gets a clear error page and no Keycloak user is created', async () => {
    const username = 'ken.thompson@fabrikam.com';
    const page = await loginThroughBroker(username);
    const text = await waitForText(page, 'did not send your e-mail address');
    expect(text).toContain('Ask your IT administrator');
    expect(await findUserByUsername(admin, brokerRealm, username)).toBeUndefined();
    await page.context().close();
  });

  test('an existing local account with the same e-mail is not linked silently: Keycloak asks, and nothing is linked', async () => {
    const joan = standInUser('joan.clarke@contoso.com');
    const { id } = await admin.users.create({ realm: brokerRealm, username: 'joan.local', email: joan.email, enabled: true, firstName: 'Joan', lastName: 'Local' });
    const page = await loginThroughBroker(joan.username);
    await waitForText(page, /already exists/);
    expect(await admin.users.listFederatedIdentities({ realm: brokerRealm, id })).toEqual([]);
    expect(await findUserByUsername(admin, brokerRealm, joan.username)).toBeUndefined();
    await page.context().close();
  });
});

describe('SAML signature validation', () => {
  test('an assertion signed with a key the broker does not trust is refused and no user is created', async () => {
    const { realm, cleanup } = await untrustingBrokerRealm(admin, baseUrl);
    try {
      const username = 'grace.hopper@contoso.com';
      const page = await loginThroughBroker(username, realm);
      await page.waitForURL(`${baseUrl}/realms/${realm}/broker/passly/endpoint**`, { timeout: 30_000 });
      await waitForText(page, /unexpected error|invalid/i);
      expect(await findUserByUsername(admin, realm, username)).toBeUndefined();
      const events = await admin.realms.findEvents({ realm, type: 'IDENTITY_PROVIDER_RESPONSE_ERROR' });
      expect(events.some((e) => e.error === 'invalid_signature')).toBe(true);
      await page.context().close();
    } finally {
      await cleanup();
    }
  });
});
