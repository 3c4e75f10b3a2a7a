import { randomBytes } from 'node:crypto';

import { Client } from 'pg';

/** How the "postgres" project's global setup tells the test workers where its PostgreSQL server is. */
export const POSTGRES_ENV = 'BMS_JIT_TEST_POSTGRES_URL';

/**
 * The `postgres://` URL of the run's shared server (a superuser on its `bms_jit` database).
 * @throws Error when the variable is missing, i.e. the test runs outside the "postgres" Jest project
 */
export function postgresUrl(): string {
  const url = process.env[POSTGRES_ENV];
  if (!url) throw new Error(`${POSTGRES_ENV} is not set: run this test through the "postgres" Jest project, whose global setup starts PostgreSQL`);
  return url;
}

/**
 * Creates an empty database on the shared server, named `<prefix>_<8 random hex digits>`, and returns its URL, so
 * that a test file has its own tables. Databases are not dropped: the server and its data go at the end of the run.
 * @param prefix lower-case letters, digits and `_`, at most 54 characters
 */
export async function freshDatabase(prefix: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,53}$/.test(prefix)) throw new Error(`invalid database prefix '${prefix}'`);
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const client = new Client({ connectionString: postgresUrl() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(postgresUrl());
  url.pathname = `/${name}`;
  return url.toString();
}
