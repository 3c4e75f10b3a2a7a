import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CLI_TEST_ENV } from '../../test/support/cli-env';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { main } from './main';

const env = CLI_TEST_ENV;

async function run(argv: string[], environment: NodeJS.ProcessEnv = env): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, environment, (t) => (out += t), (t) => (err += t));
  return { code, out, err };
}

describe('the bridge CLI', () => {
  test('--help lists every command and the exit codes, and exits 0', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('Usage: bridge [options] [command]');
    for (const command of ['serve', 'preview [options]', 'reconcile [options]', 'jobs', 'audit [options]']) expect(out).toContain(command);
    expect(out).toContain('Exit codes: 0 done, 1 failed (the message says what and where), 2 usage');
  });

  test('no command at all prints the help and exits 0', async () => {
    const { code, out } = await run([]);
    expect(code).toBe(0);
    expect(out).toContain('Usage: bridge [options] [command]');
  });

  test.each([
    [['serve', '--help'], 'Usage: bridge serve [options]'],
    [['preview', '--help'], '--user-id <id>'],
    [['reconcile', '--help'], '--all'],
    [['jobs', '--help'], 'retry <id>'],
    [['jobs', 'list', '--help'], '--state <state>'],
    [['jobs', 'show', '--help'], 'Usage: bridge jobs show [options] <id>'],
    [['help', 'jobs'], 'list [options]'],
    [['jobs', 'help', 'show'], 'the job id'],
    [['audit', '--help'], '--user <who>'],
  ])('%j explains the command and exits 0', async (argv, expected) => {
    const { code, out } = await run(argv);
    expect(code).toBe(0);
    expect(out).toContain(expected);
  });

  test('an unknown command exits 2 and names it', async () => {
    const { code, err } = await run(['deploy']);
    expect(code).toBe(2);
    expect(err).toContain("error: unknown command 'deploy'");
  });

  test('an unknown option is refused with exit 2, naming it', async () => {
    const { code, err } = await run(['reconcile', '--everything']);
    expect(code).toBe(2);
    expect(err).toContain("error: unknown option '--everything'");
  });

  test('a surplus argument is refused with exit 2', async () => {
    const { code, err } = await run(['serve', 'now']);
    expect(code).toBe(2);
    expect(err).toContain("error: too many arguments for 'serve'");
  });

  test('jobs without a subcommand, or a job id that is not a number, is a usage error (2)', async () => {
    expect((await run(['jobs'])).code).toBe(2);
    const { code, err } = await run(['jobs', 'show', 'seven']);
    expect(code).toBe(2);
    expect(err).toContain("error: command-argument value 'seven' is invalid for argument 'id'. a job id is a whole number");
  });

  test('preview with nothing to preview is a usage error (2) that says what to give', async () => {
    const { code, err } = await run(['preview']);
    expect(code).toBe(2);
    expect(err).toBe('bridge: preview: give --user-id, --email, or --group (see bridge preview --help)\n');
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
    const sleeping = await run(['jobs', 'list', '--state', 'sleeping'], withStore);
    expect(sleeping.code).toBe(2);
    expect(sleeping.err).toContain("error: option '--state <state>' argument 'sleeping' is invalid. Allowed choices are queued, running, done, retry, dead.");
    const missing = await run(['jobs', 'show', '999999'], withStore);
    expect(missing).toMatchObject({ code: 1, err: 'bridge: no job 999999\n' });
  });

  test('audit exports the trail as JSON lines, oldest first, for one person or everyone, from a time on, across pages', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cli-')), 'bridge.sqlite');
    const store = new SqliteStore(path);
    const ada = '0b5c6f1e-1111-4a4a-9b9b-000000000001';
    const t0 = Date.parse('2026-11-01T08:00:00Z');
    for (let i = 0; i < 1_005; i++) await store.audit.record({ at: t0 + i * 60_000, userId: i % 2 ? ada : 'someone-else', kind: 'bms-write', what: `write ${i}`, trigger: 'sweep' });
    await store.audit.record({ at: t0 + 2_000 * 60_000, userId: ada, kind: 'admin-action', what: 'asked to converge now', trigger: 'admin', by: 'ida.rhodes@contoso.com' });
    await store.close();
    const withStore = { ...env, BRIDGE_DB_PATH: path };
    const everyone = await run(['audit'], withStore);
    expect(everyone.code).toBe(0);
    const lines = everyone.out.trimEnd().split('\n').map((l) => JSON.parse(l) as { what: string; at: string; userId: string });
    expect(lines).toHaveLength(1_006); // more than one page of 1,000
    expect(lines[0]).toMatchObject({ what: 'write 0', at: '2026-11-01T08:00:00.000Z' });
    const hers = (await run(['audit', '--user', ada, '--since', '2026-11-01T16:00:00Z'], withStore)).out.trimEnd().split('\n').map((l) => JSON.parse(l) as { what: string; userId: string; by: string | null });
    expect(hers.every((e) => e.userId === ada)).toBe(true);
    expect(hers[0].what).toBe('write 481'); // 08:00 + 481 minutes is the first of hers after 16:00
    expect(hers[hers.length - 1]).toMatchObject({ what: 'asked to converge now', by: 'ida.rhodes@contoso.com' });
    for (const bad of ['last tuesday', '2026-02-31', '2026-11-01T08:00:00']) {
      const badTime = await run(['audit', '--since', bad], withStore); // not a date, a date that does not exist, a time without its zone
      expect(badTime).toMatchObject({ code: 2 });
      expect(badTime.err).toContain('give an existing date or a time with its zone as ISO 8601');
    }
    expect((await run(['audit', '--user', ada.toUpperCase()], withStore)).out.trimEnd().split('\n')).toHaveLength(503); // ids are lower case: 502 writes and the admin action
    expect((await run(['audit', '--user-id', 'f:ldap-provider:ada'], withStore)).out).toBe(''); // any stored id, no Keycloak lookup
  });

  test('audit reads its next page only once the output has drained the last one', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cli-')), 'bridge.sqlite');
    const store = new SqliteStore(path);
    for (let i = 0; i < 2_500; i++) await store.audit.record({ at: Date.parse('2026-11-01T08:00:00Z') + i, userId: 'someone', kind: 'bms-write', what: `write ${i}`, trigger: 'sweep' });
    await store.close();
    let lines = 0;
    const linesAtEachWait: number[] = [];
    const drained = async (): Promise<void> => {
      linesAtEachWait.push(lines);
      await new Promise((resolve) => setTimeout(resolve, 20)); // a slow reader: the export must wait for it
    };
    const code = await main(['audit'], { ...env, BRIDGE_DB_PATH: path }, (t) => void (lines += t.split('\n').length - 1), () => undefined, { drained, closed: () => false });
    expect(code).toBe(0);
    expect(lines).toBe(2_500);
    expect(linesAtEachWait).toEqual([1_000, 2_000]); // after each full page; the last, short page ends the export

    let gone = 0;
    const closedAfterFirstPage = await main(['audit'], { ...env, BRIDGE_DB_PATH: path }, (t) => void (gone += t.split('\n').length - 1), () => undefined, { drained: async () => undefined, closed: () => gone >= 1_000 });
    expect({ code: closedAfterFirstPage, gone }).toEqual({ code: 0, gone: 1_000 }); // its reader left: the export stops
  });

  test("a store that cannot be opened fails with exit 1 and a message naming it", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cli-')), 'a-file');
    writeFileSync(file, 'not a folder');
    const { code, err } = await run(['jobs', 'list'], { ...env, BRIDGE_DB_PATH: join(file, 'bridge.sqlite') });
    expect(code).toBe(1);
    expect(err).toContain(join(file, 'bridge.sqlite'));
  });
});
