import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type { Browser, Page } from 'playwright-core';

import { RunningBridge } from '../../bridge/bridge';
import { BmsEmulator } from '../bms-emulator/server';
import { freePort } from '../stack/ports';
import { cacheDir } from '../stack/project';
import { newWebhookSecret } from '../stack/webhook-secret';
import { adminClient, findUserByUsername } from '../support/admin';
import { WebhookSender } from '../support/converge-webhooks';
import { eventually } from '../support/eventually';
import { stackInfo } from '../support/stack-info';
import { OwnBridge, startOwnBridge } from '../support/own-bridge';
import { addStandInUser, StandInPerson } from '../support/stand-in-users';
import { launchBrowser } from './browser';
import { expectAccountConsole, loginAtAccountConsole, signInAtStandIn, waitForText } from './passly-login';

/**
 * The admin pages (issue 13) through a real Keycloak and a real browser: a bridge of the test's own (its own BMS
 * emulator and store), in a copy of the broker realm whose admin-pages client points at it. People come from the
 * Passly stand-in; the admin is in the AD group the realm's role mapper turns into bms-bridge-admin.
 */
const { baseUrl, bridgeUrl } = stackInfo();
const ADMINS_GROUP = 'CN=BMS-Bridge-Admins,OU=Groups,DC=contoso,DC=com';
const TECHS_GROUP = 'CN=BMS-Techs,OU=Groups,DC=contoso,DC=com';
/** where the run's browser keeps screenshots of each page (git-ignored; README's copies are made by hand) */
const SHOTS = join(cacheDir, 'screenshots');
let browser: Browser;
let admin: KcAdminClient;
let own: OwnBridge;
let bridge: RunningBridge;
let emulator: BmsEmulator;
let webhooks: WebhookSender;
let adminPerson: StandInPerson;
let adminPage: Page;

beforeAll(async () => {
  browser = await launchBrowser();
  admin = await adminClient();
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  own = await startOwnBridge(admin, baseUrl, 'broker-admin', {
    port,
    realmValues: { BRIDGE_ADMIN_URL: `${publicUrl}/admin` },
    answerBudgetMs: 4000,
    readTimeoutMs: 5000,
    jobs: { maxAttempts: 2, baseDelayMs: 50, maxDelayMs: 200 },
    admin: { token: newWebhookSecret(), publicUrl, sessionSecret: newWebhookSecret(), roleRecheckMs: 1_000 },
  });
  ({ bridge, emulator } = own);
  webhooks = new WebhookSender(() => `${bridge.url}/webhooks/keycloak`, own.secret, () => own.copy.realm);
  mkdirSync(SHOTS, { recursive: true });
  adminPerson = await addStandInUser(admin, { firstName: 'Ida', lastName: 'Rhodes', mailbox: 'ida.rhodes', domain: 'contoso.com', groups: [ADMINS_GROUP, TECHS_GROUP] });
});

afterAll(async () => {
  await own?.stop();
  await browser?.close();
});

