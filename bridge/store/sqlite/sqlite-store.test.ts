import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { buildBridge } from '../../../test/support/bridge-processes';
import { repoRoot } from '../../../test/stack/project';
import { describeStoreContract } from '../../../test/store-contract/store-contract';
import { nextDelayMs } from '../../jobs/job-queue';
import { Store } from '../store';
import { SqliteStore } from './sqlite-store';

let dir: string;
const paths = new Map<Store, string>();
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
describeStoreContract('SQLite', {
  open: async () => {
    const path = join(dir, `nested-${count++}`, 'bridge.sqlite');
    const store = new SqliteStore(path);
    paths.set(store, path);
    return store;
  },
  reopen: async (store) => new SqliteStore(paths.get(store) ?? ':memory:'),
});

describe('the SQLite file', () => {
  const T0 = 1_000_000;

  test('a link written before the converge model is read as what it knew', async () => {
    const path = join(dir, 'old.sqlite');
    const old = new Database(path);
    old.exec('CREATE TABLE employee_links (user_id TEXT PRIMARY KEY, employee_id INTEGER NOT NULL, snapshot TEXT, linked_at INTEGER NOT NULL)');
    old.prepare('INSERT INTO employee_links VALUES (?, ?, ?, ?)').run('u', 7, JSON.stringify({ firstName: 'Ada', lastName: 'L', writtenBack: true, deactivated: true }), T0);
    old.close();
    const opened = new SqliteStore(path);
    expect((await opened.links.linkOf('u'))?.record).toEqual({ id: 7, active: false, firstName: 'Ada', lastName: 'L', email: null, userName: null, fields: {} });
    await opened.close();
  });

  test('a job left running by a bridge from before leases is resumed by the first look', async () => {
    const path = join(dir, 'pre-lease.sqlite');
    const old = new Database(path);
    old.exec("CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL DEFAULT 'converge', user_id TEXT NOT NULL, payload TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL, run_at INTEGER NOT NULL, last_error TEXT, result TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, trigger TEXT NOT NULL DEFAULT 'event', priority INTEGER NOT NULL DEFAULT 5)");
    old.prepare("INSERT INTO jobs (user_id, payload, state, attempts, max_attempts, run_at, created_at, updated_at) VALUES ('u', '{\"triggers\":[]}', 'running', 1, 3, ?, ?, ?)").run(T0, T0, T0);
    old.close();
    const opened = new SqliteStore(path);
    expect(await opened.jobs.resumeExpired(T0 + 1)).toBe(1);
    await opened.close();
  });

  test('processes that open one new file at the same moment all open it (reviews: 2 of 30, then 6 of 160 failed adding a column twice)', async () => {
    mkdirSync(join(repoRoot, '.cache'), { recursive: true });
    const outDir = mkdtempSync(join(repoRoot, '.cache', 'sqlite-race-')); // inside the repository: the output needs node_modules
    try {
      buildBridge(outDir);
      const storeJs = join(outDir, 'bridge', 'store', 'sqlite', 'sqlite-store.js');
      // without the fix a second review saw 6 of 160 openers fail in 20 rounds of 8: this fails with about 99 % odds
      const failed: string[] = [];
      for (let round = 0; round < 20; round++) {
        const file = join(dir, `race-${round}`, 'bridge.sqlite');
        const opener = `const { SqliteStore } = require(${JSON.stringify(storeJs)}); new SqliteStore(${JSON.stringify(file)}).close().then(() => console.log('opened'));`;
        const outcomes = await Promise.all(Array.from({ length: 8 }, () => nodeOutput(opener)));
        failed.push(...outcomes.filter((o) => o !== 'opened'));
      }
      expect(failed).toEqual([]);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 120_000);

  test('a store that cannot be opened says where and what to check', () => {
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, 'x');
    expect(() => new SqliteStore(join(file, 'bridge.sqlite'))).toThrow(`cannot open the store at ${join(file, 'bridge.sqlite')}`);
  });
});

test.each([
  [1, 1000, 500, 1000],
  [3, 4000, 2000, 4000],
  [20, 60_000, 30_000, 60_000],
])('backoff after attempt %i stays within [%i/2, %i]', (attempts, ceiling, low, high) => {
  const backoff = { baseDelayMs: 1000, maxDelayMs: 60_000 };
  expect(nextDelayMs(attempts, backoff, undefined, () => 0)).toBe(low);
  expect(nextDelayMs(attempts, backoff, undefined, () => 0.999999)).toBeLessThanOrEqual(high);
  expect(ceiling).toBe(high);
});

/** What a Node process running `code` printed (its error, when it failed), trimmed. */
function nodeOutput(code: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('close', () => resolve(text.trim()));
  });
}
