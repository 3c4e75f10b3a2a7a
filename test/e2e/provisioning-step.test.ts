import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type { Browser, Page } from 'playwright-core';

import { loginProvisioningRequestedSchema } from '../../bridge/webhooks/payload';
import { adminClient, findUserByUsername } from '../support/admin';
import { brokerRealmCopy, RealmCopy } from '../support/broker-realm-copy';
import { stepSettings } from '../support/provisioning-step';
import { stackInfo } from '../support/stack-info';
import { WebhookReceiver } from '../support/webhook-receiver';
import { newWebhookSecret } from '../stack/webhook-secret';
import { STAND_IN_PASSWORD, standInUser } from '../stack/passly-stand-in';
import { launchBrowser } from './browser';
import { expectAccountConsole as expectSignedIn, loginAtAccountConsole, signInAtStandIn, waitForText } from './passly-login';

const { baseUrl } = stackInfo();
let browser: Browser;
let admin: KcAdminClient;
let receiver: WebhookReceiver;
let copy: RealmCopy;

beforeAll(async () => {
  browser = await launchBrowser();
  admin = await adminClient();
  receiver = new WebhookReceiver(newWebhookSecret());
  const url = await receiver.start();
  // in this realm the account console is the gated client, so a login to it runs the provisioning step
  copy = await brokerRealmCopy(admin, baseUrl, 'broker-provisioning', { BMS_BRIDGE_URL: url, BMS_WEBHOOK_SECRET: receiver.secret }, {
    eventsEnabled: true,
    enabledEventTypes: ['LOGIN', 'CUSTOM_REQUIRED_ACTION_ERROR'],
  });
});

afterAll(async () => {
  await copy?.cleanup();
  await receiver?.stop();
  await browser?.close();
});

beforeEach(async () => {
  receiver.deliveries.length = 0;
  receiver.reply = () => ({ status: 200, json: { status: 'provisioned' } });
  await copy.configureProvisioning({ 'gated.clients': 'account-console', 'failure.mode': 'fail-open', 'connect.timeout.ms': '1000', 'read.timeout.ms': '1500', 'bridge.url': receiver.url });
});

const login = (username: string): Promise<Page> => loginAtAccountConsole(browser, baseUrl, copy.realm, username);

const expectAccountConsole = (page: Page): Promise<void> => expectSignedIn(page, baseUrl, copy.realm);

/** The details the step recorded for the user's latest login: on LOGIN, or on the error event of a stopped login. */
async function postLoginEvent(username: string): Promise<Record<string, string>> {
  const events = await admin.realms.findEvents({ realm: copy.realm, max: 100 });
  const event = events.find((e) => e.details?.bms_provisioning !== undefined && (e.details.identity_provider_identity === username || e.details.username === username));
  if (!event?.details) throw new Error(`no event with BMS provisioning details for ${username}`);
  return event.details;
}

