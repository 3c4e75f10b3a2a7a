import KcAdminClient from '@keycloak/keycloak-admin-client';
import { Page } from 'playwright-core';

import { launchBrowser } from '../test/e2e/browser';
import { startLocalStack } from '../test/stack/local-stack';

const ROUNDS = Number(process.env.BENCH_LOGIN_ROUNDS ?? 10);
const USER = 'grace.hopper@contoso.com';

/**
 * A broker login through real Keycloak to the BMS portal, with the provisioning step and without it, alternating in
 * the same run. Timed from submitting the stand-in's login form to the portal page, for a returning user whose
 * employee exists (the bridge answers from its store; BMS at zero latency).
 */
export async function benchLogin(): Promise<[string, string, string][]> {
  const stack = await startLocalStack();
  const browser = await launchBrowser();
  try {
    const kc = stack.broker.keycloak;
    const admin = new KcAdminClient({ baseUrl: kc.baseUrl, realmName: 'master' });
    await admin.auth({ grantType: 'password', clientId: 'admin-cli', username: kc.admin.username, password: kc.admin.password });
    const realm = stack.broker.brokerRealm;
    const executions = await admin.authenticationManagement.getExecutions({ realm, flow: 'passly post broker login' });
    const configId = executions.find((e) => e.providerId === 'bms-provisioning')?.authenticationConfig ?? '';
    const original = await admin.authenticationManagement.getConfig({ realm, id: configId });
    // "without the step": the step stays in the flow but gates no client, so it returns at once (as for other apps)
    const setStep = async (mode: 'REQUIRED' | 'DISABLED'): Promise<void> => {
      const gated = mode === 'REQUIRED' ? original.config?.['gated.clients'] ?? '' : 'no-client';
      await admin.authenticationManagement.updateConfig({ ...original, realm, config: { ...original.config, 'gated.clients': gated } });
    };
    const login = async (): Promise<number> => {
      const page: Page = await (await browser.newContext()).newPage();
      await page.goto(stack.bms.portalUrl);
      await page.waitForURL(/\/realms\/passly\//);
      await page.fill('#username', USER);
      await page.fill('#password', 'passly-demo');
      const started = performance.now();
      await Promise.all([page.waitForURL(`${stack.bms.portalUrl}/saml/connect.aspx`, { timeout: 30_000 }), page.click('#kc-login')]);
      await page.getByText('Grace Hopper').first().waitFor();
      const ms = performance.now() - started;
      await page.context().close();
      return ms;
    };
    await setStep('REQUIRED');
    await login(); // provisions Grace once; every timed login is a returning user
    await login();
    const withStep: number[] = [];
    const without: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      await setStep('REQUIRED');
      withStep.push(await login());
      await setStep('DISABLED');
      without.push(await login());
    }
    await setStep('REQUIRED');
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const a = median(withStep);
    const b = median(without);
    return [
      [`broker login median, with the step (${ROUNDS} rounds)`, `${a.toFixed(0)} ms`, ''],
      [`broker login median, without the step`, `${b.toFixed(0)} ms`, ''],
      ['step cost: with / without', `${(a / b).toFixed(3)} (${(((a - b) / b) * 100).toFixed(1)} %)`, '<= 1.05 (5 %)'],
      ['Keycloak start / JVM resident', `${(kc.startMs / 1000).toFixed(1)} s / ${Math.round(kc.rssBytes() / 1048576)} MiB`, ''],
    ];
  } finally {
    await browser.close();
    await stack.stop();
  }
}
