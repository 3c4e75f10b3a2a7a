import { join } from 'node:path';

import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type { Browser, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';

import { RunningBridge, startBridge } from '../../bridge/bridge';
import { main as cli } from '../../bridge/cli/main';
import { BridgeConfig } from '../../bridge/config/config';
import { SqliteStore } from '../../bridge/store/sqlite/sqlite-store';
import { silentLogger } from '../../bridge/log/logger';
import { DEFAULT_API_USER, BmsEmulator } from '../bms-emulator/server';
import { adminClient, findUserByUsername } from '../support/admin';
import { RealmCopy } from '../support/broker-realm-copy';
import { OwnBridge, startOwnBridge } from '../support/own-bridge';
import { stackInfo } from '../support/stack-info';
import { eventually } from '../support/eventually';
import { scrape } from '../support/prometheus';
import { launchBrowser } from './browser';
import { expectAccountConsole, loginAtAccountConsole, waitForText } from './passly-login';

const { baseUrl } = stackInfo();
const ADMIN_TOKEN = 'e2e-admin-token-not-a-secret-0000';
let browser: Browser;
let admin: KcAdminClient;
let own: OwnBridge;
let copy: RealmCopy;
let emulator: BmsEmulator;
/** the bridge now (a test restarts it) */
let bridge: RunningBridge;
let dir: string;
let config: BridgeConfig;
let secret: string;
let clientSecret: string;

beforeAll(async () => {
  browser = await launchBrowser();
  admin = await adminClient();
  own = await startOwnBridge(admin, baseUrl, 'broker-bridge', { admin: { token: ADMIN_TOKEN } });
  ({ copy, emulator, bridge, dir, config, secret, clientSecret } = own);
});

afterAll(async () => {
  await bridge?.stop();
  await own?.stop();
  await browser?.close();
});

const login = (username: string): Promise<Page> => loginAtAccountConsole(browser, baseUrl, copy.realm, username);

async function loginToAccountConsole(username: string): Promise<void> {
  const page = await login(username);
  await expectAccountConsole(page, baseUrl, copy.realm);
  await page.context().close();
}

const employeesWith = (email: string) => emulator.store.all().filter((e) => e.emailAddress.toLowerCase() === email.toLowerCase());
const writes = (): number => emulator.calls.filter((c) => /^(POST|PATCH) \/v2\/hr\/employees/.test(c)).length;


// first: later tests log users in, which marks them as requested too
describe('the reconciler', () => {
  async function markedUser(username: string, email: string, groups: string[], domain: string, marked = true): Promise<string> {
    const { id } = await admin.users.create({
      realm: copy.realm, username, email, firstName: 'Lost', lastName: 'Webhook', enabled: true,
      attributes: { upn: [email], ad_domain: [domain], ad_groups: groups, ...(marked ? { bms_provisioning_requested_at: [new Date().toISOString()] } : {}) },
    });
    return id;
  }

  test('provisions users marked as requested whose webhook never arrived, skips and counts the denied, leaves unmarked users alone', async () => {
    const lost = await markedUser('lost.webhook', 'lost.webhook@contoso.com', ['BMS-Techs'], 'contoso.com');
    await markedUser('denied.marked', 'denied.marked@fabrikam.com', ['BMS-Sales'], 'fabrikam.com');
    await markedUser('never.opened.bms', 'never.opened.bms@contoso.com', ['BMS-Techs'], 'contoso.com', false);
    const summary = await bridge.sweep.run({ scope: 'requested', waitMs: 20_000 });
    expect(summary).toMatchObject({ examined: 2, queued: 1, active: 1, denied: 1, failed: 0, stillRunning: 0 });
    const [employee] = employeesWith('lost.webhook@contoso.com');
    expect(employee).toMatchObject({ departmentId: 1, securityRoleId: 2 });
    expect((await admin.users.findOne({ realm: copy.realm, id: lost }))?.attributes?.bms_employee_id).toEqual([String(employee.id)]);
    expect(employeesWith('never.opened.bms@contoso.com')).toEqual([]);
    expect(employeesWith('denied.marked@fabrikam.com')).toEqual([]);

    const before = emulator.calls.length;
    const again = await bridge.sweep.run({ scope: 'requested', waitMs: 5_000 });
    expect(again).toMatchObject({ queued: 0, unchanged: 1, denied: 1 }); // the provisioned one is linked and unchanged
    expect(emulator.calls.length).toBe(before); // an unchanged user costs no BMS call
  });

  test('--all also provisions users linked to the identity provider that were never marked (a first migration)', async () => {
    const id = await markedUser('migrated.user', 'migrated.user@contoso.com', ['BMS-Techs'], 'contoso.com', false);
    await admin.users.addToFederatedIdentity({ realm: copy.realm, id, federatedIdentityId: 'passly', federatedIdentity: { identityProvider: 'passly', userId: 'migrated.user@contoso.com', userName: 'migrated.user@contoso.com' } });
    expect((await bridge.sweep.run({ scope: 'requested', waitMs: 5_000 })).active).toBe(0);
    expect(employeesWith('migrated.user@contoso.com')).toEqual([]);
    const all = await bridge.sweep.run({ scope: 'all', waitMs: 20_000 });
    expect(all).toMatchObject({ active: 1, failed: 0 });
    expect(employeesWith('migrated.user@contoso.com')).toHaveLength(1);
  });

  test('the CLI reconciles and prints a summary', async () => {
    await markedUser('cli.reconcile', 'cli.reconcile@contoso.com', ['BMS-Techs'], 'contoso.com');
    let out = '';
    const code = await cli(['reconcile'], {
      BRIDGE_WEBHOOK_SECRET: secret, KEYCLOAK_URL: baseUrl, KEYCLOAK_REALM: copy.realm, KEYCLOAK_CLIENT_ID: 'bms-bridge', KEYCLOAK_CLIENT_SECRET: clientSecret,
      BMS_BASE_URL: config.bms.baseUrl, BMS_TENANT: DEFAULT_API_USER.tenant, BMS_USERNAME: DEFAULT_API_USER.userName, BMS_PASSWORD: DEFAULT_API_USER.password,
      BRIDGE_DB_PATH: join(dir, 'cli.sqlite'),
    }, (t) => (out += t), () => undefined);
    expect(out).toMatch(/^swept \(linked and marked users\): examined \d+, unchanged \d+, denied 1, gone from Keycloak 0, backed off 0, queued \d+ \(active \d+, inactive 0, refused 0, failed 0, still running 0\)/);
    expect(code).toBe(0);
    expect(employeesWith('cli.reconcile@contoso.com')).toHaveLength(1);
  });
});

describe('the bridge, end to end through Keycloak and the BMS emulator', () => {
  test('a new user is created from the winning rule during the login, and bms_employee_id is written back', async () => {
    const before = emulator.calls.length;
    await loginToAccountConsole('grace.hopper@contoso.com');
    const [employee] = employeesWith('grace.hopper@contoso.com');
    expect(employee).toMatchObject({ userName: 'grace.hopper@contoso.com', firstName: 'Grace', departmentId: 1, securityRoleId: 2, locationId: 2, isActive: true });
    const user = await findUserByUsername(admin, copy.realm, 'grace.hopper@contoso.com');
    expect(user?.attributes?.bms_employee_id).toEqual([String(employee.id)]);
    const employeeCalls = emulator.calls.slice(before).filter((c) => c.includes('/v2/hr/employees') && !c.endsWith('/lookup'));
    expect(employeeCalls).toEqual(['GET /v2/hr/employees/searchselect', 'POST /v2/hr/employees']);

    // the same user again, unchanged: no BMS call at all
    const again = emulator.calls.length;
    await loginToAccountConsole('grace.hopper@contoso.com');
    expect(emulator.calls.slice(again)).toEqual([]);
  });

  test('a user whose e-mail matches an existing employee in another case is linked, never duplicated', async () => {
    const writesBefore = writes();
    await loginToAccountConsole('margaret.hamilton@contoso.com');
    expect(employeesWith('margaret.hamilton@contoso.com').map((e) => e.id)).toEqual([101]);
    expect((await findUserByUsername(admin, copy.realm, 'margaret.hamilton@contoso.com'))?.attributes?.bms_employee_id).toEqual(['101']);
    // the names already match; the synced security role is written once (a search does not show it)
    expect(emulator.calls.slice(-5).filter((c) => /^PATCH \/v2\/hr\/employees\/101$/.test(c))).toHaveLength(1);
    expect(writes() - writesBefore).toBe(1);
  });

  test('a deny rule stops the login with a message the user can act on, and creates nothing', async () => {
    const page = await login('linus.pauling@fabrikam.com');
    await waitForText(page, /not set up to use BMS/);
    expect(employeesWith('linus.pauling@fabrikam.com')).toEqual([]);
    await page.context().close();
  });

  test('disabling the user in Keycloak deactivates the employee; enabling reactivates it', async () => {
    const user = await findUserByUsername(admin, copy.realm, 'grace.hopper@contoso.com');
    const [employee] = employeesWith('grace.hopper@contoso.com');
    await admin.users.update({ realm: copy.realm, id: user?.id ?? '' }, { ...user, enabled: false });
    await eventually(() => emulator.store.get(employee.id)?.isActive === false, 'deactivation');
    await admin.users.update({ realm: copy.realm, id: user?.id ?? '' }, { ...user, enabled: true });
    await eventually(() => emulator.store.get(employee.id)?.isActive === true, 'reactivation');
  });
});

describe('the bridge under load and faults (signed webhooks sent directly)', () => {
  let n = 0;
  const ids = new Map<string, string>();
  const creating = new Map<string, Promise<string>>();
  /** The Keycloak user behind a test key: a job reads the user from Keycloak, so it must exist. */
  function idOf(key: string, email: string): Promise<string> {
    if (!creating.has(key)) {
      const attributes = { upn: [email], ad_domain: ['contoso.com'], ad_groups: ['BMS-Techs'] };
      creating.set(key, admin.users.create({ realm: copy.realm, username: key, email, firstName: 'Test', lastName: 'User', enabled: true, attributes }).then(({ id }) => (ids.set(key, id), id)));
    }
    return creating.get(key) as Promise<string>;
  }
  async function send(email: string, key: string, to: RunningBridge = bridge): Promise<{ status: string }> {
    const userId = await idOf(key, email);
    const body = JSON.stringify({
      type: 'login.provisioning_requested', eventId: `test-${n}`, realm: copy.realm, idpAlias: 'passly', clientId: 'account-console',
      user: { id: userId, username: email, subject: email, email, firstName: 'Test', lastName: 'User', upn: email, domain: 'contoso.com', groups: ['BMS-Techs'] },
      firstLogin: true, time: new Date().toISOString(),
    });
    const id = `msg_test_${n++}_${Math.random().toString(36).slice(2)}`;
    const now = new Date();
    const res = await fetch(`${to.url}/webhooks/keycloak`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, now, body) },
      body,
    });
    return (await res.json()) as { status: string };
  }

  test('/metrics, parsed as Prometheus text, moves with signed sign-in webhooks and a browser sign-in', async () => {
    const login = { type: 'login.provisioning_requested', outcome: 'provisioned' };
    const created = { endpoint: 'POST /v2/hr/employees', status: '200' };
    const before = await scrape(bridge.url, ADMIN_TOKEN);
    expect(await send('metrics.first@contoso.com', 'user-metrics-1')).toMatchObject({ status: 'provisioned' });
    expect(await send('metrics.second@contoso.com', 'user-metrics-2')).toMatchObject({ status: 'provisioned' });
    const after = await eventually(async () => {
      const s = await scrape(bridge.url, ADMIN_TOKEN);
      return s.value('bms_bridge_job_attempts_total', { trigger: 'login', outcome: 'done' }) >= before.value('bms_bridge_job_attempts_total', { trigger: 'login', outcome: 'done' }) + 2 ? s : undefined;
    }, 'both sign-in jobs to be counted');
    expect(after.value('bms_bridge_webhooks_total', login) - before.value('bms_bridge_webhooks_total', login)).toBe(2);
    expect(after.count('bms_bridge_login_answer_seconds') - before.count('bms_bridge_login_answer_seconds')).toBe(2);
    expect(after.value('bms_bridge_bms_calls_total', created) - before.value('bms_bridge_bms_calls_total', created)).toBe(2);
    // the budget shared through the store: each create took one call of the window
    expect(after.value('bms_bridge_bms_budget_remaining', { endpoint: 'POST /v2/hr/employees' })).toBeLessThanOrEqual(before.value('bms_bridge_bms_budget_remaining', { endpoint: 'POST /v2/hr/employees' }) - 2);
    expect(after.value('bms_bridge_bms_budget_limit', { endpoint: 'POST /v2/hr/employees' })).toBe(1500);
    expect(after.value('bms_bridge_rules_usable')).toBe(1);
    expect(after.family('process_cpu_seconds_total').type).toBe('COUNTER');

    // a real sign-in through Keycloak: the plugin's webhook is counted the same way
    await loginToAccountConsole('grace.hopper@contoso.com');
    const afterBrowser = await scrape(bridge.url, ADMIN_TOKEN);
    expect(afterBrowser.value('bms_bridge_webhooks_total', login) - after.value('bms_bridge_webhooks_total', login)).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${bridge.url}/metrics`)).status).toBe(401);
  });

  test('a provisioned answer carries the employee id', async () => {
    const answer = await send('answer.id@contoso.com', 'user-answer');
    expect(answer).toEqual({ status: 'provisioned', employeeId: employeesWith('answer.id@contoso.com')[0].id });
  });

  test("the audit trail tells a first sign-in's story: the search, the creation, the write-back, the decision with its rule, the answer", async () => {
    const answer = await send('audit.story@contoso.com', 'user-audit');
    const employeeId = employeesWith('audit.story@contoso.com')[0]?.id;
    expect(answer).toEqual({ status: 'provisioned', employeeId });
    const story = await bridge.store.audit.list({ userId: ids.get('user-audit') });
    expect(story.map((e) => [e.kind, e.what, e.trigger])).toEqual([
      ['bms-read', 'searched BMS: no employee', 'login'],
      ['bms-write', `created BMS employee ${employeeId}`, 'login'],
      ['keycloak-write', `wrote bms_employee_id ${employeeId} to the Keycloak user`, 'login'],
      ['decision', `BMS employee ${employeeId} active`, 'login'],
      ['decision', `sign-in answered provisioned (employee ${employeeId})`, 'login'],
    ]);
    expect(story[3].why).toMatch(/^provision by rule '.+': /);
    expect(story[4]).toMatchObject({ jobId: story[3].jobId, by: expect.stringMatching(/^test-/), details: { answer: 'provisioned', groups: ['BMS-Techs'], groupCount: 1, domain: 'contoso.com' } });
    // a returning sign-in with nothing to change: one entry, no job, no BMS call
    await send('audit.story@contoso.com', 'user-audit');
    const again = await bridge.store.audit.list({ userId: ids.get('user-audit'), afterId: story[4].id });
    expect(again.map((e) => [e.kind, e.what, e.jobId])).toEqual([['decision', `sign-in answered provisioned (employee ${employeeId})`, null]]);
    // the same story from the CLI, found by e-mail through Keycloak, as JSON lines (the running bridge's own store)
    let out = '';
    const code = await cli(['audit', '--user', 'audit.story@contoso.com'], {
      BRIDGE_WEBHOOK_SECRET: secret, KEYCLOAK_URL: baseUrl, KEYCLOAK_REALM: copy.realm, KEYCLOAK_CLIENT_ID: 'bms-bridge', KEYCLOAK_CLIENT_SECRET: clientSecret,
      BMS_BASE_URL: config.bms.baseUrl, BMS_TENANT: DEFAULT_API_USER.tenant, BMS_USERNAME: DEFAULT_API_USER.userName, BMS_PASSWORD: DEFAULT_API_USER.password,
      BRIDGE_DB_PATH: config.store.path,
    }, (t) => (out += t), () => undefined);
    expect(code).toBe(0);
    expect(out.trimEnd().split('\n').map((line) => (JSON.parse(line) as { what: string }).what)).toEqual([...story, ...again].map((e) => e.what));
  });

  test('BMS answering 429: the call waits for Retry-After and both employees are created', async () => {
    const saved = { ...emulator.settings };
    Object.assign(emulator.settings, { rateLimitPerHour: 1, rateWindowMs: 1500 });
    emulator.rateLimit.reset();
    const rejectedBefore = emulator.rateLimit.rejected;
    await Promise.all([send('limited.one@contoso.com', 'user-limited-1'), send('limited.two@contoso.com', 'user-limited-2')]);
    await eventually(() => employeesWith('limited.one@contoso.com').length === 1 && employeesWith('limited.two@contoso.com').length === 1, 'both employees');
    expect(emulator.rateLimit.rejected).toBeGreaterThan(rejectedBefore);
    Object.assign(emulator.settings, saved);
    emulator.rateLimit.reset();
  });

  test('20 concurrent webhooks for one user make exactly one employee', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => send('concurrent.user@contoso.com', 'user-concurrent')));
    expect(answers.every((a) => a.status === 'provisioned' || a.status === 'pending')).toBe(true);
    await eventually(async () => (await bridge.store.jobs.list({ userId: ids.get('user-concurrent') })).every((j) => j.state === 'done'), 'all jobs done');
    expect(employeesWith('concurrent.user@contoso.com')).toHaveLength(1);
  });

  test('BMS answering 503 twice: the job retries and the employee is created once', async () => {
    emulator.setFaults({ failNext: { count: 2, status: 503 }, pathPrefix: '/v2/hr/employees' });
    await send('flaky.bms@contoso.com', 'user-flaky');
    await eventually(() => employeesWith('flaky.bms@contoso.com').length === 1, 'creation after the 503s');
    const job = await eventually(async () => (await bridge.store.jobs.list({ userId: ids.get('user-flaky'), state: 'done' }))[0], 'the job to finish');
    expect(job.attempts).toBeGreaterThan(1);
    emulator.setFaults({});
  });

  test('BMS down: the login is answered pending at once, and the job is dead after the configured attempts with the error kept', async () => {
    emulator.setFaults({ down: true, pathPrefix: '/v2/hr/employees' });
    expect(await send('down.bms@contoso.com', 'user-down')).toEqual({ status: 'pending' });
    const job = await eventually(async () => (await bridge.store.jobs.list({ userId: ids.get('user-down'), state: 'dead' }))[0], 'the dead job');
    expect(job.attempts).toBe(3);
    expect(job.lastError).toMatch(/cannot reach BMS/);
    emulator.setFaults({});
  });

  test("a sign-in does not wait behind its user's own background job held at the background share of BMS's budget", async () => {
    // a second bridge with a small budget: 20 searches per 10 minutes, of which background work may use 18
    const limited = await startBridge({ ...config, webhook: { ...config.webhook, answerBudgetMs: 8000 }, bms: { ...config.bms, rateLimit: { perWindow: 20, windowMs: 600_000 } }, store: { ...config.store, path: join(dir, 'limited.sqlite') } }, silentLogger);
    try {
      const search = { endpoint: 'GET /v2/hr/employees/searchselect', limit: 20, windowMs: 600_000, ceiling: 18 };
      for (let i = 0; i < 18; i++) expect((await limited.store.coordination.takeCall(search, false)).ok).toBe(true); // a sweep spent the background share
      const userId = await idOf('user-held', 'held.by.sweep@contoso.com');
      const sweep = await limited.store.jobs.enqueue({ userId, trigger: 'sweep', mayCreate: true }, 3);
      await eventually(async () => (await limited.store.jobs.get(sweep.id))?.state === 'running', "the sweep's job to start");
      await new Promise((r) => setTimeout(r, 1500));
      expect(employeesWith('held.by.sweep@contoso.com')).toHaveLength(0); // it waits for background room (about 10 minutes)
      const answer = await send('held.by.sweep@contoso.com', 'user-held', limited);
      expect(answer).toEqual({ status: 'provisioned', employeeId: employeesWith('held.by.sweep@contoso.com')[0]?.id });
      expect((await limited.store.jobs.get(sweep.id))?.state).toBe('done'); // the sweep's job was raised, not passed by
    } finally {
      await limited.stop();
    }
  });

  test('a job left running by a crashed bridge is resumed once its lease has expired', async () => {
    const path = join(dir, 'bridge.sqlite');
    await bridge.stop();
    const userId = await idOf('user-crash', 'crash@contoso.com');
    const crashed = new SqliteStore(path);
    await crashed.jobs.enqueue({ userId, trigger: 'login', mayCreate: true }, 3);
    expect((await crashed.jobs.claim({ owner: 'the-crashed-bridge', ms: 1 }))?.state).toBe('running');
    await crashed.close(); // the process dies here, and nobody renews its 1 ms lease
    bridge = await startBridge(config, silentLogger);
    await copy.configureProvisioning({ 'bridge.url': `${bridge.url}/webhooks/keycloak` }); // a new port
    await eventually(() => employeesWith('crash@contoso.com').length === 1, 'the resumed job');
    const job = await eventually(async () => (await bridge.store.jobs.list({ userId, state: 'done' }))[0], 'the job to finish');
    expect(job.attempts).toBe(2); // one attempt before the crash, one after
  });
});

describe('rules maintained in the Keycloak console', () => {
  test('a rule created through the admin client is used at once (the listener drops the cache)', async () => {
    expect((await bridge.decide(factsFor(['Contractors']))).outcome).toBe('deny');
    await admin.identityProviders.createMapper({
      realm: copy.realm,
      alias: 'passly',
      identityProviderMapper: { name: 'Rule 60: contractors', identityProviderAlias: 'passly', identityProviderMapper: 'bms-mapping-rule', config: { 'bms.order': '60', 'bms.match.group': 'Contractors', 'bms.security.role': 'Read Only' } },
    });
    const decision = await eventually(async () => {
      const d = await bridge.decide(factsFor(['Contractors']));
      return d.outcome === 'provision' ? d : undefined;
    }, 'the new rule to be used');
    expect(decision).toMatchObject({ rule: { name: 'Rule 60: contractors' }, fields: { securityRole: 'Read Only' } });
  });
});

describe('preview and problems', () => {
  test('the CLI previews a Keycloak user by e-mail with the rules checked as for a sign-in, and writes nothing to BMS', async () => {
    const before = emulator.calls.length;
    let out = '';
    const code = await cli(['preview', '--email', 'grace.hopper@contoso.com'], {
      BRIDGE_WEBHOOK_SECRET: secret, KEYCLOAK_URL: baseUrl, KEYCLOAK_REALM: copy.realm, KEYCLOAK_CLIENT_ID: 'bms-bridge', KEYCLOAK_CLIENT_SECRET: clientSecret,
      BMS_BASE_URL: config.bms.baseUrl, BMS_TENANT: DEFAULT_API_USER.tenant, BMS_USERNAME: DEFAULT_API_USER.userName, BMS_PASSWORD: DEFAULT_API_USER.password,
      BRIDGE_DB_PATH: join(dir, 'preview.sqlite'), // where the preview keeps its last good rule set (not the repository's .data/)
    }, (t) => (out += t), () => undefined);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ decision: { outcome: 'provision', rule: { name: 'Rule 20: technicians' } }, facts: { email: 'grace.hopper@contoso.com' }, rulesProblems: [] });
    const made = emulator.calls.slice(before);
    expect(made.length).toBeGreaterThan(0); // the names in the rules were checked against BMS
    expect(made.filter((c) => !/^GET |^POST \/v2\/security\/authenticate$/.test(c))).toEqual([]);
  });

  test('a rule naming a BMS value that does not exist is reported by readyz, and the last good rule set stays in force', async () => {
    const created = await admin.identityProviders.createMapper({
      realm: copy.realm,
      alias: 'passly',
      identityProviderMapper: { name: 'Rule 70: wizards', identityProviderAlias: 'passly', identityProviderMapper: 'bms-mapping-rule', config: { 'bms.order': '70', 'bms.match.group': 'Wizards', 'bms.department': 'Wizardry' } },
    });
    const ready = await eventually(async () => {
      const res = await fetch(`${bridge.url}/readyz`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      const body = (await res.json()) as { checks: Record<string, string> };
      return res.status === 503 && body.checks.rules.includes('Wizardry') ? body : undefined;
    }, 'readyz to report the unknown name');
    expect(ready.checks.rules).toContain("rule 'Rule 70: wizards': BMS has no department named 'Wizardry'");
    expect(ready.checks.rules).toContain('stays in force until this is fixed');
    // nobody is locked out: the technicians' rule still provisions; the broken rule is not in force
    expect(await bridge.decide(factsFor(['BMS-Techs']))).toMatchObject({ outcome: 'provision', rule: { name: 'Rule 20: technicians' } });
    expect((await bridge.decide(factsFor(['Wizards']))).outcome).toBe('deny');
    await admin.identityProviders.delMapper({ realm: copy.realm, alias: 'passly', id: created.id });
  });
});

function factsFor(groups: string[]) {
  return { username: 'c@contoso.com', email: 'c@contoso.com', upn: 'c@contoso.com', domain: 'contoso.com', groups };
}
