import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import Database from 'better-sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL DEFAULT 'converge',
  user_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued','retry','running','done','dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  run_at INTEGER NOT NULL,
  last_error TEXT,
  result TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
  webhook_id TEXT PRIMARY KEY,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS employee_links (
  user_id TEXT PRIMARY KEY,
  employee_id INTEGER NOT NULL,
  snapshot TEXT,
  linked_at INTEGER NOT NULL,
  attribute_unwritable INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sweep_backoff (
  user_id TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  not_before INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS named_leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, until INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS versions (topic TEXT PRIMARY KEY, version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS bms_calls (endpoint TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS bms_calls_window ON bms_calls (endpoint, at);
CREATE TABLE IF NOT EXISTS bms_holds (endpoint TEXT PRIMARY KEY, until INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  user_id TEXT,
  kind TEXT NOT NULL,
  what TEXT NOT NULL,
  why TEXT,
  trigger TEXT NOT NULL,
  by TEXT,
  job_id INTEGER,
  details TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS expiring (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER NOT NULL);`;

/** Columns added after the first release; an older file gets them when it is opened. */
const ADDED_COLUMNS: { table: string; name: string; type: string }[] = [
  { table: 'jobs', name: 'trigger', type: "TEXT NOT NULL DEFAULT 'event'" },
  { table: 'jobs', name: 'priority', type: 'INTEGER NOT NULL DEFAULT 5' },
  { table: 'jobs', name: 'lease_owner', type: 'TEXT' },
  { table: 'jobs', name: 'lease_until', type: 'INTEGER' },
  { table: 'employee_links', name: 'attribute_unwritable', type: 'INTEGER NOT NULL DEFAULT 0' },
];

const INDEXES = `
DROP INDEX IF EXISTS jobs_runnable;
CREATE INDEX IF NOT EXISTS jobs_waiting ON jobs (priority DESC, run_at, id) WHERE state IN ('queued','retry');
CREATE INDEX IF NOT EXISTS jobs_user ON jobs (user_id, state);
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs (state, updated_at);
CREATE INDEX IF NOT EXISTS jobs_leases ON jobs (lease_until) WHERE state = 'running';
CREATE INDEX IF NOT EXISTS deliveries_age ON deliveries (received_at);
CREATE UNIQUE INDEX IF NOT EXISTS employee_links_one_per_employee ON employee_links (employee_id);
CREATE INDEX IF NOT EXISTS audit_user ON audit (user_id, id);
CREATE INDEX IF NOT EXISTS audit_age ON audit (at);
CREATE INDEX IF NOT EXISTS expiring_age ON expiring (expires_at);`;

/**
 * One SQLite file in WAL mode, shared by the store's parts, with its schema brought up to date when it is opened.
 * Several processes on one machine may open the same file: SQLite locks it, and writes that must not interleave run
 * in IMMEDIATE transactions.
 */
export class SqliteDatabase {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  /** Opens (creating the folder and file) and migrates; an Error that names the path and what to check. */
  constructor(readonly path: string) {
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      // the wait first: a process opening a new file while another sets it up waits for its lock instead of failing
      this.db.pragma('busy_timeout = 5000');
      this.db.pragma('journal_mode = WAL');
      this.db.exec(SCHEMA);
    } catch (err) {
      throw new Error(`cannot open the store at ${path}: ${(err as Error).message}. Check BRIDGE_DB_PATH and that the folder is writable.`);
    }
    // under the write lock: processes that open the same file at once (serve and the CLI) must not both add a column
    try {
      this.writing(() => this.migrate());
    } catch (err) {
      const message = (err as Error).message;
      throw message.startsWith('cannot open the store') ? err : new Error(`cannot open the store at ${path}: its tables could not be brought up to date (${message}). Start again; if it persists, keep a copy of the file and report it.`);
    }
  }

  /** A statement compiled once and reused: several run on every login webhook. */
  sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Runs `work` in an IMMEDIATE transaction (the write lock taken first, so two processes never interleave). */
  writing<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  close(): void {
    this.db.close();
  }

  private migrate(): void {
    for (const { table, name, type } of ADDED_COLUMNS) {
      const columns = new Set((this.sql(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
      if (!columns.has(name)) this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${type}`);
    }
    // work queued by a bridge before the converge model: every kind now means "look at this user"
    // (an old provision job came from a sign-in or a backfill: it may still create)
    this.sql("UPDATE jobs SET kind = 'converge', payload = CASE kind WHEN 'provision' THEN '{\"triggers\":[],\"mayCreate\":true}' ELSE '{\"triggers\":[]}' END WHERE kind <> 'converge' AND state IN ('queued','retry','running')").run();
    // a job left running by a bridge before leases has no owner: it can only be resumed
    this.sql("UPDATE jobs SET lease_until = 0 WHERE state = 'running' AND lease_until IS NULL").run();
    try {
      this.db.exec(INDEXES);
    } catch (err) {
      const duplicates = this.sql('SELECT employee_id, group_concat(user_id) AS users FROM employee_links GROUP BY employee_id HAVING count(*) > 1 LIMIT 5').all() as { employee_id: number; users: string }[];
      throw new Error(
        `cannot open the store at ${this.path}: ${(err as Error).message}. ` +
          (duplicates.length ? `Several Keycloak users are linked to one BMS employee (${duplicates.map((d) => `${d.employee_id}: ${d.users}`).join('; ')}); delete the wrong rows from employee_links, then start again.` : ''),
      );
    }
  }
}
