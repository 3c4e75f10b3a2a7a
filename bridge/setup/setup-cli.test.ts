import { main } from '../cli/main';

const ENV = { KEYCLOAK_URL: 'http://127.0.0.1:2', KEYCLOAK_ADMIN_USER: 'admin', KEYCLOAK_ADMIN_PASSWORD: 'not-a-real-password', BRIDGE_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' };
const BASE = ['setup', '--realm', 'corp', '--idp', 'passly'];

async function run(argv: string[], env: NodeJS.ProcessEnv = ENV): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, env, (t) => void (out += t), (t) => void (err += t));
  return { code, out, err };
}

describe('bridge setup refuses what it cannot do before it signs in (exit 2)', () => {
  test('without --realm', async () => {
    expect(await run(['setup', '--idp', 'passly'])).toMatchObject({ code: 2, err: expect.stringContaining("required option '--realm <realm>' not specified") });
  });

  test('a real run without the BMS client, the bridge URL or the webhook secret names each', async () => {
    const { BRIDGE_WEBHOOK_SECRET: _secret, ...env } = ENV;
    expect(await run(BASE, env)).toMatchObject({ code: 2, err: "bridge: setup: give --bms-client, --bridge-url, BRIDGE_WEBHOOK_SECRET (the bridge's)\n" });
  });

  test('a webhook secret the plugin would refuse, before anything is planned', async () => {
    const result = await run([...BASE, '--bms-client', 'bms', '--bridge-url', 'https://bridge.example.invalid/webhooks/keycloak'], { ...ENV, BRIDGE_WEBHOOK_SECRET: 'whsec_short' });
    expect(result.code).toBe(2);
    expect(result.err).toContain('BRIDGE_WEBHOOK_SECRET must be a Standard Webhooks secret');
    expect(result.err).not.toContain('whsec_short');
  });

  test('a bridge URL Java cannot call', async () => {
    expect((await run([...BASE, '--bridge-url', 'https://bms_bridge.example.invalid/webhooks/keycloak'])).err).toContain("has an underscore, which Java's HTTP client refuses in host names");
    expect((await run([...BASE, '--bridge-url', 'https://user:pw@bridge.example.invalid/'])).code).toBe(2);
  });

  test.each([
    ['http://bridge.example.invalid:0/webhooks/keycloak', "The bridge URL's port 0 is not a TCP port (1 to 65535)."],
    ['http://brücke.example/webhooks/keycloak', 'The bridge URL must name a host'],
    ['http://h/web hooks', 'The bridge URL is not a valid URL.'],
    ['http://h/a|b', 'The bridge URL is not a valid URL.'],
  ])('a bridge URL the plugin refuses (%s), with its reason, before anything is written', async (url, reason) => {
    const result = await run([...BASE, '--bms-client', 'bms', '--bridge-url', url]);
    expect(result.code).toBe(2);
    expect(result.err).toContain(reason);
  });

  test('an IdP-initiated SSO URL name that is no URL path segment, or one without the client to create', async () => {
    const create = [...BASE, '--bms-client', 'bms', '--bridge-url', 'https://bridge.example.invalid/webhooks/keycloak', '--bms-acs-url', 'https://bms.example.invalid/saml/connect.aspx'];
    for (const bad of ['bms/tile', '..', 'bms tile']) {
      const refused = await run([...create, '--bms-sso-url-name', bad]);
      expect(refused).toMatchObject({ code: 2, err: expect.stringContaining(`option '--bms-sso-url-name <name>' argument '${bad}' is invalid. letters, digits, '.', '_', '-' and '~' only, with at least one letter or digit`) });
    }
    const alone = await run([...create.slice(0, -2), '--bms-sso-url-name', 'bms-tile']);
    expect(alone).toMatchObject({ code: 2, err: 'bridge: setup: --bms-sso-url-name goes with --bms-acs-url (it is used only when setup creates the BMS client)\n' });
  });

  test('a KEYCLOAK_URL that is not http(s) is a usage error, as the flag is', async () => {
    const result = await run([...BASE, '--check'], { ...ENV, KEYCLOAK_URL: 'ftp://x' });
    expect(result).toMatchObject({ code: 2, err: expect.stringContaining("KEYCLOAK_URL 'ftp://x' is not usable: give an http(s) URL") });
    expect((await run([...BASE, '--check'], { ...ENV, KEYCLOAK_URL: 'not a url' })).code).toBe(2);
  });

  test('--check with --remove, and no way to sign in', async () => {
    expect(await run([...BASE, '--check', '--remove'])).toMatchObject({ code: 2, err: expect.stringContaining('--check reads only') });
    expect(await run([...BASE, '--check'], { KEYCLOAK_URL: 'http://127.0.0.1:2' })).toMatchObject({ code: 2, err: expect.stringContaining('KEYCLOAK_ADMIN_PASSWORD') });
  });

  test('a Keycloak that cannot be reached is a failure naming it (exit 1)', async () => {
    const result = await run([...BASE, '--check']);
    expect(result.code).toBe(1);
    expect(result.err).toContain("Keycloak sign-in of admin 'admin' to realm 'master' at http://127.0.0.1:2: connection refused");
    expect(result.err).not.toContain('not-a-real-password');
  });
});
