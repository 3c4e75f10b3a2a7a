import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type RealmRepresentation from '@keycloak/keycloak-admin-client/lib/defs/realmRepresentation';
import type { Browser } from 'playwright-core';

import { RunningBridge, startBridge } from '../../bridge/bridge';
import { bridgeConfigSchema } from '../../bridge/config/config';
import { silentLogger } from '../../bridge/log/logger';
import { BmsEmulator, createBmsEmulator, DEFAULT_API_USER } from '../bms-emulator/server';
import { freePort } from '../stack/ports';
import { newWebhookSecret } from '../stack/webhook-secret';
import { adminClient, findUserByUsername } from '../support/admin';
import { eventually } from '../support/eventually';
import { bareRealm, BareRealm } from '../support/setup-realm';
import { CliRun, ownPortal, OwnPortal, runCli } from '../support/setup-journey';
import { stackInfo } from '../support/stack-info';
import { addStandInUser } from '../support/stand-in-users';
import { launchBrowser } from './browser';
import { signInAtStandIn, waitForText } from './passly-login';

const { baseUrl, admin: kcAdmin } = stackInfo();
const ADMIN_TOKEN = 'e2e-setup-admin-token-not-a-secret';
const SECRET = newWebhookSecret();
/** what the bridge's client is called in the realm (setup's default) */
const BRIDGE_CLIENT = 'bms-bridge';

let admin: KcAdminClient;
let browser: Browser;
let bare: BareRealm;
let portal: OwnPortal;
let emulator: BmsEmulator;
let api: { url: string; close(): Promise<void> };
let bridge: RunningBridge | undefined;
let bridgePort: number;
let dir: string;
/** the realm before setup ran */
let before: RealmRepresentation;
let clientSecret: string;

const env = (): NodeJS.ProcessEnv => ({ KEYCLOAK_URL: baseUrl, KEYCLOAK_ADMIN_USER: kcAdmin.username, KEYCLOAK_ADMIN_PASSWORD: kcAdmin.password, BRIDGE_WEBHOOK_SECRET: SECRET });
const setupArgs = (realm: string, ...more: string[]): string[] => [
  'setup', '--realm', realm, '--idp', 'passly', '--bms-client', portal.url, '--bridge-url', `http://127.0.0.1:${bridgePort}/webhooks/keycloak`,
  '--bms-acs-url', portal.acsUrl, '--bms-company', DEFAULT_API_USER.tenant, '--employee-defaults', join(dir, 'defaults.json'), ...more,
];
const setup = (...more: string[]): Promise<CliRun> => runCli(setupArgs(bare.realm, ...more), env());
const check = (): Promise<CliRun> => runCli(['setup', '--realm', bare.realm, '--idp', 'passly', '--bms-client', portal.url, '--check'], env());

/** What of a realm export setup must leave as it found it: the realm's own listeners, clients, flows and mappers. */
function theirs(rep: RealmRepresentation, own: BareRealm['own']): unknown {
  return {
    listeners: rep.eventsListeners?.filter((l) => own.listeners.includes(l)),
    browserFlow: rep.browserFlow,
    clients: rep.clients?.filter((c) => own.clients.includes(c.clientId ?? '')),
    flow: rep.authenticationFlows?.find((f) => f.alias === own.flow),
    mapper: rep.identityProviderMappers?.find((m) => m.name === own.mapper),
  };
}

/** A realm export as --remove must give it back: the user-profile declarations stay on purpose (they hold users' data). */
function comparable(rep: RealmRepresentation): RealmRepresentation {
  const { components, ...rest } = rep;
  return { ...rest, components: { ...components, 'org.keycloak.userprofile.UserProfileProvider': [] } } as RealmRepresentation;
}

beforeAll(async () => {
  admin = await adminClient();
  browser = await launchBrowser();
  dir = mkdtempSync(join(tmpdir(), 'setup-e2e-'));
  // no rule in the bare realm: the defaults setup creates provision everyone
  writeFileSync(join(dir, 'defaults.json'), JSON.stringify({
    'bms.account': 'Contoso MSP', 'bms.department': 'Service Desk', 'bms.location': 'Head Office', 'bms.manager': 'Bob Boss', 'bms.job.title': 'Technician',
    'bms.employment.type': 'Full Time', 'bms.security.role': 'Read Only', 'bms.employee.role': 'Engineer', 'bms.no.match.policy': 'defaults',
  }));
  emulator = createBmsEmulator();
  api = await emulator.listen();
  portal = await ownPortal();
  bridgePort = await freePort();
  bare = await bareRealm(admin, baseUrl, 'setup-bare');
  before = await bare.exported();
});

