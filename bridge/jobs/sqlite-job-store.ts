import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import Database from 'better-sqlite3';

import { EmployeeView } from '../converge/model';
import { Backoff, ConvergeRequest, Failure, Job, JobPayload, JobState, JobStore, Link, LinkConflictError, nextDelayMs, PRIORITY, Retention, Trigger } from './job-store';

interface Row {
  id: number;
  user_id: string;
  trigger: Trigger;
  priority: number;
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
  kind TEXT NOT NULL DEFAULT 'converge',
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
);`;

/** Columns added after the first release; an older file gets them when it is opened. */
const ADDED_COLUMNS: [string, string][] = [
  ['trigger', "TEXT NOT NULL DEFAULT 'event'"],
  ['priority', 'INTEGER NOT NULL DEFAULT 5'],
];

const INDEXES = `
DROP INDEX IF EXISTS jobs_runnable;
CREATE INDEX IF NOT EXISTS jobs_waiting ON jobs (priority DESC, run_at, id) WHERE state IN ('queued','retry');
CREATE INDEX IF NOT EXISTS jobs_user ON jobs (user_id, state);
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs (state, updated_at);
CREATE INDEX IF NOT EXISTS deliveries_age ON deliveries (received_at);
CREATE UNIQUE INDEX IF NOT EXISTS employee_links_one_per_employee ON employee_links (employee_id);`;

const WAITING = "('queued','retry')";
const MAX_TRIGGERS = 20;

/** The embedded store: one SQLite file in WAL mode. Claims run in an IMMEDIATE transaction (one writer at a time). */
export class SqliteJobStore implements JobStore {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

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
    this.migrate(path);
  }

  enqueue(request: ConvergeRequest, maxAttempts: number, now = Date.now()): Job {
    const priority = PRIORITY[request.trigger];
    const entry = { trigger: request.trigger, ...(request.eventId ? { eventId: request.eventId } : {}), at: now };
    const write = this.db.transaction((): number => {
      const waiting = this.sql(`SELECT * FROM jobs WHERE user_id = ? AND state IN ${WAITING} ORDER BY id LIMIT 1`).get(request.userId) as Row | undefined;
      if (!waiting) {
        const payload: JobPayload = { triggers: [entry], ...(request.login ? { login: request.login } : {}), ...(request.mayCreate ? { mayCreate: true } : {}), ...(request.reread ? { reread: true } : {}) };
        const { lastInsertRowid } = this.db
          .prepare("INSERT INTO jobs (kind, user_id, trigger, priority, payload, state, attempts, max_attempts, run_at, created_at, updated_at) VALUES ('converge', ?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?)")
          .run(request.userId, request.trigger, priority, JSON.stringify(payload), maxAttempts, now, now, now);
        return Number(lastInsertRowid);
      }
      // merge: the newest login's facts win, the highest priority wins; a live trigger runs now with fresh attempts
      const payload = JSON.parse(waiting.payload) as JobPayload;
      // a later non-login trigger means Keycloak may have changed since the sign-in: its facts are no longer the newest
      const login = request.login ?? (request.trigger === 'sweep' ? payload.login : undefined);
      const merged: JobPayload = { triggers: [...(payload.triggers ?? []), entry].slice(-MAX_TRIGGERS), ...(login ? { login } : {}), ...(request.mayCreate || payload.mayCreate ? { mayCreate: true } : {}), ...(request.reread || payload.reread ? { reread: true } : {}) };
      const live = request.trigger !== 'sweep';
      const higher = priority > waiting.priority;
      this.db
        .prepare('UPDATE jobs SET payload = ?, priority = ?, trigger = ?, run_at = ?, attempts = ?, state = ?, updated_at = ? WHERE id = ?')
        .run(JSON.stringify(merged), higher ? priority : waiting.priority, higher ? request.trigger : waiting.trigger, live ? Math.min(waiting.run_at, now) : waiting.run_at, live ? 0 : waiting.attempts, live ? 'queued' : waiting.state, now, waiting.id);
      return waiting.id;
    });
    return this.require(write.immediate());
  }

  claim(now = Date.now(), only: { id?: number; minPriority?: number } = {}): Job | undefined {
    const claim = this.db.transaction((): Job | undefined => {
      const conditions = [`j.state IN ${WAITING}`, 'j.run_at <= ?', "NOT EXISTS (SELECT 1 FROM jobs r WHERE r.user_id = j.user_id AND r.state = 'running')"];
      const args: number[] = [now];
      if (only.id !== undefined) {
        conditions.push('j.id = ?');
        args.push(only.id);
      }
      if (only.minPriority !== undefined) {
        conditions.push('j.priority >= ?');
        args.push(only.minPriority);
      }
      const row = this.sql(`SELECT * FROM jobs j INDEXED BY jobs_waiting WHERE ${conditions.join(' AND ')} ORDER BY j.priority DESC, j.run_at, j.id LIMIT 1`).get(...args) as Row | undefined;
      if (!row) return undefined;
      this.sql("UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = ? WHERE id = ?").run(now, row.id);
      return this.require(row.id);
    });
    return claim.immediate();
  }

  complete(id: number, result: unknown, now = Date.now()): Job {
    this.sql("UPDATE jobs SET state = 'done', result = ?, last_error = NULL, updated_at = ? WHERE id = ? AND state = 'running'").run(JSON.stringify(result ?? null), now, id);
    return this.require(id);
  }

  fail(id: number, failure: Failure, backoff: Backoff, now = Date.now()): Job {
    const job = this.require(id);
    const dead = !failure.retryable || job.attempts >= job.maxAttempts;
    const runAt = dead ? job.runAt : now + nextDelayMs(job.attempts, backoff, failure.retryAfterMs);
    this.db
      .prepare("UPDATE jobs SET state = ?, last_error = ?, run_at = ?, updated_at = ? WHERE id = ? AND state = 'running'")
      .run(dead ? 'dead' : 'retry', failure.message.slice(0, 2000), runAt, now, id);
    return this.require(id);
  }

  resumeInterrupted(now = Date.now()): number {
    return this.sql("UPDATE jobs SET state = 'queued', run_at = ?, updated_at = ? WHERE state = 'running'").run(now, now).changes;
  }

  revive(id: number, now = Date.now()): Job {
    const job = this.require(id);
    if (job.state !== 'dead') throw new Error(`job ${id} is ${job.state}, not dead; only a dead job can be retried`);
    this.sql("UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?, updated_at = ? WHERE id = ?").run(now, now, id);
    return this.require(id);
  }

  get(id: number): Job | undefined {
    const row = this.sql('SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
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
    return (this.sql(sql).all(...args, filter.limit ?? 100) as Row[]).map(toJob);
  }

  pendingJobOf(userId: string): Job | undefined {
    const row = this.sql("SELECT * FROM jobs WHERE user_id = ? AND state IN ('queued','retry','running') ORDER BY id LIMIT 1").get(userId) as Row | undefined;
    return row && toJob(row);
  }

  delivery(webhookId: string): { status: number; body: unknown } | undefined {
    const row = this.sql('SELECT status, body FROM deliveries WHERE webhook_id = ?').get(webhookId) as { status: number; body: string } | undefined;
    return row && { status: row.status, body: JSON.parse(row.body) as unknown };
  }

  rememberDelivery(webhookId: string, status: number, body: unknown, now = Date.now()): { status: number; body: unknown } {
    this.sql('INSERT OR IGNORE INTO deliveries (webhook_id, status, body, received_at) VALUES (?, ?, ?, ?)').run(webhookId, status, JSON.stringify(body), now);
    return this.delivery(webhookId) ?? { status, body };
  }

  linkOf(userId: string): Link | undefined {
    const row = this.sql('SELECT * FROM employee_links WHERE user_id = ?').get(userId) as LinkRow | undefined;
    return row && toLink(row);
  }

  linkOfEmployee(employeeId: number): Link | undefined {
    const row = this.sql('SELECT * FROM employee_links WHERE employee_id = ?').get(employeeId) as LinkRow | undefined;
    return row && toLink(row);
  }

  saveLink(userId: string, record: EmployeeView, now = Date.now()): void {
    const holder = this.linkOfEmployee(record.id);
    if (holder && holder.userId !== userId) throw new LinkConflictError(record.id, holder.userId);
    const previous = this.linkOf(userId);
    this.db
      .prepare(
        'INSERT INTO employee_links (user_id, employee_id, snapshot, linked_at) VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET employee_id = excluded.employee_id, snapshot = excluded.snapshot, linked_at = excluded.linked_at',
      )
      .run(userId, record.id, JSON.stringify({ v: 2, ...record }), previous?.employeeId === record.id ? previous.linkedAt : now);
  }

  moveLink(fromUserId: string, toUserId: string, record: EmployeeView, now = Date.now()): void {
    this.db.transaction(() => {
      this.sql('DELETE FROM employee_links WHERE user_id = ? AND employee_id = ?').run(fromUserId, record.id);
      this.saveLink(toUserId, record, now);
    })();
  }

  forgetRecord(employeeId: number): string | undefined {
    const holder = this.linkOfEmployee(employeeId);
    if (holder) this.sql('UPDATE employee_links SET snapshot = NULL WHERE employee_id = ?').run(employeeId);
    return holder?.userId;
  }

  markAttributeUnwritable(userId: string): void {
    this.sql('UPDATE employee_links SET attribute_unwritable = 1 WHERE user_id = ?').run(userId);
  }

  linkedUserIds(): string[] {
    return (this.sql('SELECT user_id FROM employee_links ORDER BY user_id').pluck().all() as string[]);
  }

  sweepNotBefore(userId: string): number | undefined {
    return (this.sql('SELECT not_before FROM sweep_backoff WHERE user_id = ?').pluck().get(userId) as number | undefined) ?? undefined;
  }

  recordOutcome(userId: string, dead: boolean, sweepIntervalMs: number, now = Date.now()): void {
    if (!dead) {
      this.sql('DELETE FROM sweep_backoff WHERE user_id = ?').run(userId);
      return;
    }
    const failures = ((this.sql('SELECT failures FROM sweep_backoff WHERE user_id = ?').pluck().get(userId) as number | undefined) ?? 0) + 1;
    // each death doubles the wait before the sweep tries again, up to a week; a login or an event still runs at once
    const waitMs = Math.min(7 * 24 * 3_600_000, Math.max(sweepIntervalMs, 60_000) * 2 ** Math.min(failures, 20));
    this.db
      .prepare('INSERT INTO sweep_backoff (user_id, failures, not_before) VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET failures = excluded.failures, not_before = excluded.not_before')
      .run(userId, failures, now + waitMs);
  }

  purge(retention: Retention, now = Date.now()): { deliveries: number; jobs: number } {
    const deliveries = this.sql('DELETE FROM deliveries WHERE received_at < ?').run(now - retention.deliveriesMs).changes;
    const jobs = this.sql("DELETE FROM jobs WHERE state IN ('done','dead') AND updated_at < ?").run(now - retention.jobsMs).changes;
    // a back-off long over is forgotten with the jobs that caused it
    this.sql('DELETE FROM sweep_backoff WHERE not_before < ?').run(now - retention.jobsMs);
    return { deliveries, jobs };
  }

  close(): void {
    this.db.close();
  }

  private migrate(path: string): void {
    const columns = new Set((this.sql('PRAGMA table_info(jobs)').all() as { name: string }[]).map((c) => c.name));
    for (const [name, type] of ADDED_COLUMNS) if (!columns.has(name)) this.db.exec(`ALTER TABLE jobs ADD COLUMN ${name} ${type}`);
    const linkColumns = new Set((this.sql('PRAGMA table_info(employee_links)').all() as { name: string }[]).map((c) => c.name));
    if (!linkColumns.has('attribute_unwritable')) this.db.exec('ALTER TABLE employee_links ADD COLUMN attribute_unwritable INTEGER NOT NULL DEFAULT 0');
    // work queued by a bridge before the converge model: every kind now means "look at this user"
    // (an old provision job came from a sign-in or a backfill: it may still create)
    this.sql("UPDATE jobs SET kind = 'converge', payload = CASE kind WHEN 'provision' THEN '{\"triggers\":[],\"mayCreate\":true}' ELSE '{\"triggers\":[]}' END WHERE kind <> 'converge' AND state IN ('queued','retry','running')").run();
    try {
      this.db.exec(INDEXES);
    } catch (err) {
      const duplicates = this.sql('SELECT employee_id, group_concat(user_id) AS users FROM employee_links GROUP BY employee_id HAVING count(*) > 1 LIMIT 5').all() as { employee_id: number; users: string }[];
      throw new Error(
        `cannot open the job store at ${path}: ${(err as Error).message}. ` +
          (duplicates.length ? `Several Keycloak users are linked to one BMS employee (${duplicates.map((d) => `${d.employee_id}: ${d.users}`).join('; ')}); delete the wrong rows from employee_links, then start again.` : ''),
      );
    }
  }

  /** Statements are compiled once and reused: several run on every login webhook. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private require(id: number): Job {
    const job = this.get(id);
    if (!job) throw new Error(`no job ${id}`);
    return job;
  }
}

interface LinkRow {
  user_id: string;
  employee_id: number;
  snapshot: string | null;
  linked_at: number;
  attribute_unwritable: number;
}

function toLink(row: LinkRow): Link {
  return { userId: row.user_id, employeeId: row.employee_id, record: recordOf(row.employee_id, row.snapshot), linkedAt: row.linked_at, attributeUnwritable: row.attribute_unwritable === 1 };
}

/** The link's record; a snapshot written before the converge model is read as what it knew (no e-mail). */
function recordOf(employeeId: number, snapshot: string | null): EmployeeView | null {
  if (!snapshot) return null;
  const raw = JSON.parse(snapshot) as Record<string, unknown> | null;
  if (!raw || typeof raw !== 'object') return null;
  if (raw.v === 2) {
    const { v: _v, ...record } = raw;
    return { ...(record as unknown as EmployeeView), id: employeeId };
  }
  if (typeof raw.firstName !== 'string' || typeof raw.lastName !== 'string') return null;
  return { id: employeeId, active: raw.deactivated !== true, firstName: raw.firstName, lastName: raw.lastName, email: null, userName: null, fields: (raw.fields as EmployeeView['fields']) ?? {} };
}

function toJob(row: Row): Job {
  const payload = JSON.parse(row.payload) as Partial<JobPayload> | null;
  return {
    id: row.id,
    userId: row.user_id,
    trigger: row.trigger,
    priority: row.priority,
    payload: { triggers: payload?.triggers ?? [], ...(payload?.login ? { login: payload.login } : {}), ...(payload?.mayCreate ? { mayCreate: true } : {}), ...(payload?.reread ? { reread: true } : {}) },
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
