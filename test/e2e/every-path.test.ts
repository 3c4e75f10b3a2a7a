import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { STAND_IN_PASSWORD } from '../stack/passly-stand-in';
import type { TappedDelivery } from '../stack/webhook-tap';
import { adminClient, findUserByUsername, unique } from '../support/admin';
import { stackInfo } from '../support/stack-info';
import { addStandInUser, NewStandInUser, StandInPerson } from '../support/stand-in-users';
import { withStepSettings } from '../support/provisioning-step';
import { launchBrowser } from './browser';
import { expectAccountConsole, loginAtAccountConsole, signInAtStandIn, waitForText } from './passly-login';
import { employeesWith } from '../support/bms-employees';

/**
 * Every way a person can reach BMS through Keycloak runs the provisioning step, on the shared stack (the real bridge,
 * the BMS emulator, the portal). Webhooks are counted by the recording tap between Keycloak and the bridge; BMS calls
 * by the emulator's call log. Each test has its own stand-in people.
 */
const { baseUrl, brokerRealm, bmsPortalUrl, bmsApiUrl, webhookTapUrl } = stackInfo();
const DENIED = /not set up to use BMS/;
let browser: Browser;
let admin: KcAdminClient;

beforeAll(async () => {
  if (!webhookTapUrl) throw new Error('these tests count webhooks with the stack\'s tap: run them with `npm test`, or against `DEMO_TAP_WEBHOOKS=1 npm run demo`');
  browser = await launchBrowser();
  admin = await adminClient();
});
afterAll(async () => {
  await browser?.close();
});

const techs = (mailbox: string, first: string, last: string): NewStandInUser => ({ firstName: first, lastName: last, mailbox, domain: 'contoso.com', groups: ['BMS-Techs'] });

/** The login webhooks the tap saw for the broker user with this username. */
async function loginsOf(username: string): Promise<TappedDelivery[]> {
  const user = await findUserByUsername(admin, brokerRealm, username);
  if (!user?.id) return [];
  const tap = (webhookTapUrl ?? '').replace(/\/webhooks\/keycloak$/, '');
  return (await (await fetch(`${tap}/_tap/deliveries?userId=${user.id}&type=login.provisioning_requested`)).json()) as TappedDelivery[];
}

/** The BMS API calls that mention this text (an e-mail, or "/employees/<id>"), from the emulator's log. */
async function bmsCallsAbout(text: string): Promise<number> {
  return ((await (await fetch(`${bmsApiUrl}/_emulator/calls?about=${encodeURIComponent(text)}`)).json()) as { count: number }).count;
}

/** Every URL the page's main frame visits, to tell which path a login took. */
function visits(page: Page): string[] {
  const urls: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) urls.push(frame.url());
  });
  return urls;
}

/** A person who already holds a Keycloak session from another application (the broker's account console). */
async function withSessionFromAnotherApp(person: StandInPerson): Promise<Page> {
  const page = await loginAtAccountConsole(browser, baseUrl, brokerRealm, person.username);
  await expectAccountConsole(page, baseUrl, brokerRealm);
  return page;
}

/** An ordinary login at the portal, in a new browser context: the person lands on their employee page. */
async function signedInAtPortal(person: StandInPerson, name: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(bmsPortalUrl);
  await signInAtStandIn(page, person.username);
  await waitForText(page, name);
  return page;
}

/** A first, ordinary login at the portal: the person gets their employee; the context (and its session) is closed. */
async function provisionedAtPortal(person: StandInPerson, name: string): Promise<void> {
  await (await signedInAtPortal(person, name)).context().close();
}

