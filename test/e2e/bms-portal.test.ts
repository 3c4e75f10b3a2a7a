import type { Browser, Page } from 'playwright-core';

import { adminClient } from '../support/admin';
import { stackInfo } from '../support/stack-info';
import { launchBrowser } from './browser';
import { signInAtStandIn, waitForText } from './passly-login';

let browser: Browser;
const { bmsPortalUrl, bmsApiUrl, brokerRealm } = stackInfo();

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

interface Landing {
  page: Page;
  text: string;
  /** the SAMLResponse Keycloak posted to the portal, decoded */
  samlResponse: string;
}

/** Starts at the BMS portal, goes through Keycloak and the Passly stand-in, and returns where the user lands. */
async function loginAtPortal(username: string, expected: string | RegExp): Promise<Landing> {
  const page = await (await browser.newContext()).newPage();
  let samlResponse = '';
  page.on('request', (req) => {
    if (req.method() === 'POST' && req.url().startsWith(`${bmsPortalUrl}/saml/connect.aspx`)) {
      samlResponse = Buffer.from(new URLSearchParams(req.postData() ?? '').get('SAMLResponse') ?? '', 'base64').toString('utf8');
    }
  });
  await page.goto(bmsPortalUrl);
  await signInAtStandIn(page, username);
  const text = await waitForText(page, expected);
  return { page, text, samlResponse };
}

async function employeeCount(): Promise<number> {
  return ((await (await fetch(`${bmsApiUrl}/_emulator/employees`)).json()) as unknown[]).length;
}

describe('the BMS portal behind the broker, with the bridge provisioning during the login', () => {
  test('a user in two matching groups gets the lower-order rule', async () => {
    const { page } = await loginAtPortal('ada.lovelace@contoso.com', 'Ada Lovelace');
    expect(await page.locator('[data-field="Security role"]').innerText()).toBe('Technician'); // rule 20, not 40 (Administrator)
    expect(await page.locator('[data-field="Location"]').innerText()).toBe('Branch North');
    await page.context().close();
  });

  test('a user no rule matches is denied under the deny policy, with the same clear page', async () => {
    const before = await employeeCount();
    const { page } = await loginAtPortal('dennis.ritchie@contoso.com', /not set up to use BMS/);
    expect(await employeeCount()).toBe(before);
    await page.context().close();
  });

  test('a user matched by a deny rule sees the bridge\'s message on Keycloak\'s error page, and no employee is created', async () => {
    const before = await employeeCount();
    const { page } = await loginAtPortal('linus.pauling@fabrikam.com', /not set up to use BMS/);
    expect(page.url()).not.toContain(bmsPortalUrl);
    expect(await employeeCount()).toBe(before);
    await page.context().close();
  });

  test('a user whose e-mail matches a seeded employee in another case lands on that employee page', async () => {
    const before = await employeeCount();
    const { page, text } = await loginAtPortal('margaret.hamilton@contoso.com', 'Margaret Hamilton');
    expect(await page.locator('[data-field="Employee id"]').innerText()).toBe('101');
    expect(await page.locator('[data-field="Department"]').innerText()).toBe('Professional Services');
    expect(await page.locator('[data-field="Security role"]').innerText()).toBe('Technician');
    expect(await page.locator('[data-field="Location"]').innerText()).toBe('Branch North');
    expect(text).not.toContain('No BMS employee');
    expect(await employeeCount()).toBe(before);
    const admin = await adminClient();
    const [user] = await admin.users.find({ realm: brokerRealm, username: 'margaret.hamilton@contoso.com', exact: true, briefRepresentation: false });
    expect(user.attributes?.bms_employee_id).toEqual(['101']);
    await page.context().close();
  });

  test('a new user lands on their own employee page on the first try, made from the winning rule', async () => {
    const { page, samlResponse } = await loginAtPortal('zoe.angstrom@contoso.com', 'Zoë Ångström-Müller');
    // rule 30 (BMS-Dispatch) of keycloak-realm.json
    expect(await page.locator('[data-field="Department"]').innerText()).toBe('Service Desk');
    expect(await page.locator('[data-field="Security role"]').innerText()).toBe('Dispatcher');
    expect(await page.locator('[data-field="Location"]').innerText()).toBe('Branch South');
    const attribute = (name: string): Promise<string> => page.locator(`[data-attribute="${name}"]`).innerText();
    expect(await attribute('CompanyName')).toBe('Contoso MSP');
    expect(await attribute('Email')).toBe('zoe.angstrom@contoso.com');
    expect(await attribute('FirstName')).toBe('Zoë');
    expect(await attribute('LastName')).toBe('Ångström-Müller');
    expect(await attribute('Username')).toBe('zoe.angstrom@contoso.com');
    expect((await attribute('SecurityGroup')).split('\n').sort()).toEqual(['BMS-Dispatch', 'CN=Ünïcode Gröup,OU=Groups,DC=contoso,DC=com']);
    // Keycloak signed the response and the assertion, with RSA-SHA256
    expect(samlResponse.match(/<(?:\w+:)?Signature[\s>]/g)?.length).toBe(2);
    expect(samlResponse).toContain('Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"');
    expect(samlResponse).not.toContain('rsa-sha1');
    await page.context().close();
  });
});
