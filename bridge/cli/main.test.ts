import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SqliteStore } from '../store/sqlite/sqlite-store';
import { main } from './main';

const env = {
  BRIDGE_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  KEYCLOAK_URL: 'http://127.0.0.1:9',
  KEYCLOAK_CLIENT_ID: 'bms-bridge',
  KEYCLOAK_CLIENT_SECRET: 'not-a-real-secret',
  BMS_REGION: 'us',
  BMS_TENANT: 'Contoso MSP',
  BMS_USERNAME: 'api@contoso.example',
  BMS_PASSWORD: 'not-a-real-password',
};

async function run(argv: string[], environment: NodeJS.ProcessEnv = env): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, environment, (t) => (out += t), (t) => (err += t));
  return { code, out, err };
}

describe('the bridge CLI', () => {
  test('--help explains every command', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    for (const command of ['serve', 'preview --user-id', 'jobs list', 'jobs show', 'jobs retry']) expect(out).toContain(command);
  });

  test('an unknown command exits 2 with the help', async () => {
    const { code, err } = await run(['deploy']);
    expect(code).toBe(2);
    expect(err).toContain("unknown command 'deploy'");
  });

  test('serve with a broken configuration lists every problem and exits 1', async () => {
    const { code, err } = await run(['serve'], { ...env, BRIDGE_PORT: 'eighty', BMS_TENANT: '' });
    expect(code).toBe(1);
    expect(err).toContain('The bridge configuration has 2 problems');
  });

  test('preview --groups refuses a distinguished name (it has commas) and says to use --group', async () => {
    const { code, err } = await run(['preview', '--groups', 'CN=BMS-Admins,OU=Groups,DC=contoso,DC=com'], env);
    expect(code).toBe(1);
    expect(err).toContain("--groups splits at commas, and 'CN=BMS-Admins' looks like part of a distinguished name: pass each group with --group");
  });

  test('jobs list, show and retry work on the store', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cli-')), 'bridge.sqlite');
    const store = new SqliteStore(path);
    const { id } = await store.jobs.enqueue({ userId: 'user-1', trigger: 'event' }, 1);
    await store.jobs.claim({ owner: 'test', ms: 30_000 });
    await store.jobs.fail(id, 'test', { message: 'BMS refused: DepartmentId unknown', retryable: false }, { baseDelayMs: 1, maxDelayMs: 1 });
    await store.close();
    const withStore = { ...env, BRIDGE_DB_PATH: path };
    expect((await run(['jobs', 'list', '--state', 'dead'], withStore)).out).toMatch(new RegExp(`${id}\\s+dead\\s+event\\s+1/1\\s+user-1\\s+BMS refused: DepartmentId unknown`));
    expect(JSON.parse((await run(['jobs', 'show', String(id)], withStore)).out)).toMatchObject({ id, state: 'dead' });
    expect(JSON.parse((await run(['jobs', 'retry', String(id)], withStore)).out)).toMatchObject({ id, state: 'queued', attempts: 0 });
    expect((await run(['jobs', 'list', '--state', 'sleeping'], withStore)).err).toContain('--state must be one of queued, running, done, retry, dead');
  });
});
