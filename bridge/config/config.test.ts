import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError, loadConfig } from './config';

const minimal = {
  BRIDGE_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  KEYCLOAK_URL: 'http://127.0.0.1:8080',
  KEYCLOAK_CLIENT_ID: 'bms-bridge',
  KEYCLOAK_CLIENT_SECRET: 'not-a-real-secret',
  BMS_REGION: 'emea',
  BMS_TENANT: 'Contoso MSP',
  BMS_USERNAME: 'api@contoso.example',
  BMS_PASSWORD: 'not-a-real-password',
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('bridge configuration', () => {
  test('environment variables alone are enough, with documented defaults', () => {
    const config = loadConfig(minimal);
    expect(config.server).toEqual({ host: '127.0.0.1', port: 8090 });
    expect(config.webhook.answerBudgetMs).toBe(2500);
    expect(config.keycloak).toMatchObject({ realm: 'broker', idpAlias: 'passly' });
    expect(config.jobs.maxAttempts).toBe(8);
    expect(config.retention).toEqual({ deliveriesMs: 3_600_000, jobsMs: 30 * 24 * 3_600_000, auditMs: 400 * 24 * 3_600_000 });
    expect(config.reconcile).toEqual({ intervalMs: 600_000, pageSize: 200 });
    expect(config.bms.region).toBe('emea');
  });

  test('a config file is read first and the environment wins', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'bridge.json');
    writeFileSync(file, JSON.stringify({ server: { port: 9999 }, jobs: { maxAttempts: 3 } }));
    const config = loadConfig({ ...minimal, BRIDGE_CONFIG_FILE: file, BRIDGE_PORT: '7000' });
    expect(config.server.port).toBe(7000);
    expect(config.jobs.maxAttempts).toBe(3);
  });

  test('every problem is listed at once, naming the setting and its variable', () => {
    const problems = problemsOf({ ...minimal, BRIDGE_WEBHOOK_SECRET: 'hunter2', BRIDGE_PORT: 'eighty', KEYCLOAK_URL: 'not a url', BMS_TENANT: '' , PROVISIONING_UPDATE_POLICY: 'everything' });
    expect(problems).toEqual(
      expect.arrayContaining([
        'BRIDGE_PORT=eighty: must be a whole number (server.port)',
        expect.stringMatching(/^webhook\.secret \(BRIDGE_WEBHOOK_SECRET\): must be a Standard Webhooks secret/),
        expect.stringMatching(/^keycloak\.baseUrl \(KEYCLOAK_URL\): /),
        expect.stringMatching(/^bms\.tenant \(BMS_TENANT\): /),
        expect.stringMatching(/^PROVISIONING_UPDATE_POLICY: moved to Keycloak: the identity provider's 'BMS employee defaults' mapper/),
      ]),
    );
  });

  test('the message never echoes a secret', () => {
    try {
      loadConfig({ ...minimal, BRIDGE_WEBHOOK_SECRET: 'whsec_short-and-secret' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect((err as Error).message).not.toContain('short-and-secret');
    }
  });

  test('a store URL the URL parser cannot read says to percent-encode the password, without echoing it', () => {
    const problems = problemsOf({ ...minimal, BRIDGE_STORE_URL: 'postgres://bridge:not/a-real:pass@db.example.invalid:5432/bms' });
    expect(problems).toEqual([expect.stringMatching(/^store\.url \(BRIDGE_STORE_URL\): is not a URL that can be read: percent-encode special characters .* \/ as %2F/)]);
    expect(problems.join()).not.toContain('a-real');
  });

  test.each(['postgres://bridge:1234#not-a-real-one@db.example.invalid/bms', 'postgres://bridge:12/not-a-real-one@db.example.invalid/bms', 'postgres://bridge:99?not-a-real-one@db.example.invalid/bms'])(
    'a password of digits then an unencoded #, / or ? is refused, though the URL parser reads it (as host and port): %s',
    (url) => {
      const problems = problemsOf({ ...minimal, BRIDGE_STORE_URL: url });
      expect(problems).toEqual([expect.stringMatching(/^store\.url \(BRIDGE_STORE_URL\): is not a URL that can be read: percent-encode/)]);
      expect(problems.join()).not.toContain('not-a-real');
    },
  );

  test('store URLs written as meant still load: port, IPv6, no password, an encoded password, an @ in a query value, no user, a non-ASCII host', () => {
    for (const url of ['postgres://bridge:pw@db.example.invalid:5432/bms', 'postgres://bridge:pw@[::1]:5432/bms', 'postgres://bridge@db.example.invalid/bms', 'postgresql://bridge:a%23b%2Fc%40d@db.example.invalid/bms', 'postgres://db.example.invalid/bms', 'postgres://bridge:pw@db.example.invalid/bms?application_name=bridge@host1', 'postgres://:pw@db.example.invalid/bms', 'postgres://bridge:pw@bücher.example/bms']) {
      expect(problemsOf({ ...minimal, BRIDGE_STORE_URL: url })).toEqual([]);
    }
  });

  test('the admin pages need both the public URL and the session secret; with both they are on, with their defaults', () => {
    expect(problemsOf({ ...minimal, BRIDGE_PUBLIC_URL: 'https://bridge.example.invalid' })).toEqual([expect.stringContaining('the admin pages need both BRIDGE_PUBLIC_URL and BRIDGE_ADMIN_SESSION_SECRET')]);
    expect(problemsOf({ ...minimal, BRIDGE_PUBLIC_URL: 'https://bridge.example.invalid/admin/', BRIDGE_ADMIN_SESSION_SECRET: 'x'.repeat(32) })).toEqual([expect.stringContaining('admin.publicUrl (BRIDGE_PUBLIC_URL): must be the scheme, host and port only')]);
    const config = loadConfig({ ...minimal, BRIDGE_PUBLIC_URL: 'https://bridge.example.invalid', BRIDGE_ADMIN_SESSION_SECRET: 'x'.repeat(32) });
    expect(config.admin).toMatchObject({ publicUrl: 'https://bridge.example.invalid', role: 'bms-bridge-admin', idleMs: 30 * 60_000, absoluteMs: 8 * 3_600_000 });
  });

  test('a missing or broken config file is a problem, not a crash', () => {
    expect(problemsOf({ ...minimal, BRIDGE_CONFIG_FILE: '/nonexistent/bridge.json' })).toEqual(['BRIDGE_CONFIG_FILE=/nonexistent/bridge.json: no such file']);
  });
});

test('the example in config/ is a valid configuration', () => {
  const file = join(__dirname, '..', '..', 'config', 'bridge.example.json');
  expect(loadConfig({ BRIDGE_CONFIG_FILE: file }).keycloak.clientId).toBe('bms-bridge');
});