/** Opens an admin page in a fresh browser, signs in at the stand-in as `username`, and returns the page. */
async function signInToAdmin(username: string, path = '/admin'): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${bridge.url}${path}`);
  await signInAtStandIn(page, username);
  return page;
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `admin-${name}.png`), fullPage: true });
}

const employeesWith = (email: string) => emulator.store.all().filter((e) => e.emailAddress.toLowerCase() === email.toLowerCase());

test('a person without the admin role signs in at Keycloak and is refused with what to ask for', async () => {
  const tech = await addStandInUser(admin, { firstName: 'Tess', lastName: 'Tech', mailbox: 'tess.tech', domain: 'contoso.com', groups: [TECHS_GROUP] });
  const page = await signInToAdmin(tech.username);
  const text = await waitForText(page, 'Not an admin of the bridge');
  expect(text).toContain("need the realm role 'bms-bridge-admin'");
  const res = await page.request.get(`${bridge.url}/admin/stuck`, { maxRedirects: 0 });
  expect(res.status()).toBe(303); // no session was made: straight back to sign-in
  await page.context().close();
});

/** Signs `username` in at Keycloak for the admin pages and keeps the SAML response instead of letting it reach the ACS. */
async function capturedSignInResponse(username: string): Promise<string> {
  const context = await browser.newContext();
  const page = await context.newPage();
  let captured: string | undefined;
  await page.route('**/admin/saml/acs', async (route) => {
    captured = route.request().postData() ?? undefined;
    await route.fulfill({ status: 200, body: 'captured' });
  });
  try {
    await page.goto(`${bridge.url}/admin`);
    await signInAtStandIn(page, username);
    await eventually(() => captured !== undefined, 'the SAML response');
  } finally {
    // a route handler still in flight can hold the context's close: drop the routes first, whatever they were doing
    await within(30_000, 'removing the ACS route', page.unrouteAll({ behavior: 'ignoreErrors' }));
    await within(30_000, 'closing the browser context', context.close());
  }
  return captured ?? '';
}

/** A step that must end within `ms`: a hang fails the test naming the step, instead of the test's own timeout. */
function within<T>(ms: number, what: string, step: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms)));
  return Promise.race([step, late]).finally(() => clearTimeout(timer));
}

/** A POST of a form to the bridge that gives up after 30 s (Node's fetch waits minutes for headers). */
const postForm = (path: string, body: string): Promise<Response> =>
  fetch(`${bridge.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, signal: AbortSignal.timeout(30_000) });

test("a person without the role cannot get a session by posting their sign-in response anywhere else (review: to the single-logout URL)", async () => {
  const tech = await within(30_000, 'adding the stand-in user', addStandInUser(admin, { firstName: 'Sly', lastName: 'Tech', mailbox: 'sly.tech', domain: 'contoso.com', groups: [TECHS_GROUP] }));
  const body = await within(90_000, 'signing in and capturing the SAML response', capturedSignInResponse(tech.username));
  const slo = await postForm('/admin/saml/slo', body);
  expect(slo.status).toBe(400);
  expect(slo.headers.get('set-cookie')).toBeNull();
  // and at the ACS it is refused for the role, with no session either
  const acs = await postForm('/admin/saml/acs', body);
  expect(acs.status).toBe(403);
  expect(acs.headers.get('set-cookie')).toBeNull();
  // nothing else answers a SAML message either, and paths outside /admin are the bridge's usual 404s, not the pages'
  expect((await fetch(`${bridge.url}/admin/saml/slo`, { redirect: 'manual', signal: AbortSignal.timeout(30_000) })).status).toBe(400);
  const root = await fetch(`${bridge.url}/`, { signal: AbortSignal.timeout(30_000) });
  expect(root.status).toBe(404);
  expect(await root.json()).toEqual({ error: 'no such endpoint: GET /' });
});

test("an admin signs in through Keycloak and finds a person's story after their login", async () => {
  const person = await addStandInUser(admin, { firstName: 'Grace', lastName: 'Story', mailbox: 'grace.story', domain: 'contoso.com', groups: [TECHS_GROUP] });
  const login = await loginAtAccountConsole(browser, baseUrl, own.copy.realm, person.username);
  await expectAccountConsole(login, baseUrl, own.copy.realm);
  await login.context().close();
  const [employee] = employeesWith(person.email);
  expect(employee).toBeDefined();

  adminPage = await signInToAdmin(adminPerson.username);
  await waitForText(adminPage, `Signed in as`);
  await adminPage.fill('#q', person.email);
  await adminPage.click('button:has-text("Find")');
  const text = await waitForText(adminPage, 'Story (newest first)');
  expect(text).toContain(`created BMS employee ${employee.id}`);
  expect(text).toContain(`sign-in answered provisioned (employee ${employee.id})`);
  expect(await adminPage.locator('[data-field="outcome"]').innerText()).toBe('provision');
  expect(await adminPage.locator('[data-field="employee-id"]').innerText()).toBe(String(employee.id));
  expect(await adminPage.locator('[data-field="bms-now"]').innerText()).toContain('active');
  await shoot(adminPage, 'person');

  // "run now": a converge job for the person, audited with the admin's name
  await adminPage.click('button:has-text("Run now")');
  await waitForText(adminPage, /Job \d+ queued/);
  const entries = await bridge.store.audit.list({ userId: (await bridge.keycloak.userByEmail(person.email))?.id });
  expect(entries.find((e) => e.kind === 'admin-action')).toMatchObject({ trigger: 'admin', by: adminPerson.username });
  // the pages may not be framed, run no script, and send forms only to the bridge and Keycloak
  const headers = (await adminPage.request.get(`${bridge.url}/admin/health`)).headers();
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['content-security-policy']).toContain("default-src 'none'");
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
});

