import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type { Browser, Page } from 'playwright-core';

import { adminClient, findUserByUsername } from '../support/admin';
import { stackInfo } from '../support/stack-info';
import { eventually } from '../support/eventually';
import { withStepSettings as withSettings } from '../support/provisioning-step';
import { PASSLY_REALM } from '../stack/passly-stand-in';
import { launchBrowser } from './browser';
import { signInAtStandIn, waitForText } from './passly-login';
import { employeesWith as employees } from '../support/bms-employees';

/**
 * The product as a person meets it: every scenario starts at the BMS portal of the shared stack (Keycloak with the
 * plugin, the Passly stand-in, the bridge on SQLite, the BMS emulator), one stand-in user per scenario.
 */
const { brokerRealm, bmsPortalUrl, bmsApiUrl, bridgeUrl, bridgeAdminToken } = stackInfo();
let browser: Browser;
let admin: KcAdminClient;

beforeAll(async () => {
  browser = await launchBrowser();
  admin = await adminClient();
});
afterAll(async () => {
  await browser?.close();
});

async function faults(body: Record<string, unknown> | undefined): Promise<void> {
  await fetch(`${bmsApiUrl}/_emulator/faults`, { method: body ? 'POST' : 'DELETE', headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
}

async function portalLogin(username: string, expected: string | RegExp): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(bmsPortalUrl);
  await signInAtStandIn(page, username);
  await waitForText(page, expected);
  return page;
}


/** Changes the main realm's provisioning step for one scenario, and puts it back afterwards. */
const withStepSettings = <T>(changes: Record<string, string>, work: () => Promise<T>): Promise<T> => withSettings(admin, brokerRealm, changes, work);

describe('the whole product, starting at the BMS portal', () => {
  test('a returning user whose names changed in the directory gets them updated in BMS on the next login', async () => {
    await (await portalLogin('frances.allen@contoso.com', 'Frances Allen')).context().close();
    const [passlyUser] = await admin.users.find({ realm: PASSLY_REALM, username: 'frances.allen@contoso.com', exact: true, briefRepresentation: false });
    await admin.users.update({ realm: PASSLY_REALM, id: passlyUser.id ?? '' }, { ...passlyUser, firstName: 'Fran', lastName: 'Allen-Hopper' });
    try {
      const page = await portalLogin('frances.allen@contoso.com', 'Fran Allen-Hopper');
      expect((await employees('frances.allen@contoso.com')).map((e) => `${e.firstName} ${e.lastName}`)).toEqual(['Fran Allen-Hopper']);
      await page.context().close();
    } finally {
      await admin.users.update({ realm: PASSLY_REALM, id: passlyUser.id ?? '' }, passlyUser);
    }
  });

  test('the admin disables, then deletes the user in Keycloak: the employee is deactivated, never deleted', async () => {
    const user = await findUserByUsername(admin, brokerRealm, 'frances.allen@contoso.com');
    expect(user?.attributes?.bms_employee_id?.[0]).toBeDefined();
    await admin.users.update({ realm: brokerRealm, id: user?.id ?? '' }, { ...user, enabled: false });
    await eventually(async () => (await employees('frances.allen@contoso.com'))[0]?.isActive === false, 'deactivation');
    await admin.users.del({ realm: brokerRealm, id: user?.id ?? '' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(await employees('frances.allen@contoso.com')).toEqual([expect.objectContaining({ isActive: false })]);
  });

  test('BMS down, fail-open: the user gets in, and the employee is created after BMS recovers, exactly once', async () => {
    await faults({ down: true, pathPrefix: '/v2/hr' });
    try {
      const page = await portalLogin('alan.turing@contoso.com', 'No BMS employee exists for alan.turing@contoso.com');
      await page.context().close();
    } finally {
      await faults(undefined);
    }
    await eventually(async () => (await employees('alan.turing@contoso.com')).length === 1, 'the employee after BMS recovered');
    await (await portalLogin('alan.turing@contoso.com', 'Alan Turing')).context().close();
    expect(await employees('alan.turing@contoso.com')).toHaveLength(1);
  });

  test('BMS down, fail-closed: the user sees the clear page, and succeeds once BMS is back', async () => {
    await withStepSettings({ 'failure.mode': 'fail-closed' }, async () => {
      await faults({ down: true, pathPrefix: '/v2/hr' });
      try {
        const page = await portalLogin('barbara.liskov@contoso.com', /Your BMS account is being set up/);
        expect(page.url()).not.toContain(bmsPortalUrl);
        await page.context().close();
      } finally {
        await faults(undefined);
      }
      await eventually(async () => (await employees('barbara.liskov@contoso.com')).length === 1, 'the employee after BMS recovered');
      await (await portalLogin('barbara.liskov@contoso.com', 'Barbara Liskov')).context().close();
    });
  });

  test('bridge down during the login: the user gets in (fail-open), and the sweep provisions them later', async () => {
    await withStepSettings({ 'bridge.url': 'http://127.0.0.1:9/webhooks/keycloak' }, async () => {
      await (await portalLogin('edsger.dijkstra@fabrikam.com', 'No BMS employee exists for edsger.dijkstra@fabrikam.com')).context().close();
    });
    const user = await findUserByUsername(admin, brokerRealm, 'edsger.dijkstra@fabrikam.com');
    expect(user?.attributes?.bms_provisioning_requested_at?.[0]).toBeDefined();
    expect(user?.attributes?.bms_employee_id).toBeUndefined();
    const res = await fetch(`${bridgeUrl}/admin/reconcile`, { method: 'POST', headers: { authorization: `Bearer ${bridgeAdminToken}` } });
    expect(await res.json()).toMatchObject({ active: 1, failed: 0 });
    expect(await employees('edsger.dijkstra@fabrikam.com')).toHaveLength(1);
    await (await portalLogin('edsger.dijkstra@fabrikam.com', 'Edsger Dijkstra')).context().close();
  });
});
