import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import Database from 'better-sqlite3';

import { Backoff, Failure, Job, JobKind, JobState, JobStore, nextDelayMs } from './job-store';

interface Row {
  id: number;
  kind: JobKind;
  user_id: string;
  payload: string;
  state: JobState;
  attempts: number;
  max_attempts: number;
  run_at: number;
  last_error: string | null;
  result: string | null;
  created_at: number;
  updated_at: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  user_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued','running','done','retry','dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  run_at INTEGER NOT NULL,
  last_error TEXT,
  result TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_runnable ON jobs (state, run_at);
CREATE INDEX IF NOT EXISTS jobs_user ON jobs (user_id, state);
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
  linked_at INTEGER NOT NULL
);`;

/** The embedded store: one SQLite file in WAL mode. Claims run in an IMMEDIATE transaction (one writer at a time). */
export class SqliteJobStore implements JobStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(SCHEMA);
    } catch (err) {
      throw new Error(`cannot open the job store at ${path}: ${(err as Error).message}. Check BRIDGE_DB_PATH and that the folder is writable.`);
    }
  }

  enqueue(kind: JobKind, userId: string, payload: unknown, maxAttempts: number, now = Date.now()): Job {
    const { lastInsertRowid } = this.db
      .prepare('INSERT INTO jobs (kind, user_id, payload, state, attempts, max_attempts, run_at, created_at, updated_at) VALUES (?, ?, ?, \'queued\', 0, ?, ?, ?, ?)')
      .run(kind, userId, JSON.stringify(payload ?? null), maxAttempts, now, now, now);
    return this.require(Number(lastInsertRowid));
  }

  claim(now = Date.now(), only: { id?: number } = {}): Job | undefined {
    const claim = this.db.transaction((): Job | undefined => {
      const row = this.db
        .prepare(
          `SELECT * FROM jobs j WHERE j.state IN ('queued','retry') AND j.run_at <= ? ${only.id === undefined ? '' : 'AND j.id = ?'}
           AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.user_id = j.user_id AND r.state = 'running')
           ORDER BY j.run_at, j.id LIMIT 1`,
        )
        .get(...(only.id === undefined ? [now] : [now, only.id])) as Row | undefined;
      if (!row) return undefined;
      this.db.prepare("UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = ? WHERE id = ?").run(now, row.id);
      return this.require(row.id);
    });
    return claim.immediate();
  }

  complete(id: number, result: unknown, now = Date.now()): Job {
    this.db.prepare("UPDATE jobs SET state = 'done', result = ?, last_error = NULL, updated_at = ? WHERE id = ? AND state = 'running'").run(JSON.stringify(result ?? null), now, id);
    return this.require(id);
  }

  fail(id: number, failure: Failure, backoff: Backoff, now = Date.now()): Job {
    const job = this.require(id);
    const dead = !failure.retryable || job.attempts >= job.maxAttempts;
    const runAt = dead ? job.runAt : now + nextDelayMs(job.attempts, backoff, failure.retryAfterMs);
    this.db
      .prepare('UPDATE jobs SET state = ?, last_error = ?, run_at = ?, updated_at = ? WHERE id = ? AND state = \'running\'')
      .run(dead ? 'dead' : 'retry', failure.message.slice(0, 2000), runAt, now, id);
    return this.require(id);
  }

  resumeInterrupted(now = Date.now()): number {
    return this.db.prepare("UPDATE jobs SET state = 'queued', run_at = ?, updated_at = ? WHERE state = 'running'").run(now, now).changes;
  }

  revive(id: number, now = Date.now()): Job {
    const job = this.require(id);
    if (job.state !== 'dead') throw new Error(`job ${id} is ${job.state}, not dead; only a dead job can be retried`);
    this.db.prepare("UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?, updated_at = ? WHERE id = ?").run(now, now, id);
    return this.require(id);
  }

  get(id: number): Job | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
    return row && toJob(row);
  }

  list(filter: { state?: JobState; userId?: string; limit?: number } = {}): Job[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.state) {
      where.push('state = ?');
      args.push(filter.state);
    }
    if (filter.userId) {
      where.push('user_id = ?');
      args.push(filter.userId);
    }
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, filter.limit ?? 100) as Row[]).map(toJob);
  }

  delivery(webhookId: string): { status: number; body: unknown } | undefined {
    const row = this.db.prepare('SELECT status, body FROM deliveries WHERE webhook_id = ?').get(webhookId) as { status: number; body: string } | undefined;
    return row && { status: row.status, body: JSON.parse(row.body) as unknown };
  }

  rememberDelivery(webhookId: string, status: number, body: unknown, now = Date.now()): { status: number; body: unknown } {
    this.db.prepare('INSERT OR IGNORE INTO deliveries (webhook_id, status, body, received_at) VALUES (?, ?, ?, ?)').run(webhookId, status, JSON.stringify(body), now);
    return this.delivery(webhookId) ?? { status, body };
  }

  link(userId: string, employeeId: number, snapshot: unknown = null, now = Date.now()): void {
    this.db
      .prepare(
        'INSERT INTO employee_links (user_id, employee_id, snapshot, linked_at) VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET employee_id = excluded.employee_id, snapshot = excluded.snapshot, linked_at = excluded.linked_at',
      )
      .run(userId, employeeId, JSON.stringify(snapshot), now);
  }

  employeeOf(userId: string): number | undefined {
    return this.linkOf(userId)?.employeeId;
  }

  linkOf(userId: string): { employeeId: number; snapshot: unknown } | undefined {
    const row = this.db.prepare('SELECT employee_id, snapshot FROM employee_links WHERE user_id = ?').get(userId) as { employee_id: number; snapshot: string | null } | undefined;
    return row && { employeeId: row.employee_id, snapshot: row.snapshot === null ? null : (JSON.parse(row.snapshot) as unknown) };
  }

  close(): void {
    this.db.close();
  }

  private require(id: number): Job {
    const job = this.get(id);
    if (!job) throw new Error(`no job ${id}`);
    return job;
  }
}

function toJob(row: Row): Job {
  return {
    id: row.id,
    kind: row.kind,
    userId: row.user_id,
    payload: JSON.parse(row.payload) as unknown,
    state: row.state,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: row.run_at,
    lastError: row.last_error,
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