/** A plain OIDC application on loopback (no script that would sign in again by itself), gated in the realm copy. */
async function oidcApp(clientId: string): Promise<{ url: string; authUrl(params?: Record<string, string>): string; close(): Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<p>signed in to the test application</p>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  await admin.clients.create({ realm: copy.realm, clientId, publicClient: true, standardFlowEnabled: true, redirectUris: [url] });
  await copy.configureProvisioning({ 'gated.clients': clientId });
  const challenge = createHash('sha256').update('a-test-verifier-that-is-long-enough-0123456789').digest('base64url');
  return {
    url,
    authUrl: (params = {}) => {
      const auth = new URL(`${baseUrl}/realms/${copy.realm}/protocol/openid-connect/auth`);
      const all = { client_id: clientId, redirect_uri: url, response_type: 'code', scope: 'openid', state: 's', code_challenge: challenge, code_challenge_method: 'S256', ...params };
      for (const [k, v] of Object.entries(all)) auth.searchParams.set(k, v);
      return auth.toString();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('the BMS provisioning step (a required action, evaluated as every login completes)', () => {
  test('a gated broker login sends one signed webhook with the documented payload; the next login says it is not the first', async () => {
    const ada = standInUser('ada.lovelace@contoso.com');
    const first = await login(ada.username);
    await expectAccountConsole(first);
    await first.context().close();
    const delivery = await receiver.waitFor(() => true);
    expect(delivery.verifyError).toBeUndefined();
    expect(delivery.verified).toBe(true);
    const payload = loginProvisioningRequestedSchema.parse(delivery.body);
    const user = await findUserByUsername(admin, copy.realm, ada.username);
    expect(payload).toMatchObject({
      realm: copy.realm,
      idpAlias: 'passly',
      clientId: 'account-console',
      firstLogin: true,
      user: { id: user?.id, username: ada.username, subject: ada.username, email: ada.email, firstName: 'Ada', lastName: 'Lovelace', upn: ada.upn, domain: ada.domain },
    });
    expect([...payload.user.groups].sort()).toEqual([...ada.groups].sort());
    expect(delivery.id).toBe(payload.eventId);
    expect(user?.attributes?.bms_provisioning_requested_at?.[0]).toMatch(/^\d{4}-\d\d-\d\dT/);

    const second = await login(ada.username);
    await expectAccountConsole(second);
    await second.context().close();
    const next = loginProvisioningRequestedSchema.parse((await receiver.waitFor((d) => d.id !== delivery.id)).body);
    expect(next.firstLogin).toBe(false);
    expect(next.user.id).toBe(user?.id);
    expect(receiver.deliveries).toHaveLength(2);
  });

  test('"denied" shows the bridge\'s message exactly as written, never as markup, and the login does not complete', async () => {
    const message = "Contractors don't get BMS <b>seats</b> & {0} <a href=\"https://evil.example\">here</a> &lt;i&gt;";
    receiver.reply = () => ({ status: 200, json: { status: 'denied', message } });
    const page = await login('grace.hopper@contoso.com');
    const text = await waitForText(page, /Contractors don't get BMS/);
    expect(text.replace(/\u200B/g, '')).toContain(message);
    expect(await page.locator('b', { hasText: 'seats' }).count()).toBe(0);
    expect(await page.locator('a[href^="https://evil.example"]').count()).toBe(0);
    expect(page.url()).not.toContain('/account/');
    expect((await postLoginEvent('grace.hopper@contoso.com')).bms_provisioning).toBe('denied');
    await page.context().close();
  });

  test('fail-open: a bridge slower than the timeout does not hold the login longer than the timeout', async () => {
    receiver.reply = () => ({ status: 200, json: { status: 'provisioned' }, delayMs: 10_000 });
    const page = await login('linus.pauling@fabrikam.com');
    await expectAccountConsole(page);
    await page.context().close();
    const details = await postLoginEvent('linus.pauling@fabrikam.com');
    expect(details.bms_provisioning).toBe('failed-open: timeout');
    // connect 1000 ms + read 1500 ms, plus a margin; without the bound this would be the receiver's 10 s
    expect(Number(details.bms_provisioning_ms)).toBeLessThan(2500 + 1000);
  });

  test('fail-closed: with the bridge down the user sees the configured page', async () => {
    await copy.configureProvisioning({ 'failure.mode': 'fail-closed', 'fail.closed.message': 'BMS accounts are being set up; try again at 10:00.', 'bridge.url': 'http://127.0.0.1:9/webhooks/keycloak' });
    const page = await login('zoe.angstrom@contoso.com');
    await waitForText(page, 'BMS accounts are being set up; try again at 10:00.');
    expect(page.url()).not.toContain('/account/');
    expect((await postLoginEvent('zoe.angstrom@contoso.com')).bms_provisioning).toMatch(/^failed-closed: unreachable/);
    await page.context().close();
  });

  test('a bridge that sends its headers and then stalls holds the login no longer than the bound, in either failure mode', async () => {
    receiver.reply = () => ({ trickleMs: 200, trickleForMs: 15_000 });
    const started = Date.now();
    const open = await login('joan.clarke@contoso.com');
    await expectAccountConsole(open);
    const wallMs = Date.now() - started; // the whole sign-in, stand-in page included
    await open.context().close();
    expect(wallMs).toBeLessThan(2500 + 7500);
    const openDetails = await postLoginEvent('joan.clarke@contoso.com');
    expect(openDetails.bms_provisioning).toBe('failed-open: timeout');
    // connect 1000 + read 1500 ms, plus a generous margin; the bridge trickles for 15 s (the figure is in npm run bench)
    expect(Number(openDetails.bms_provisioning_ms)).toBeLessThan(2500 + 1500);

    await copy.configureProvisioning({ 'failure.mode': 'fail-closed', 'fail.closed.message': 'BMS is slow today.' });
    const closed = await login('alan.turing@contoso.com');
    await waitForText(closed, 'BMS is slow today.');
    expect(closed.url()).not.toContain('/account/');
    const closedDetails = await postLoginEvent('alan.turing@contoso.com');
    expect(closedDetails.bms_provisioning).toBe('failed-closed: timeout');
    expect(Number(closedDetails.bms_provisioning_ms)).toBeLessThan(2500 + 1500);
    await closed.context().close();
  });

  test('re-authentication (prompt=login) goes back to Passly and runs the step exactly once more', async () => {
    const app = await oidcApp('reauth-app');
    try {
      const page = await (await browser.newContext()).newPage();
      await page.goto(app.authUrl());
      await signInAtStandIn(page, 'frances.allen@contoso.com');
      await page.waitForURL(`${app.url}**`);
      expect(receiver.deliveries).toHaveLength(1);

      const urls: string[] = [];
      page.on('framenavigated', (f) => f === page.mainFrame() && urls.push(f.url()));
      await page.goto(app.authUrl({ prompt: 'login' }));
      // Keycloak passes the re-authentication on to Passly, which asks this person for the password again
      await page.waitForURL(/\/realms\/passly\/login-actions\//);
      expect(await page.locator('#kc-attempted-username').inputValue()).toBe('frances.allen@contoso.com');
      await page.fill('#password', STAND_IN_PASSWORD);
      await page.click('#kc-login');
      await page.waitForURL(`${app.url}**`);
      await new Promise((r) => setTimeout(r, 1000)); // a second call would arrive right behind
      expect(receiver.deliveries).toHaveLength(2);
      const again = loginProvisioningRequestedSchema.parse(receiver.deliveries[1].body);
      expect(again).toMatchObject({ clientId: 'reauth-app', firstLogin: false });
      await page.context().close();
    } finally {
      await app.close();
    }
  });

  test('asking for the step as an application-initiated action (kc_action) cannot skip a deny, and lets an allowed person through', async () => {
    const message = 'Not for BMS, even when asked nicely.';
    receiver.reply = () => ({ status: 200, json: { status: 'denied', message } });
    const app = await oidcApp('kc-action-app');
    try {
      const denied = await (await browser.newContext()).newPage();
      const reachedApp: string[] = [];
      denied.on('request', (r) => r.url().startsWith(app.url) && reachedApp.push(r.url()));
      await denied.goto(app.authUrl({ kc_action: 'bms-provisioning' }));
      await signInAtStandIn(denied, 'edsger.dijkstra@fabrikam.com');
      await waitForText(denied, message);
      expect(reachedApp).toEqual([]); // no code ever reached the application
      expect((await postLoginEvent('edsger.dijkstra@fabrikam.com')).bms_provisioning).toBe('denied');
      await denied.context().close();

      receiver.reply = () => ({ status: 200, json: { status: 'provisioned' } });
      const allowed = await (await browser.newContext()).newPage();
      await allowed.goto(app.authUrl({ kc_action: 'bms-provisioning' }));
      await signInAtStandIn(allowed, 'dennis.ritchie@contoso.com');
      await allowed.waitForURL(`${app.url}**`);
      expect(new URL(allowed.url()).searchParams.get('kc_action_status')).toBe('success');
      await allowed.context().close();
    } finally {
      await app.close();
    }
  });

  test('a login to a client that is not gated completes without any webhook, even with the bridge down', async () => {
    await copy.configureProvisioning({ 'gated.clients': 'http://bms.invalid', 'failure.mode': 'fail-closed', 'bridge.url': 'http://127.0.0.1:9/webhooks/keycloak' });
    const page = await login('margaret.hamilton@contoso.com');
    await expectAccountConsole(page);
    await page.context().close();
    const user = await findUserByUsername(admin, copy.realm, 'margaret.hamilton@contoso.com');
    expect(user?.attributes?.bms_provisioning_requested_at).toBeUndefined();
    expect(receiver.deliveries).toHaveLength(0);
  });
});

describe('the provisioning step\'s settings', () => {
  test('an update that would leave BMS sign-ins unchecked is refused, by whichever admin endpoint; switching it off stays possible', async () => {
    const alias = { realm: copy.realm, alias: 'bms-provisioning' };
    const before = await admin.authenticationManagement.getRequiredActionForAlias(alias);
    const settings = await stepSettings(admin, copy.realm);
    // a script toggling the action without its settings would wipe them: refused
    await expect(admin.authenticationManagement.updateRequiredAction(alias, { ...before, config: undefined })).rejects.toThrow('BMS provisioning settings not saved');
    await expect(admin.authenticationManagement.removeRequiredActionConfig(alias)).rejects.toThrow('BMS provisioning settings not saved');
    // another alias: Keycloak would still run it, but find no settings under the new name
    await expect(admin.authenticationManagement.updateRequiredAction(alias, { ...before, alias: 'bms-gate' })).rejects.toThrow("Its alias must stay 'bms-provisioning'");
    // saving through the required action itself skips Keycloak's own check: ours still applies
    await expect(admin.authenticationManagement.updateRequiredAction(alias, { ...before, config: { ...settings, 'bridge.url': 'javascript:alert(1)' } })).rejects.toThrow('The bridge URL must be an http(s) URL');
    await expect(admin.authenticationManagement.lowerRequiredActionPriority(alias)).resolves.not.toThrow(); // harmless changes pass
    await expect(copy.configureProvisioning({ 'gated.clients': '' })).rejects.toThrow('No gated client is set');
    await expect(copy.configureProvisioning({ 'gated.clients': 'account-console/' })).rejects.toThrow("The gated client 'account-console/' does not exist");
    expect(await stepSettings(admin, copy.realm)).toEqual(settings); // nothing of it was stored
    // an admin's deliberate off switch is allowed, and on again
    await admin.authenticationManagement.updateRequiredAction(alias, { ...before, enabled: false });
    await admin.authenticationManagement.updateRequiredAction(alias, { ...before, enabled: true });
    expect(await stepSettings(admin, copy.realm)).toEqual(settings);
    // unregistered and registered again (the console's switch): it has no settings, so it stays off until configured
    await admin.authenticationManagement.deleteRequiredAction(alias);
    await admin.authenticationManagement.registerRequiredAction({ realm: copy.realm, providerId: 'bms-provisioning', name: 'BMS provisioning' });
    expect((await admin.authenticationManagement.getRequiredActionForAlias(alias)).enabled).toBe(false);
    await admin.authenticationManagement.updateRequiredActionConfig(alias, { config: settings });
    await admin.authenticationManagement.updateRequiredAction(alias, { ...(await admin.authenticationManagement.getRequiredActionForAlias(alias)), enabled: true });
    expect((await admin.authenticationManagement.getRequiredActionForAlias(alias)).enabled).toBe(true);
  });

  test('an unknown failure mode is refused when saved, and one that came in by import fails closed, never open', async () => {
    const refused = copy.configureProvisioning({ 'failure.mode': 'fail_closed' });
    await expect(refused).rejects.toThrow("The failure mode 'fail_closed' is unknown: use fail-open or fail-closed.");
    await expect(copy.configureProvisioning({ 'webhook.secret': 'not-a-secret' })).rejects.toThrow("The webhook secret must start with 'whsec_'");
    await expect(copy.configureProvisioning({ 'connect.timeout.ms': '+1000' })).rejects.toThrow('The connect timeout must be a whole number');

    const imported = await brokerRealmCopy(admin, baseUrl, 'broker-badmode', { BMS_BRIDGE_URL: 'http://127.0.0.1:9/webhooks/keycloak', BMS_WEBHOOK_SECRET: receiver.secret },
      { eventsEnabled: true, enabledEventTypes: ['LOGIN', 'CUSTOM_REQUIRED_ACTION_ERROR'] }, { 'failure.mode': 'closed', 'gated.clients': 'account-console' });
    try {
      const page = await loginAtAccountConsole(browser, baseUrl, imported.realm, 'barbara.liskov@contoso.com');
      await waitForText(page, /Your BMS account is being set up/);
      expect(page.url()).not.toContain('/account/');
      const events = await admin.realms.findEvents({ realm: imported.realm, max: 20 });
      expect(events.find((e) => e.details?.bms_provisioning)?.details?.bms_provisioning).toMatch(/^failed-closed: unreachable/);
      await page.context().close();
    } finally {
      await imported.cleanup();
    }
  });
});

describe('the event listener', () => {
  test('disabling, re-enabling and deleting a user send webhooks only after the change is committed', async () => {
    receiver.onDelivery = async (d) => {
      const id = String(d.body.userId ?? '');
      const user = await admin.users.findOne({ realm: copy.realm, id }).catch(() => undefined);
      return user ? { enabled: user.enabled } : 'gone';
    };
    const { id } = await admin.users.create({ realm: copy.realm, username: 'listener.test', email: 'listener.test@contoso.com', enabled: true });
    const user = await admin.users.findOne({ realm: copy.realm, id });
    await admin.users.update({ realm: copy.realm, id }, { ...user, enabled: false });
    const disabled = await receiver.waitFor((d) => d.body.type === 'user.disabled');
    expect(disabled.observed).toEqual({ enabled: false });
    expect(disabled.verified).toBe(true);
    await admin.users.update({ realm: copy.realm, id }, { ...user, enabled: true });
    expect((await receiver.waitFor((d) => d.body.type === 'user.enabled')).observed).toEqual({ enabled: true });
    await admin.users.del({ realm: copy.realm, id });
    const deleted = await receiver.waitFor((d) => d.body.type === 'user.deleted');
    expect(deleted.observed).toBe('gone');
    expect(deleted.body).toMatchObject({ realm: copy.realm, userId: id });
    receiver.onDelivery = undefined;
  });

  test('a BMS rule change is announced, and a rule with a duplicate order is refused with the message', async () => {
    const mapper = { identityProviderAlias: 'passly', identityProviderMapper: 'bms-mapping-rule' };
    await admin.identityProviders.createMapper({
      realm: copy.realm,
      alias: 'passly',
      identityProviderMapper: { ...mapper, name: 'Rule 50: contractors', config: { 'bms.order': '50', 'bms.match.group': 'Contractors', 'bms.effect': 'deny' } },
    });
    const changed = await receiver.waitFor((d) => d.body.type === 'rules.changed');
    expect(changed.body).toMatchObject({ realm: copy.realm, idpAlias: 'passly', operation: 'create' });

    const duplicate = admin.identityProviders.createMapper({
      realm: copy.realm,
      alias: 'passly',
      identityProviderMapper: { ...mapper, name: 'Another 20', config: { 'bms.order': '20', 'bms.match.user': 'someone@contoso.com' } },
    });
    await expect(duplicate).rejects.toThrow("BMS mapper 'Another 20' not saved: Order 20 is already used by the rule 'Rule 20: technicians'");
    const second = admin.identityProviders.createMapper({ realm: copy.realm, alias: 'passly', identityProviderMapper: { identityProviderAlias: 'passly', identityProviderMapper: 'bms-employee-defaults', name: 'Second defaults', config: {} } });
    await expect(second).rejects.toThrow("already has a BMS employee defaults mapper ('BMS employee defaults')");
    const names = (await admin.identityProviders.findMappers({ realm: copy.realm, alias: 'passly' })).map((m) => m.name);
    expect(names).toContain('Rule 50: contractors');
    expect(names).not.toContain('Another 20');
    expect(names).not.toContain('Second defaults');
  });
});
