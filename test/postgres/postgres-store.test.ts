import { Client } from 'pg';

import { Worker } from '../../bridge/jobs/worker';
import { silentLogger } from '../../bridge/log/logger';
import { PostgresStore } from '../../bridge/store/postgres/postgres-store';
import { Store } from '../../bridge/store/store';
import { describeStoreContract } from '../store-contract/store-contract';
import { freshDatabase } from '../support/postgres-info';
import { startTcpProxy } from '../support/tcp-proxy';

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

  test("a worker on a host whose clock is 60 s behind stamps its leases with PostgreSQL's clock, so no other bridge takes its live job (second review, finding 3)", async () => {
    const url = await freshDatabase('skew');
    const store = await PostgresStore.open(url, 2);
    const sql = new Client({ connectionString: url });
    await sql.connect();
    const realNow = Date.now.bind(Date);
    const behind = jest.spyOn(Date, 'now').mockImplementation(() => realNow() - 60_000);
    let release: () => void = () => undefined;
    let started = false;
    const worker = new Worker(store.jobs, async () => {
      started = true;
      await new Promise<void>((resolve) => (release = resolve));
    }, () => ({ message: 'x', retryable: true }), { baseDelayMs: 10, maxDelayMs: 10, leaseMs: 30_000 }, silentLogger, 5);
    try {
      const { id } = await store.jobs.enqueue({ userId: 'u', trigger: 'event' }, 3);
      worker.start();
      for (let i = 0; i < 400 && !started; i++) await new Promise((r) => setTimeout(r, 5));
      expect(started).toBe(true);
      const { rows } = await sql.query('SELECT lease_until - (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS left_ms FROM bridge_jobs WHERE id = $1', [id]);
      expect(Number(rows[0].left_ms)).toBeGreaterThan(20_000); // a live lease by the database's clock, not one 30 s expired
      expect(await store.jobs.resumeExpired()).toBe(0); // another bridge finds nothing to take over
    } finally {
      behind.mockRestore();
      release();
      await worker.stop(100);
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
  test('a database that ends every connection under load (a restart, a failover) fails the steps in flight; the process lives and the next steps work', async () => {
    const url = await freshDatabase('restart');
    const store = await PostgresStore.open(url, 4);
    const sql = new Client({ connectionString: url });
    await sql.connect();
    try {
      let stop = false;
      const failures: string[] = [];
      // sign-ins and workers at full speed: enqueue (a transaction), claim and complete
      const load = [...Array(8).keys()].map(async (n) => {
        for (let i = 0; !stop; i++) {
          try {
            const job = await store.jobs.enqueue({ userId: `u${n}-${i % 5}`, trigger: 'login' }, 3);
            const claimed = await store.jobs.claim({ owner: `w${n}`, ms: 30_000 }, undefined, { id: job.id });
            if (claimed) await store.jobs.complete(claimed.id, `w${n}`, null);
          } catch (err) {
            failures.push((err as Error).message);
          }
        }
      });
      await new Promise((r) => setTimeout(r, 300));
      const { rows } = await sql.query('SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      expect(Number(rows[0].n)).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 300));
      stop = true;
      await Promise.all(load);
      expect(failures.length).toBeGreaterThan(0); // the steps in flight failed, as errors (not a crash)
      const job = await store.jobs.enqueue({ userId: 'after', trigger: 'event' }, 3);
      expect((await store.jobs.get(job.id))?.state).toBe('queued');
      await store.jobs.claim({ owner: 'w', ms: 30_000 }, undefined, { id: job.id });
    } finally {
      await sql.end();
      await store.close();
    }
  });

  test('connections that go silent (a failover that moved the address) fail within the query timeout instead of hanging; new connections work', async () => {
    const url = new URL(await freshDatabase('silent'));
    const proxy = await startTcpProxy(Number(url.port));
    url.port = String(proxy.port);
    const store = await PostgresStore.open(url.toString(), 2, { queryTimeoutMs: 1_000 });
    try {
      await Promise.all([store.jobs.enqueue({ userId: 'a', trigger: 'event' }, 3), store.jobs.enqueue({ userId: 'b', trigger: 'event' }, 3)]); // two pooled connections
      proxy.silenceOpenConnections();
      const started = Date.now();
      const outcomes = await Promise.allSettled([store.jobs.list({ limit: 1 }), store.jobs.list({ limit: 1 })]);
      expect(outcomes.map((o) => o.status)).toContain('rejected');
      expect(Date.now() - started).toBeLessThan(15_000); // not the OS's keepalive (minutes to hours)
      await expect(store.jobs.enqueue({ userId: 'c', trigger: 'event' }, 3)).resolves.toMatchObject({ userId: 'c' });
    } finally {
      await store.close().catch(() => undefined);
      await proxy.stop();
    }
  });

  test('a bridge starting while another migrates waits for it past the everyday statement timeout (15 s)', async () => {
    const url = await freshDatabase('migwait');
    await (await PostgresStore.open(url, 1)).close();
    const holder = new Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(4711001)'); // the migration lock, held as a slow migration would
      const release = setTimeout(() => void holder.query('SELECT pg_advisory_unlock(4711001)'), 16_000);
      const store = await PostgresStore.open(url, 1);
      clearTimeout(release);
      expect(await store.jobs.list()).toEqual([]);
      await store.close();
    } finally {
      await holder.end();
    }
  }, 40_000);

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
      // the tables exist now, but the user may not use them: the hint says which rights (review: it said CREATE)
      await expect(PostgresStore.open(limited.toString(), 2)).rejects.toThrow(/permission denied for table .*GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO/);
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
