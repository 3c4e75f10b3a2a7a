import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { LeaseLostError } from '../jobs/job-queue';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { namedStore, storeLocation } from './named-store';

describe('namedStore', () => {
  test('a failure of the database names the store, the operation and where it is', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'named-store-')), 'bridge.sqlite');
    const raw = new SqliteStore(path);
    const store = namedStore(raw, storeLocation({ path }));
    await raw.close(); // the database goes away under the bridge
    await expect(store.jobs.list({ state: 'dead' })).rejects.toThrow(`store jobs.list at SQLite ${path}: The database connection is not open`);
  });

  test("the store's own decisions pass unchanged (a lost lease is not a database failure)", async () => {
    const store = namedStore(new SqliteStore(':memory:'), 'SQLite :memory:');
    const { id } = await store.jobs.enqueue({ userId: 'u-1', trigger: 'event' }, 3);
    await store.jobs.claim({ owner: 'bridge-a', ms: 30_000 });
    await expect(store.jobs.complete(id, 'bridge-b', {})).rejects.toBeInstanceOf(LeaseLostError);
    await store.close();
  });

  test('the location of a PostgreSQL store never shows its password', () => {
    expect(storeLocation({ path: 'x', url: 'postgres://bridge:s3cret@db.example:6432/bms_bridge' })).toBe('PostgreSQL db.example:6432/bms_bridge');
    expect(storeLocation({ path: '.data/bridge.sqlite' })).toBe('SQLite .data/bridge.sqlite');
  });
});