describe('a sign-in from an existing Keycloak session (another application signed the person in)', () => {
  test('a new user lands on their own employee page on the first try, without seeing Passly again', async () => {
    const sam = await addStandInUser(admin, techs('sam.first', 'Sam', 'First'));
    const page = await withSessionFromAnotherApp(sam);
    expect(await loginsOf(sam.username)).toEqual([]); // the account console is not gated
    const urls = visits(page);
    await page.goto(bmsPortalUrl);
    await waitForText(page, 'Sam First');
    expect(await page.locator('[data-field="Security role"]').innerText()).toBe('Technician'); // rule 20
    expect(await page.locator('[data-field="Status"]').innerText()).toBe('Active');
    expect(urls.filter((u) => u.includes('/realms/passly/'))).toEqual([]); // the session signed them in, not Passly
    const logins = await loginsOf(sam.username);
    expect(logins).toHaveLength(1);
    expect(logins[0]).toMatchObject({ clientId: bmsPortalUrl, status: 200, answer: { status: 'provisioned' } });
    const user = await findUserByUsername(admin, brokerRealm, sam.username);
    expect(user?.attributes?.bms_provisioning_requested_at?.[0]).toMatch(/^\d{4}-/);
    await page.context().close();
  });

  test('a user a deny rule matches sees the deny page, and BMS never gets a SAML response or an employee', async () => {
    const seller = await addStandInUser(admin, { firstName: 'Sal', lastName: 'Seller', mailbox: 'sal.seller', domain: 'fabrikam.com', groups: ['BMS-Sales'] });
    const page = await withSessionFromAnotherApp(seller);
    const portalPosts: string[] = [];
    page.on('request', (r) => r.url().startsWith(bmsPortalUrl) && r.method() === 'POST' && portalPosts.push(r.url()));
    await page.goto(bmsPortalUrl);
    await waitForText(page, DENIED);
    expect(page.url()).not.toContain(bmsPortalUrl);
    expect(portalPosts).toEqual([]);
    expect(await employeesWith(seller.email)).toEqual([]);
    expect((await loginsOf(seller.username)).map((d) => d.answer)).toEqual([expect.objectContaining({ status: 'denied' })]);
    await page.context().close();
  });

  test('a provisioned user lands on their page, and that login costs zero BMS calls', async () => {
    const pat = await addStandInUser(admin, techs('pat.returning', 'Pat', 'Returning'));
    await provisionedAtPortal(pat, 'Pat Returning');
    const [employee] = await employeesWith(pat.email);
    const page = await withSessionFromAnotherApp(pat);
    const before = (await bmsCallsAbout(pat.email)) + (await bmsCallsAbout(`/employees/${employee.id}`));
    await page.goto(bmsPortalUrl);
    await waitForText(page, 'Pat Returning');
    const after = (await bmsCallsAbout(pat.email)) + (await bmsCallsAbout(`/employees/${employee.id}`));
    expect(after - before).toBe(0);
    const logins = await loginsOf(pat.username);
    expect(logins).toHaveLength(2);
    expect(logins[1].answer).toMatchObject({ status: 'provisioned', employeeId: employee.id });
    await page.context().close();
  });

  test('a provisioned user later moved into a deny group is refused at BMS, though another app signed them in', async () => {
    const mover = await addStandInUser(admin, techs('mo.mover', 'Mo', 'Mover'));
    await provisionedAtPortal(mover, 'Mo Mover');
    await mover.update({ domain: 'fabrikam.com', groups: ['BMS-Sales'] }); // AD moved them; Passly sends it at the next login
    const page = await withSessionFromAnotherApp(mover); // that login refreshes their attributes in Keycloak
    await page.goto(bmsPortalUrl);
    await waitForText(page, DENIED);
    expect(page.url()).not.toContain(bmsPortalUrl);
    expect((await loginsOf(mover.username)).map((d) => (d.answer as { status: string }).status)).toEqual(['provisioned', 'denied']);
    await page.context().close();
  });

  test('an admin who changes the person\'s groups in Keycloak is obeyed at the next BMS sign-in from the same session', async () => {
    const ari = await addStandInUser(admin, techs('ari.admin', 'Ari', 'Admin'));
    const page = await signedInAtPortal(ari, 'Ari Admin');
    const user = await findUserByUsername(admin, brokerRealm, ari.username);
    // the stored attributes are what every path reads: an admin's change counts at once, with no new Passly login
    await admin.users.update({ realm: brokerRealm, id: user?.id ?? '' }, { ...user, attributes: { ...user?.attributes, ad_domain: ['fabrikam.com'], ad_groups: ['BMS-Sales'] } });
    await page.goto(bmsPortalUrl);
    await waitForText(page, DENIED);
    expect(page.url()).not.toContain(bmsPortalUrl);
    await page.context().close();
  });

  test('a passive request (IsPassive) from BMS: signed in from the session when allowed, refused when denied', async () => {
    const pia = await addStandInUser(admin, techs('pia.passive', 'Pia', 'Passive'));
    const allowed = await signedInAtPortal(pia, 'Pia Passive');
    await allowed.goto(`${bmsPortalUrl}/saml/login?isPassive=true`);
    await waitForText(allowed, 'Pia Passive');
    expect(await loginsOf(pia.username)).toHaveLength(2);
    await allowed.context().close();

    const seller = await addStandInUser(admin, { firstName: 'Pat', lastName: 'Passive', mailbox: 'pat.passive', domain: 'fabrikam.com', groups: ['BMS-Sales'] });
    const denied = await withSessionFromAnotherApp(seller);
    await denied.goto(`${bmsPortalUrl}/saml/login?isPassive=true`);
    // Keycloak may not show its page to a passive request: BMS gets an error status, never an assertion
    await waitForText(denied, 'Sign-in refused');
    expect(await employeesWith(seller.email)).toEqual([]);
    expect((await loginsOf(seller.username)).map((d) => (d.answer as { status: string }).status)).toEqual(['denied']);
    await denied.context().close();
  });

  test('fail-closed with the bridge down: the set-up page, on this path too; fail-open lets the user through', async () => {
    const kim = await addStandInUser(admin, techs('kim.closed', 'Kim', 'Closed'));
    const page = await withSessionFromAnotherApp(kim);
    await withStepSettings(admin, brokerRealm, { 'failure.mode': 'fail-closed', 'bridge.url': 'http://127.0.0.1:9/webhooks/keycloak' }, async () => {
      await page.goto(bmsPortalUrl);
      await waitForText(page, /Your BMS account is being set up/);
      expect(page.url()).not.toContain(bmsPortalUrl);
    });
    await withStepSettings(admin, brokerRealm, { 'bridge.url': 'http://127.0.0.1:9/webhooks/keycloak' }, async () => {
      await page.goto(bmsPortalUrl);
      await waitForText(page, `No BMS employee exists for ${kim.email}`); // fail-open: through, without an employee
    });
    await page.goto(bmsPortalUrl); // the bridge is back: the next sign-in from the same session provisions them
    await waitForText(page, 'Kim Closed');
    await page.context().close();
  });

  test('signing in to a client that is not gated never calls the bridge, even with a BMS session in the browser', async () => {
    const ned = await addStandInUser(admin, techs('ned.notgated', 'Ned', 'Notgated'));
    const page = await signedInAtPortal(ned, 'Ned Notgated');
    expect(await loginsOf(ned.username)).toHaveLength(1);
    await page.goto(`${baseUrl}/realms/${brokerRealm}/account`); // from the session, to the account console
    await expectAccountConsole(page, baseUrl, brokerRealm);
    await page.reload();
    await expectAccountConsole(page, baseUrl, brokerRealm);
    expect(await loginsOf(ned.username)).toHaveLength(1);
    await page.context().close();
  });
});