test('a forged POST without the CSRF token is refused, even with the admin\'s session cookie', async () => {
  const forged = await adminPage.request.post(`${bridge.url}/admin/stuck/retry-all`, { form: {}, maxRedirects: 0 });
  expect(forged.status()).toBe(403);
  expect(await forged.text()).toContain('stale or forged form');
  const wrong = await adminPage.request.post(`${bridge.url}/admin/stuck/retry-all`, { form: { _csrf: 'not-the-token' }, maxRedirects: 0 });
  expect(wrong.status()).toBe(403);
  const anonymous = await fetch(`${bridge.url}/admin/stuck/retry-all`, { method: 'POST', redirect: 'manual' });
  expect(anonymous.status).toBe(401);
});

test('a tampered form (a user id no Keycloak user can have, a job id that is no number) is refused with 400, and nothing is queued', async () => {
  await adminPage.goto(`${bridge.url}/admin/health`);
  const csrf = await adminPage.locator('input[name="_csrf"]').first().inputValue();
  const jobsBefore = (await bridge.store.jobs.list({ limit: 1000 })).length;
  for (const userId of ['', ' ', 'a\u0000b', 'x'.repeat(256)]) {
    const res = await adminPage.request.post(`${bridge.url}/admin/person/converge`, { form: { _csrf: csrf, userId }, maxRedirects: 0 });
    expect(res.status()).toBe(400);
    expect(await res.text()).toContain('The user id of this form is not a user id');
  }
  for (const jobId of ['', 'NaN', '1.5', '-1', '99999999999999999999']) {
    const res = await adminPage.request.post(`${bridge.url}/admin/stuck/retry`, { form: { _csrf: csrf, jobId }, maxRedirects: 0 });
    expect(res.status()).toBe(400);
    expect(await res.text()).toContain('is not a job number');
  }
  expect((await bridge.store.jobs.list({ limit: 1000 })).length).toBe(jobsBefore);
  // a search for text no user has is answered as not found, not with Keycloak's refusal of the query
  await adminPage.goto(`${bridge.url}/admin?q=a%00b`);
  expect(await adminPage.locator('main').innerText()).toContain('No Keycloak user has that id');
});

test('a dead job is retried from the stuck-work page and the employee appears', async () => {
  const email = `dead.job.${Date.now()}@contoso.com`;
  const { id } = await admin.users.create({ realm: own.copy.realm, username: email, email, firstName: 'Dead', lastName: 'Job', enabled: true, attributes: { upn: [email], ad_domain: ['contoso.com'], ad_groups: [TECHS_GROUP] } });
  emulator.setFaults({ down: true, pathPrefix: '/v2/hr/employees' });
  const login = webhooks.login({ id, username: email, email, firstName: 'Dead', lastName: 'Job', domain: 'contoso.com', groups: [TECHS_GROUP] });
  expect((await webhooks.send(login)).json).toEqual({ status: 'pending' });
  const dead = await eventually(async () => (await bridge.store.jobs.list({ userId: id, state: 'dead' }))[0], 'the dead job');
  emulator.setFaults({});

  await adminPage.goto(`${bridge.url}/admin/stuck`);
  const row = adminPage.locator(`tr[data-job="${dead.id}"]`);
  expect(await row.innerText()).toContain('cannot reach BMS');
  // each failed attempt is in the person's story, not only the last error
  const attempts = (await bridge.store.audit.list({ userId: id })).filter((e) => e.kind === 'job').map((e) => e.what);
  expect(attempts).toEqual([expect.stringMatching(/^attempt 1 of 2 failed: .*cannot reach BMS/), expect.stringMatching(/^attempt 2 of 2 failed: .*cannot reach BMS/)]);
  await shoot(adminPage, 'stuck');
  await row.locator('button:has-text("Retry")').click();
  await waitForText(adminPage, `Job ${dead.id} runs again.`);
  await eventually(() => employeesWith(email).length === 1, 'the employee after the retry');
});

