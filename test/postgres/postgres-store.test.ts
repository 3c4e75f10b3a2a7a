import { Client } from 'pg';

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

  test("without an explicit time, every job step is stamped with PostgreSQL's clock, read in the step's own statement", async () => {
    const url = await freshDatabase('clock');
    const store = await PostgresStore.open(url, 2);
    const sql = new Client({ connectionString: url });
    await sql.connect();
    const dbNow = async (): Promise<number> => Number((await sql.query('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now')).rows[0].now);
    try {
      const lease = { owner: 'bridge-a', ms: 60_000 };
      const { id } = await store.jobs.enqueue({ userId: 'u', trigger: 'event' }, 3);
      const before = await dbNow();
      const claimed = await store.jobs.claim(lease);
      const after = await dbNow();
      expect(claimed?.id).toBe(id);
      const claimedAt = claimed?.updatedAt ?? NaN;
      expect(claimedAt).toBeGreaterThanOrEqual(before);
      expect(claimedAt).toBeLessThanOrEqual(after);
      const leaseUntil = async (): Promise<number> => Number((await sql.query('SELECT lease_until FROM bridge_jobs WHERE id = $1', [id])).rows[0].lease_until);
      expect(await leaseUntil()).toBe(claimedAt + lease.ms);
      await sql.query('UPDATE bridge_jobs SET lease_until = 0 WHERE id = $1', [id]);
      expect(await store.jobs.renew([id], lease)).toEqual([id]);
      expect(await leaseUntil()).toBeGreaterThanOrEqual(after + lease.ms);
      expect(await store.jobs.resumeExpired()).toBe(0); // renewed: live
      expect(await store.jobs.release('bridge-a')).toBe(1);
      await store.jobs.claim(lease);
      await sql.query('UPDATE bridge_jobs SET lease_until = $2 WHERE id = $1', [id, (await dbNow()) - 1]);
      expect(await store.jobs.resumeExpired()).toBe(1);
      await store.jobs.claim(lease);
      const done = await store.jobs.complete(id, 'bridge-a', { ok: true });
      expect(done.updatedAt).toBeGreaterThanOrEqual(after);
      expect(done.updatedAt).toBeLessThanOrEqual(await dbNow());
    } finally {
      await sql.end();
      await store.close();
    }
  });

  test('a server that cannot be reached is named, without its password, with what to check', async () => {
    await expect(PostgresStore.open('postgres://bridge:not-a-real-password@127.0.0.1:1/bridge')).rejects.toThrow(
      /^cannot connect to the PostgreSQL store at postgres:\/\/bridge:\*\*\*@127\.0\.0\.1:1\/bridge: .*Check BRIDGE_STORE_URL/,
    );
  });
});

describe('the PostgreSQL store when something goes wrong (issue 12 review)', () => {
  test('a frozen bridge holding the budget lock stops nobody for long: the wait ends after the lock timeout, as a retryable failure', async () => {
    const url = await freshDatabase('frozen');
    const store = await PostgresStore.open(url, 4);
    const frozen = new Client({ connectionString: url });
    await frozen.connect();
    try {
      await frozen.query('BEGIN');
      await frozen.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['bms-budget:GET /employees']); // and then nothing
      const started = Date.now();
      await expect(store.coordination.takeCall({ endpoint: 'GET /employees', limit: 10, windowMs: 60_000, ceiling: 9 }, true)).rejects.toThrow(/lock timeout/);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await store.links.linkOf('anyone')).toBeUndefined(); // and the pool still serves everything else
    } finally {
      await frozen.end();
      await store.close();
    }
  }, 20_000);

  test('a user with data rights only runs against an up-to-date schema; before it, the error says what to grant', async () => {
    const url = await freshDatabase('rights');
    const owner = new Client({ connectionString: url });
    await owner.connect();
    const role = `limited_${Date.now()}`;
    try {
      await owner.query(`CREATE ROLE ${role} LOGIN PASSWORD 'not-a-real-password'`);
      await owner.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
      const limited = new URL(url);
      limited.username = role;
      limited.password = 'not-a-real-password';
      await expect(PostgresStore.open(limited.toString(), 2)).rejects.toThrow(/GRANT CREATE ON SCHEMA public TO/);
      await (await PostgresStore.open(url, 2)).close(); // the owner migrates once
      await owner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
      await owner.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
      const store = await PostgresStore.open(limited.toString(), 2);
      expect((await store.jobs.enqueue({ userId: 'u', trigger: 'event' }, 3)).state).toBe('queued');
      await store.close();
    } finally {
      await owner.end();
    }
  });
});
