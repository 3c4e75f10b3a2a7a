import { PostgresStore } from '../../bridge/store/postgres/postgres-store';
import { Store } from '../../bridge/store/store';
import { describeStoreContract } from '../store-contract/store-contract';
import { freshDatabase } from '../support/postgres-info';

// The store contract against the run's real PostgreSQL server: each test gets its own empty database, and a second
// handle on it is a second pool, as another bridge process has.
const urls = new Map<Store, string>();

describeStoreContract('PostgreSQL', {
  open: async () => {
    const url = await freshDatabase('store');
    const store = await PostgresStore.open(url, 4);
    urls.set(store, url);
    return store;
  },
  reopen: async (store) => PostgresStore.open(urls.get(store) ?? '', 4),
});

describe('the PostgreSQL store', () => {
  test('several bridges starting together on an empty database migrate it once, without errors', async () => {
    const url = await freshDatabase('migrate');
    const stores = await Promise.all([1, 2, 3, 4].map(() => PostgresStore.open(url, 2)));
    expect(await stores[0].jobs.list()).toEqual([]);
    await Promise.all(stores.map((s) => s.close()));
  });

  test('a server that cannot be reached is named, without its password, with what to check', async () => {
    await expect(PostgresStore.open('postgres://bridge:not-a-real-password@127.0.0.1:1/bridge')).rejects.toThrow(
      /^cannot connect to the PostgreSQL store at postgres:\/\/bridge:\*\*\*@127\.0\.0\.1:1\/bridge: .*Check BRIDGE_STORE_URL/,
    );
  });
});