describe('a sign-in Passly starts (the BMS tile in the Passly portal, IdP-initiated)', () => {
  test('the stand-in posts an unsolicited response to the broker; the new user lands on their employee page', async () => {
    const tia = await addStandInUser(admin, techs('tia.tile', 'Tia', 'Tile'));
    const page = await (await browser.newContext()).newPage();
    const urls = visits(page);
    await page.goto(`${baseUrl}/realms/passly/protocol/saml/clients/bms`); // the stand-in's "BMS tile"
    await signInAtStandIn(page, tia.username);
    await waitForText(page, 'Tia Tile');
    expect(urls.some((u) => u.startsWith(`${bmsPortalUrl}/saml/login`))).toBe(false); // BMS never asked: Passly started it
    const logins = await loginsOf(tia.username);
    expect(logins).toHaveLength(1);
    expect(logins[0]).toMatchObject({ clientId: bmsPortalUrl, answer: { status: 'provisioned' } });
    await page.context().close();
  });
});

describe('re-authentication', () => {
  test('BMS asks for a fresh login (ForceAuthn): the person goes back to Passly and the step runs exactly once', async () => {
    const rae = await addStandInUser(admin, techs('rae.reauth', 'Rae', 'Reauth'));
    const page = await signedInAtPortal(rae, 'Rae Reauth');
    expect(await loginsOf(rae.username)).toHaveLength(1);
    const urls = visits(page);
    await page.goto(`${bmsPortalUrl}/saml/login?forceAuthn=true`);
    // Keycloak passes ForceAuthn on to Passly, which asks this person for their password again: a real re-authentication
    await page.waitForURL(/\/realms\/passly\/login-actions\//);
    expect(await page.locator('#kc-attempted-username').inputValue()).toBe(rae.username);
    await page.fill('#password', STAND_IN_PASSWORD);
    await page.click('#kc-login');
    await page.waitForURL(`${bmsPortalUrl}/saml/connect.aspx`);
    await waitForText(page, 'Rae Reauth');
    expect(urls.some((u) => u.includes('/realms/passly/'))).toBe(true);
    expect(await loginsOf(rae.username)).toHaveLength(2);
    await page.context().close();
  });
});

describe('break-glass: a local Keycloak account signing in with a password', () => {
  /** A local account in the broker realm, with attributes an admin set (they are admin-only). */
  async function localAccount(first: string, attributes: Record<string, string[]>): Promise<{ username: string; email: string }> {
    const username = unique(`${first.toLowerCase()}.breakglass`);
    const email = `${username}@contoso.com`;
    await admin.users.create({
      realm: brokerRealm,
      username,
      email,
      emailVerified: true,
      firstName: first,
      lastName: 'Breakglass',
      enabled: true,
      attributes,
      credentials: [{ type: 'password', value: 'local-test-only-Pa55', temporary: false }],
    });
    return { username, email };
  }

  async function signInLocally(context: BrowserContext, username: string): Promise<Page> {
    const page = await context.newPage();
    // the BMS client's IdP-initiated URL with an empty kc_idp_hint: Keycloak's own form instead of Passly
    await page.goto(`${baseUrl}/realms/${brokerRealm}/protocol/saml/clients/bms?kc_idp_hint=`);
    await page.waitForURL(/\/realms\/[^/]+\/(protocol\/saml|login-actions)/);
    expect(page.url()).toContain(`/realms/${brokerRealm}/`);
    await page.fill('#username', username);
    await page.fill('#password', 'local-test-only-Pa55');
    await page.click('#kc-login');
    return page;
  }

  test('passes the same step with the account\'s stored attributes: a rule covers it, it gets its employee', async () => {
    const local = await localAccount('Bo', { ad_groups: ['BMS-Techs'], ad_domain: ['contoso.com'] });
    const page = await signInLocally(await browser.newContext(), local.username);
    await waitForText(page, 'Bo Breakglass');
    expect(await page.locator('[data-field="Security role"]').innerText()).toBe('Technician');
    const logins = await loginsOf(local.username);
    expect(logins).toHaveLength(1);
    expect(logins[0].answer).toMatchObject({ status: 'provisioned' });
    await page.context().close();
  });

  test('an account no rule covers is denied with the same page as anyone else', async () => {
    const local = await localAccount('Cy', {});
    const page = await signInLocally(await browser.newContext(), local.username);
    await waitForText(page, DENIED);
    expect(page.url()).not.toContain(bmsPortalUrl);
    expect(await employeesWith(local.email)).toEqual([]);
    await page.context().close();
  });
});
