import { existsSync, readdirSync, readFileSync } from 'node:fs';

import { Client, DatabaseError, Notification } from 'pg';

import { startPostgres } from '../stack/postgres-server';
import { freshDatabase } from '../support/postgres-info';

// A smoke test of the run's real PostgreSQL server (test/stack/postgres-server.ts): what the PostgreSQL store will
// rely on works on it. No mocks.

let url: string;
const clients: Client[] = [];

async function connect(): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  clients.push(client);
  return client;
}

/** Command lines of the running processes that contain the text (the postmaster's names its data folder). */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(text)) found.push(`${pid} ${cmdline}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

beforeAll(async () => {
  url = await freshDatabase('server_smoke');
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.end()));
});

test('a client connects and creates a table; the server runs with the harness settings', async () => {
  const db = await connect();
  const { rows } = await db.query<{ version: string; fsync: string; listen: string }>(
    "SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync, current_setting('listen_addresses') AS listen",
  );
  expect(Number(rows[0].version.split('.')[0])).toBeGreaterThanOrEqual(13);
  expect(rows[0]).toMatchObject({ fsync: 'off', listen: '127.0.0.1' });
  await db.query('CREATE TABLE smoke (id serial PRIMARY KEY, note text NOT NULL)');
  await db.query('INSERT INTO smoke (note) VALUES ($1)', ['hello']);
  expect((await db.query('SELECT note FROM smoke')).rows).toEqual([{ note: 'hello' }]);
});

test('two connections see each other’s committed rows, and not uncommitted ones', async () => {
  const [a, b] = await Promise.all([connect(), connect()]);
  await a.query('CREATE TABLE shared (who text NOT NULL)');
  await a.query("INSERT INTO shared VALUES ('a')"); // autocommit
  expect((await b.query('SELECT who FROM shared')).rows).toEqual([{ who: 'a' }]);

  await b.query('BEGIN');
  await b.query("INSERT INTO shared VALUES ('b')");
  expect((await a.query('SELECT who FROM shared ORDER BY who')).rows).toEqual([{ who: 'a' }]);
  await b.query('COMMIT');
  expect((await a.query('SELECT who FROM shared ORDER BY who')).rows).toEqual([{ who: 'a' }, { who: 'b' }]);
});

test('SELECT … FOR UPDATE SKIP LOCKED hands each waiting row to one claimer only', async () => {
  const [setup, a, b] = await Promise.all([connect(), connect(), connect()]);
  await setup.query('CREATE TABLE jobs (id int PRIMARY KEY, state text NOT NULL DEFAULT $$queued$$)');
  await setup.query('INSERT INTO jobs (id) SELECT generate_series(1, 10)');
  const claim = async (client: Client, n: number): Promise<number[]> =>
    (await client.query<{ id: number }>('SELECT id FROM jobs WHERE state = $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED', ['queued', n])).rows.map((r) => r.id);

  await a.query('BEGIN');
  await b.query('BEGIN');
  expect(await claim(a, 3)).toEqual([1, 2, 3]);
  expect(await claim(b, 3)).toEqual([4, 5, 6]); // does not wait for a, skips its rows
  // without SKIP LOCKED the same row is really locked
  await b.query("SET LOCAL lock_timeout = '100ms'");
  const blocked = await b.query('SELECT id FROM jobs WHERE id = 1 FOR UPDATE').then(() => undefined, (err: unknown) => err);
  expect(blocked).toBeInstanceOf(DatabaseError);
  expect((blocked as DatabaseError).code).toBe('55P03'); // lock_not_available
  await b.query('ROLLBACK'); // b's claims go back to the queue

  await a.query("UPDATE jobs SET state = 'done' WHERE id = ANY($1)", [[1, 2, 3]]);
  await a.query('COMMIT');
  await b.query('BEGIN');
  expect(await claim(b, 10)).toEqual([4, 5, 6, 7, 8, 9, 10]);
  await b.query('COMMIT');
});

test('LISTEN/NOTIFY reaches another connection', async () => {
  const [listener, sender] = await Promise.all([connect(), connect()]);
  await listener.query('LISTEN rules_changed');
  const received = new Promise<Notification>((resolve) => listener.once('notification', resolve));
  await sender.query("SELECT pg_notify('rules_changed', 'v2')");
  await expect(received).resolves.toMatchObject({ channel: 'rules_changed', payload: 'v2' });
});

test('startPostgres() starts a second server, and stop() ends its processes and removes its folder', async () => {
  const server = await startPostgres({ database: 'second' });
  try {
    expect(server.url).toMatch(/^postgres:\/\/bms_jit:[^@]+@127\.0\.0\.1:\d+\/second$/);
    const client = new Client({ connectionString: await server.createDatabase('third') });
    await client.connect();
    expect((await client.query<{ db: string }>('SELECT current_database() AS db')).rows).toEqual([{ db: 'third' }]);
    await client.end();
    expect(existsSync(server.socketDir)).toBe(true);
  } finally {
    await server.stop();
  }
  expect(existsSync(server.socketDir)).toBe(false);
  expect(processesMentioning(server.socketDir)).toEqual([]);
  await server.stop(); // idempotent
}, 60_000);
