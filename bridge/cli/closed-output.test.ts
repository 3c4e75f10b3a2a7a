import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { cacheDir } from '../../test/stack/project';
import { buildBridge, BuiltBridge } from '../../test/support/bridge-processes';
import { CLI_TEST_ENV } from '../../test/support/cli-env';
import { SqliteStore } from '../store/sqlite/sqlite-store';

const env = CLI_TEST_ENV;

/**
 * The CLI as a shell runs it, its output read by a reader that stops after the first chunk (as `| head -1` does):
 * exit code, what it wrote on stderr, and how many bytes the reader took.
 */
function runIntoClosingReader(built: BuiltBridge, argv: string[], extraEnv: Record<string, string>): Promise<{ code: number | null; signal: string | null; err: string; read: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [built.mainJs, ...argv], { env: { ...process.env, ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let read = 0;
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.once('data', (d: Buffer) => {
      read = d.length;
      child.stdout.destroy(); // the reader is gone: the next write gets EPIPE
    });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, err, read }));
  });
}

describe('the bridge CLI, its output closed early (bridge … | head)', () => {
  const dir = join(cacheDir, 'runs', `cli-closed-output-${process.pid}-${Date.now()}`);
  let built: BuiltBridge;
  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    built = buildBridge(join(dir, 'js'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('--help ends quietly with exit code 0, not a crash on EPIPE', async () => {
    const result = await runIntoClosingReader(built, ['--help'], {});
    expect(result).toMatchObject({ code: 0, signal: null, err: '' });
    expect(result.read).toBeGreaterThan(0);
  });

  test('an audit export of many pages ends quietly with exit code 0 once its reader has gone', async () => {
    const path = join(dir, 'bridge.sqlite');
    const store = new SqliteStore(path);
    const t0 = Date.parse('2026-11-01T08:00:00Z');
    for (let i = 0; i < 5_000; i++) await store.audit.record({ at: t0 + i * 1_000, userId: `user-${i % 7}`, kind: 'bms-write', what: `write ${i} ${'x'.repeat(200)}`, trigger: 'sweep' });
    await store.close();
    const result = await runIntoClosingReader(built, ['audit'], { BRIDGE_DB_PATH: path });
    expect(result).toMatchObject({ code: 0, signal: null, err: '' });
    expect(result.read).toBeLessThan(5_000 * 200); // it stopped early: the reader took one chunk of a larger export
  });
});
