import { PoolClient, QueryConfig } from 'pg';

/** How long (ms) a start may wait for another bridge's migration, or a migration may take, before the client gives up. */
const LONG_MS = 10 * 60_000;

/** An id for PostgreSQL's advisory lock that serialises migrations when several bridges start together. */
const MIGRATION_LOCK = 4_711_001;

/** The schema, in versions: a bridge applies the ones the database lacks, in order, under the migration lock. */
const MIGRATIONS: string[] = [
  `CREATE TABLE bridge_jobs (
     id BIGSERIAL PRIMARY KEY,
     user_id TEXT NOT NULL,
     trigger TEXT NOT NULL,
     priority INTEGER NOT NULL,
     payload JSONB NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('queued','retry','running','done','dead')),
     attempts INTEGER NOT NULL DEFAULT 0,
     max_attempts INTEGER NOT NULL,
     run_at BIGINT NOT NULL,
     last_error TEXT,
     result JSONB,
     created_at BIGINT NOT NULL,
     updated_at BIGINT NOT NULL,
     lease_owner TEXT,
     lease_until BIGINT
   );
   -- never two running jobs of one user, whatever the number of bridges (requests merge under a per-user lock)
   CREATE UNIQUE INDEX bridge_jobs_one_running ON bridge_jobs (user_id) WHERE state = 'running';
   CREATE INDEX bridge_jobs_runnable ON bridge_jobs (priority DESC, run_at, id) WHERE state IN ('queued','retry');
   CREATE INDEX bridge_jobs_user ON bridge_jobs (user_id, state);
   CREATE INDEX bridge_jobs_finished ON bridge_jobs (state, updated_at);
   CREATE INDEX bridge_jobs_leases ON bridge_jobs (lease_until) WHERE state = 'running';
   CREATE TABLE bridge_deliveries (webhook_id TEXT PRIMARY KEY, status INTEGER NOT NULL, body JSONB NOT NULL, received_at BIGINT NOT NULL);
   CREATE INDEX bridge_deliveries_age ON bridge_deliveries (received_at);
   CREATE TABLE bridge_links (
     user_id TEXT PRIMARY KEY,
     employee_id BIGINT NOT NULL UNIQUE,
     snapshot TEXT,
     linked_at BIGINT NOT NULL,
     attribute_unwritable BOOLEAN NOT NULL DEFAULT false
   );
   CREATE TABLE bridge_sweep_backoff (user_id TEXT PRIMARY KEY, failures INTEGER NOT NULL, not_before BIGINT NOT NULL);`,
  `CREATE TABLE bridge_leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, until BIGINT NOT NULL);
   CREATE TABLE bridge_versions (topic TEXT PRIMARY KEY, version BIGINT NOT NULL);
   CREATE TABLE bridge_bms_calls (endpoint TEXT NOT NULL, at BIGINT NOT NULL);
   CREATE INDEX bridge_bms_calls_window ON bridge_bms_calls (endpoint, at);
   CREATE TABLE bridge_bms_holds (endpoint TEXT PRIMARY KEY, until BIGINT NOT NULL);`,
  `CREATE TABLE bridge_audit (
     id BIGSERIAL PRIMARY KEY,
     at BIGINT NOT NULL,
     user_id TEXT,
     kind TEXT NOT NULL,
     what TEXT NOT NULL,
     why TEXT,
     trigger TEXT NOT NULL,
     by TEXT,
     job_id BIGINT,
     details JSONB NOT NULL
   );
   CREATE INDEX bridge_audit_user ON bridge_audit (user_id, id);
   CREATE INDEX bridge_audit_age ON bridge_audit (at);
   CREATE TABLE bridge_expiring (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at BIGINT NOT NULL);
   CREATE INDEX bridge_expiring_age ON bridge_expiring (expires_at);`,
];

/**
 * Brings the database to this version's schema. Safe when several bridges start together: the first takes an advisory
 * lock and migrates, the others wait for it and find nothing left to do.
 */
export async function migrate(client: PoolClient): Promise<void> {
  // another bridge may be migrating: wait for it longer than the pool's everyday lock and statement timeouts, and let
  // a migration of a large table take its time
  await client.query("SET lock_timeout = '120s'");
  await client.query("SET statement_timeout = '10min'");
  await client.query({ text: 'SELECT pg_advisory_lock($1)', values: [MIGRATION_LOCK], query_timeout: LONG_MS } as QueryConfig);
  try {
    // an up-to-date schema needs no CREATE right: a user with only data rights may run the bridge once the owner migrated
    const exists = (await client.query<{ t: string | null }>("SELECT to_regclass('bridge_schema') AS t")).rows[0].t !== null;
    if (!exists) await client.query('CREATE TABLE bridge_schema (version INTEGER NOT NULL)');
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM bridge_schema');
    const current = rows[0]?.version ?? 0;
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      await client.query('BEGIN');
      try {
        await client.query({ text: MIGRATIONS[version - 1], query_timeout: LONG_MS } as QueryConfig);
        await client.query('INSERT INTO bridge_schema (version) VALUES ($1)', [version]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    await client.query('RESET lock_timeout');
    await client.query('RESET statement_timeout');
  }
}