afterAll(async () => {
  await bridge?.stop();
  await portal?.stop();
  await api?.close();
  await bare?.cleanup();
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('bridge setup on an existing realm', () => {
  test('--dry-run prints the changes as a diff and changes nothing', async () => {
    const run = await setup('--dry-run');
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out).toContain("+ create   event listener 'bms-provisioning'");
    expect(run.out).toContain('listeners: jboss-logging, email → jboss-logging, email, bms-provisioning');
    expect(run.out).toContain("~ change   attribute importer Email → email");
    expect(run.out).toContain('(dry run: nothing was changed)');
    expect(await bare.exported()).toEqual(before);
  });

  test('setup wires the realm, prints the bridge client\'s secret once, and leaves what is the realm\'s own alone', async () => {
    const run = await setup();
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toContain('Check: the wiring is complete.');
    clientSecret = /shown only now[^\n]*\n {2}(\S+)/.exec(run.out)?.[1] ?? '';
    expect(clientSecret.length).toBeGreaterThan(16);
    expect(run.out).not.toContain(SECRET);
    const after = await bare.exported();
    expect(theirs(after, bare.own)).toEqual(theirs(before, bare.own));
    expect([...(after.eventsListeners ?? [])].sort()).toEqual(['bms-provisioning', 'email', 'jboss-logging']);
    expect((await check()).code).toBe(0);
  });

  test('a stand-in user then signs in from the BMS portal and lands on their own employee page, through a bridge pointed at the realm', async () => {
    bridge = await startBridge(bridgeConfigSchema.parse({
      server: { port: bridgePort },
      webhook: { secret: SECRET },
      keycloak: { baseUrl, realm: bare.realm, idpAlias: 'passly', clientId: BRIDGE_CLIENT, clientSecret, wiringCheckMs: 500 },
      bms: { baseUrl: api.url, tenant: DEFAULT_API_USER.tenant, userName: DEFAULT_API_USER.userName, password: DEFAULT_API_USER.password, timeoutMs: 2000, retry: { attempts: 1 } },
      store: { path: join(dir, 'bridge.sqlite') },
      admin: { token: ADMIN_TOKEN },
    }), silentLogger);
    await portal.start(`${baseUrl}/realms/${bare.realm}`, emulator);
    const person = await addStandInUser(admin, { firstName: 'Setup', lastName: 'Person', mailbox: 'setup.person', domain: 'contoso.com', groups: ['BMS-Techs'] });
    const page = await (await browser.newContext()).newPage();
    await page.goto(portal.url);
    // the realm's own browser flow shows Keycloak's login page, with Passly as a button
    await page.click('#social-passly', { timeout: 30_000 });
    await signInAtStandIn(page, person.username);
    await waitForText(page, 'Setup Person');
    expect(await page.locator('[data-field="Department"]').innerText()).toBe('Service Desk');
    const [employee] = emulator.store.all().filter((e) => e.emailAddress === person.email);
    expect(employee).toBeDefined();
    const user = await findUserByUsername(admin, bare.realm, person.username);
    expect(user?.attributes).toMatchObject({ bms_employee_id: [String(employee.id)], ad_groups: ['BMS-Techs'], ad_domain: ['contoso.com'] });
    await page.context().close();
  });

  test('the BMS tile in Passly (IdP-initiated) reaches the BMS client setup created: a new person lands on their employee page', async () => {
    const person = await addStandInUser(admin, { firstName: 'Tile', lastName: 'Person', mailbox: 'tile.person', domain: 'contoso.com', groups: ['BMS-Techs'] });
    const page = await (await browser.newContext()).newPage();
    const visited: string[] = [];
    page.on('request', (r) => visited.push(r.url()));
    await page.goto(bare.tileUrl);
    await signInAtStandIn(page, person.username);
    await waitForText(page, 'Tile Person');
    expect(visited.some((u) => u.startsWith(`${portal.url}/saml/login`))).toBe(false); // BMS never asked: Passly started it
    expect(visited).toContain(`${baseUrl}/realms/${bare.realm}/broker/passly/endpoint/clients/bms`);
    expect(emulator.store.all().filter((e) => e.emailAddress === person.email)).toHaveLength(1);
    await page.context().close();
  });

  test('/readyz runs the same check with the bridge\'s own service account: ready', async () => {
    const res = await fetch(`${bridge!.url}/readyz`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(await res.json()).toMatchObject({ status: 'ready', checks: { wiring: 'ok' } });
  });

  test('a second setup says there is nothing to change, and changes nothing', async () => {
    const wired = await bare.exported();
    const run = await setup();
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out).toContain('Nothing to change: the realm is wired already.');
    expect(run.out).not.toMatch(/^ {2}[+~!] /m);
    expect(await bare.exported()).toEqual(wired);
  });

  test('--check and /readyz list each problem after an admin breaks the wiring by hand; setup repairs it', async () => {
    const { realm } = bare;
    const rep = await admin.realms.findOne({ realm });
    // only the listeners (a save of the whole realm would also write Keycloak's defaults as attributes, which the
    // export comparison of --remove below would then see)
    await admin.realms.update({ realm }, { eventsListeners: rep?.eventsListeners?.filter((l) => l !== 'bms-provisioning') });
    const groups = (await admin.identityProviders.findMappers({ realm, alias: 'passly' })).find((m) => m.name === 'SecurityGroup');
    await admin.identityProviders.updateMapper({ realm, alias: 'passly', id: groups?.id ?? '' }, { ...groups, config: { ...groups?.config, syncMode: 'IMPORT' } });
    const step = await admin.authenticationManagement.getRequiredActionForAlias({ realm, alias: 'bms-provisioning' }) as Record<string, unknown>;
    await admin.authenticationManagement.updateRequiredAction({ realm, alias: 'bms-provisioning' }, { ...step, enabled: false });
    const run = await check();
    expect(run.code).toBe(1);
    expect(run.out).toContain('3 problem(s)');
    expect(run.out).toContain("event listener 'bms-provisioning': missing");
    expect(run.out).toContain("attribute importer SecurityGroup → ad_groups: importer 'SecurityGroup': sync mode IMPORT → FORCE");
    expect(run.out).toContain("required action 'BMS provisioning' (the gate on every BMS sign-in): switched off: BMS sign-ins are not checked");
    const readyz = await eventually(async () => {
      const body = (await (await fetch(`${bridge!.url}/readyz`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { status: string; checks: Record<string, string> };
      return body.checks.wiring.includes('event listener') && body;
    }, 'the readyz wiring check to see the broken wiring');
    expect(readyz.status).toBe('not ready');
    expect(readyz.checks.wiring).toContain("required action 'BMS provisioning'");
    expect(readyz.checks.wiring).toContain('SecurityGroup');
    const repaired = await setup();
    expect(repaired.code).toBe(0);
    expect((await check()).code).toBe(0);
  });

  test('--remove takes out what setup added and restores the realm\'s earlier bindings, leaving users and their attributes', async () => {
    const users = await admin.users.find({ realm: bare.realm, briefRepresentation: false });
    const run = await runCli(['setup', '--realm', bare.realm, '--idp', 'passly', '--remove'], env());
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out).toContain("first login flow of 'passly': 'passly first broker login with BMS' → the realm's default (as before setup)");
    const after = await bare.exported();
    expect(comparable(after)).toEqual(comparable(before));
    expect(await admin.users.find({ realm: bare.realm, briefRepresentation: false })).toEqual(users.filter((u) => u.username !== `service-account-${BRIDGE_CLIENT}`));
    expect((await check()).code).toBe(1);
  });

  test('a planted conflict is reported with what to do, and nothing is applied', async () => {
    const planted = await bareRealm(admin, baseUrl, 'setup-conflict', async (realm) => {
      await admin.identityProviders.createMapper({ realm, alias: 'passly', identityProviderMapper: { name: 'groups', identityProviderAlias: 'passly', identityProviderMapper: 'saml-user-attribute-idp-mapper', config: { syncMode: 'FORCE', 'attribute.name': 'SecurityGroup', 'user.attribute': 'memberOf' } } });
      // an older SAML client already answers the Passly tile's …/clients/bms
      const [wiki] = await admin.clients.find({ realm, clientId: 'wiki', search: false });
      await admin.clients.update({ realm, id: wiki.id ?? '' }, { ...wiki, attributes: { ...wiki.attributes, saml_idp_initiated_sso_url_name: 'bms' } });
    });
    try {
      const untouched = await planted.exported();
      const run = await runCli(setupArgs(planted.realm), env());
      expect(run.code).toBe(1);
      expect(run.out).toContain('! CONFLICT attribute importer SecurityGroup → ad_groups');
      expect(run.out).toContain("what to do: point importer 'groups' at user attribute 'ad_groups'");
      expect(run.out).toContain("client 'wiki' already has the IdP-initiated SSO URL name 'bms'");
      expect(run.out).toContain('what to do: give the BMS client another name with --bms-sso-url-name NAME');
      expect(run.out).toContain('Nothing was changed');
      expect(await planted.exported()).toEqual(untouched);
    } finally {
      await planted.cleanup();
    }
  });

  test('an account that may read but not write everything is told which role to grant, in the dry run and the real run, and nothing is written', async () => {
    const viewer = { clientId: 'setup-viewer', secret: 'setup-viewer-secret-not-a-secret' };
    const planted = await bareRealm(admin, baseUrl, 'setup-roles', async (realm) => {
      const { id } = await admin.clients.create({ realm, clientId: viewer.clientId, publicClient: false, secret: viewer.secret, serviceAccountsEnabled: true, standardFlowEnabled: false });
      const user = await admin.clients.getServiceAccountUser({ realm, id });
      const [management] = await admin.clients.find({ realm, clientId: 'realm-management', search: false });
      const roles = await Promise.all(['view-realm', 'view-identity-providers', 'view-users', 'view-clients', 'manage-realm'].map((roleName) => admin.clients.findRole({ realm, id: management.id ?? '', roleName })));
      await admin.users.addClientRoleMappings({ realm, id: user.id ?? '', clientUniqueId: management.id ?? '', roles: roles.map((r) => ({ id: r?.id ?? '', name: r?.name ?? '' })) });
    });
    try {
      const untouched = await planted.exported();
      const asViewer: NodeJS.ProcessEnv = { KEYCLOAK_URL: baseUrl, KEYCLOAK_ADMIN_CLIENT_ID: viewer.clientId, KEYCLOAK_ADMIN_CLIENT_SECRET: viewer.secret, BRIDGE_WEBHOOK_SECRET: SECRET };
      for (const more of [['--dry-run'], []]) {
        const run = await runCli(setupArgs(planted.realm, '--admin-realm', planted.realm, ...more), asViewer);
        expect(run.code).toBe(1);
        expect(run.out).toContain(`! CONFLICT the rights of the service account of client '${viewer.clientId}' in realm '${planted.realm}'`);
        expect(run.out).toContain("lacks the role 'manage-identity-providers' of client 'realm-management'");
        expect(run.out).toContain("'manage-clients'");
        expect(run.out).toContain('Nothing was changed');
      }
      expect(await planted.exported()).toEqual(untouched);
    } finally {
      await planted.cleanup();
    }
  });
  test('two identity providers: --remove of one takes only its part, the shared step and listener stay for the other; a mistyped --idp is refused; the last --remove restores the realm', async () => {
    const two = await bareRealm(admin, baseUrl, 'setup-two');
    try {
      const untouched = await two.exported();
      const passly = await admin.identityProviders.findOne({ realm: two.realm, alias: 'passly' });
      await admin.identityProviders.create({ ...passly, realm: two.realm, alias: 'passly2', internalId: undefined });
      const withSecond = await two.exported();
      const args = (idp: string, ...more: string[]): string[] => [...setupArgs(two.realm, ...more).map((a) => (a === 'passly' ? idp : a))];
      const bound = async (alias: string): Promise<string | undefined> => (await admin.identityProviders.findOne({ realm: two.realm, alias }))?.firstBrokerLoginFlowAlias;
      const boundBefore = await bound('passly'); // the realm's default: none of its own
      expect((await runCli(args('passly'), env())).code).toBe(0);
      expect((await runCli(args('passly2'), env())).code).toBe(0);
      expect(await bound('passly2')).toBe('passly2 first broker login with BMS');

      const typo = await runCli(['setup', '--realm', two.realm, '--idp', 'pasly', '--remove'], env());
      expect(typo.code).toBe(1);
      expect(typo.err + typo.out).toContain("identity provider 'pasly' is neither in realm");

      const first = await runCli(['setup', '--realm', two.realm, '--idp', 'passly', '--remove'], env());
      expect(first).toMatchObject({ code: 0, err: '' });
      expect(first.out).toContain("identity provider(s) 'passly2' still use it");
      expect(await bound('passly')).toBe(boundBefore);
      expect(await bound('passly2')).toBe('passly2 first broker login with BMS');
      const realmNow = await admin.realms.findOne({ realm: two.realm });
      expect(realmNow?.eventsListeners).toContain('bms-provisioning');
      expect((await admin.authenticationManagement.getRequiredActions({ realm: two.realm } as void & { realm: string })).find((a) => a.alias === 'bms-provisioning')?.enabled).toBe(true);

      expect((await runCli(['setup', '--realm', two.realm, '--idp', 'passly2', '--remove'], env())).code).toBe(0);
      const after = await two.exported();
      expect(comparable(after)).toEqual(comparable(withSecond));
      expect(untouched.identityProviders?.map((i) => i.alias)).toEqual(['passly']);
    } finally {
      await two.cleanup();
    }
  });
});