test('the preview form answers like a real login', async () => {
  await adminPage.goto(`${bridge.url}/admin/rules`);
  await adminPage.fill('#groups', TECHS_GROUP);
  await adminPage.fill('#domain', 'contoso.com');
  await adminPage.fill('#email', 'someone@contoso.com');
  await adminPage.click('button:has-text("Preview")');
  await waitForText(adminPage, 'Answer');
  const facts = { groups: [TECHS_GROUP], domain: 'contoso.com', email: 'someone@contoso.com', upn: null };
  const real = await bridge.decide(facts);
  expect(await adminPage.locator('[data-field="outcome"]').innerText()).toBe(real.outcome);
  expect(await adminPage.locator('[data-field="rule"]').innerText()).toContain(real.outcome !== 'unusable' && real.rule ? real.rule.name : 'none');
  await shoot(adminPage, 'rules');
  await adminPage.goto(`${bridge.url}/admin/health`);
  await waitForText(adminPage, 'BMS budget');
  await shoot(adminPage, 'health');
  await adminPage.goto(`${bridge.url}/admin/sweep`);
  await adminPage.click('button:has-text("Start a sweep")');
  await waitForText(adminPage, 'The sweep started.');
  await eventually(async () => (await adminPage.reload(), /Last finished: \d{4}-/.test(await adminPage.locator('#sweep-state').innerText())), 'the sweep to finish', 60_000);
  await shoot(adminPage, 'sweep');
});

test('an admin whose role is taken away in Keycloak is signed out at their next request after the recheck interval', async () => {
  const demoted = await addStandInUser(admin, { firstName: 'Dee', lastName: 'Moted', mailbox: 'dee.moted', domain: 'contoso.com', groups: [ADMINS_GROUP] });
  const page = await signInToAdmin(demoted.username, '/admin/health');
  await waitForText(page, 'BMS budget');
  const user = await findUserByUsername(admin, own.copy.realm, demoted.username);
  const role = await admin.roles.findOneByName({ realm: own.copy.realm, name: 'bms-bridge-admin' });
  await admin.users.delRealmRoleMappings({ realm: own.copy.realm, id: user?.id ?? '', roles: [{ id: role?.id ?? '', name: 'bms-bridge-admin' }] });
  await eventually(async () => (await page.request.get(`${bridge.url}/admin/health`, { maxRedirects: 0 })).status() === 403, 'the session to end');
  const after = await page.request.get(`${bridge.url}/admin/health`, { maxRedirects: 0 });
  expect(after.status()).toBe(303); // the session is gone: back to sign-in
  await page.context().close();
});

test('sign-out ends the bridge session and the Keycloak session', async () => {
  await adminPage.goto(`${bridge.url}/admin`);
  await adminPage.click('button:has-text("Sign out")');
  await waitForText(adminPage, 'You are signed out');
  const res = await adminPage.request.get(`${bridge.url}/admin/stuck`, { maxRedirects: 0 });
  expect(res.status()).toBe(303);
  // the broker realm's session ended too: the next visit goes on to the identity provider instead of straight back
  const visited: string[] = [];
  adminPage.on('framenavigated', (frame) => void (frame === adminPage.mainFrame() && visited.push(frame.url())));
  await adminPage.goto(`${bridge.url}/admin`);
  await eventually(() => visited.some((url) => url.includes('/realms/passly/')), 'a visit to the identity provider');
  await adminPage.context().close();
});

test("the stack's own bridge (npm run demo) lets the realm's demo admin, Ida Rhodes, in", async () => {
  if (!bridgeUrl) throw new Error('the stack info names no bridge URL');
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${bridgeUrl}/admin/health`);
  await signInAtStandIn(page, 'ida.rhodes@contoso.com');
  const text = await waitForText(page, 'BMS budget');
  expect(text).toContain('Signed in as ida.rhodes@contoso.com');
  await page.context().close();
});
