import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { EmployeeView } from '../converge/model';
import { LinkConflictError, nextDelayMs, PRIORITY } from './job-store';
import { SqliteJobStore } from './sqlite-job-store';

let dir: string;
let store: SqliteJobStore;
const backoff = { baseDelayMs: 1000, maxDelayMs: 60_000 };
const T0 = 1_000_000;
const view = (id: number): EmployeeView => ({ id, active: true, firstName: 'A', lastName: 'B', email: 'a@b.test', userName: 'a@b.test', fields: {} });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jobs-'));
  store = new SqliteJobStore(join(dir, 'nested', 'bridge.sqlite'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the job state machine', () => {
  test('queued → running → done, with the result kept', () => {
    const job = store.enqueue({ userId: 'user-1', trigger: 'event', eventId: 'e1' }, 3, T0);
    expect(job).toMatchObject({ state: 'queued', attempts: 0 });
    const claimed = store.claim(T0);
    expect(claimed).toMatchObject({ id: job.id, state: 'running', attempts: 1, payload: { triggers: [{ trigger: 'event', eventId: 'e1', at: T0 }] } });
    expect(store.complete(job.id, { employeeId: 7 }, T0)).toMatchObject({ state: 'done', result: { employeeId: 7 } });
    expect(store.claim(T0)).toBeUndefined();
  });

  test('a retryable failure waits with backoff, then runs again; after the last attempt it is dead with the error kept', () => {
    const { id } = store.enqueue({ userId: 'user-1', trigger: 'event' }, 2, T0);
    store.claim(T0);
    const retry = store.fail(id, { message: 'BMS answered 503', retryable: true }, backoff, T0);
    expect(retry.state).toBe('retry');
    expect(retry.runAt).toBeGreaterThanOrEqual(T0 + 500);
    expect(store.claim(T0 + 100)).toBeUndefined(); // not due yet
    expect(store.claim(retry.runAt)).toMatchObject({ id, attempts: 2 });
    expect(store.fail(id, { message: 'BMS answered 502', retryable: true }, backoff, T0)).toMatchObject({ state: 'dead', lastError: 'BMS answered 502', attempts: 2 });
  });

  test("the server's Retry-After is honoured when longer than the backoff", () => {
    const { id } = store.enqueue({ userId: 'u', trigger: 'event' }, 5, T0);
    store.claim(T0);
    expect(store.fail(id, { message: '429', retryable: true, retryAfterMs: 120_000 }, backoff, T0).runAt).toBe(T0 + 120_000);
  });

  test('a failure no retry can fix is dead at once', () => {
    const { id } = store.enqueue({ userId: 'u', trigger: 'event' }, 5, T0);
    store.claim(T0);
    expect(store.fail(id, { message: 'DepartmentId: no department with id 99', retryable: false }, backoff, T0)).toMatchObject({ state: 'dead', attempts: 1 });
  });

  test('a dead job can be revived with fresh attempts', () => {
    const { id } = store.enqueue({ userId: 'u', trigger: 'event' }, 1, T0);
    store.claim(T0);
    store.fail(id, { message: 'x', retryable: true }, backoff, T0);
    expect(store.revive(id, T0)).toMatchObject({ state: 'queued', attempts: 0 });
    expect(() => store.revive(id)).toThrow(`job ${id} is queued, not dead; only a dead job can be retried`);
  });

  test('jobs of one user never run at the same time; other users are not held up', () => {
    const a1 = store.enqueue({ userId: 'alice', trigger: 'event' }, 3, T0);
    const b1 = store.enqueue({ userId: 'bob', trigger: 'event' }, 3, T0);
    expect(store.claim(T0)?.id).toBe(a1.id);
    const a2 = store.enqueue({ userId: 'alice', trigger: 'event' }, 3, T0); // alice's job runs: a new one waits
    expect(a2.id).not.toBe(a1.id);
    expect(store.claim(T0)?.id).toBe(b1.id);
    expect(store.claim(T0)).toBeUndefined();
    store.complete(a1.id, null, T0);
    expect(store.claim(T0)?.id).toBe(a2.id);
  });

  test('requests for a user with a waiting job merge into it: the newest login facts and the highest priority win', () => {
    const facts = (email: string) => ({ email, firstName: 'A', lastName: 'B', groups: [], at: T0 });
    const first = store.enqueue({ userId: 'u', trigger: 'sweep' }, 3, T0);
    store.enqueue({ userId: 'u', trigger: 'login', eventId: 'l1', login: facts('old@x.test'), mayCreate: true }, 3, T0 + 1);
    const merged = store.enqueue({ userId: 'u', trigger: 'login', eventId: 'l2', login: facts('new@x.test') }, 3, T0 + 2);
    expect(merged.id).toBe(first.id);
    expect(merged).toMatchObject({ trigger: 'login', priority: PRIORITY.login, payload: { login: { email: 'new@x.test' }, mayCreate: true } });
    expect(merged.payload.triggers.map((t) => t.trigger)).toEqual(['sweep', 'login', 'login']);
    expect(store.list({ userId: 'u' })).toHaveLength(1);
  });

  test('live logins are claimed before background work queued earlier, and the worker can ask for logins only', () => {
    for (let i = 0; i < 5; i++) store.enqueue({ userId: `backfill-${i}`, trigger: 'sweep' }, 3, T0);
    const login = store.enqueue({ userId: 'new-hire', trigger: 'login' }, 3, T0 + 10);
    const event = store.enqueue({ userId: 'leaver', trigger: 'event' }, 3, T0 + 5);
    expect(store.claim(T0 + 10, { minPriority: PRIORITY.login })?.id).toBe(login.id);
    expect(store.claim(T0 + 10, { minPriority: PRIORITY.login })).toBeUndefined();
    expect(store.claim(T0 + 10)?.id).toBe(event.id);
    expect(store.claim(T0 + 10)?.userId).toBe('backfill-0');
  });

  test('a sweep request does not cut short the backoff of a failing job; a login or an event does', () => {
    const { id } = store.enqueue({ userId: 'u', trigger: 'sweep' }, 5, T0);
    store.claim(T0);
    const retry = store.fail(id, { message: 'BMS down', retryable: true }, backoff, T0);
    expect(store.enqueue({ userId: 'u', trigger: 'sweep' }, 5, T0 + 1).runAt).toBe(retry.runAt);
    expect(store.enqueue({ userId: 'u', trigger: 'event' }, 5, T0 + 2)).toMatchObject({ runAt: T0 + 2, attempts: 0, state: 'queued' });
  });

  test('jobs left running by a crash are resumed when the store is opened again', () => {
    const path = join(dir, 'crash.sqlite');
    const first = new SqliteJobStore(path);
    const { id } = first.enqueue({ userId: 'u', trigger: 'event' }, 3, T0);
    first.claim(T0);
    first.close(); // the process "dies" with the job running
    const second = new SqliteJobStore(path);
    expect(second.resumeInterrupted(T0 + 5)).toBe(1);
    expect(second.claim(T0 + 5)).toMatchObject({ id, state: 'running', attempts: 2 });
    second.close();
  });
});

describe('deliveries and links', () => {
  test('the first answer to a webhook id wins and is returned for replays', () => {
    expect(store.delivery('msg_1')).toBeUndefined();
    store.rememberDelivery('msg_1', 200, { status: 'provisioned' });
    expect(store.rememberDelivery('msg_1', 200, { status: 'denied' })).toEqual({ status: 200, body: { status: 'provisioned' } });
  });

  test('a Keycloak user is linked to one BMS employee, and an employee to one user', () => {
    store.saveLink('u', view(101));
    store.saveLink('u', view(102));
    expect(store.linkOf('u')?.employeeId).toBe(102);
    expect(store.linkOf('other')).toBeUndefined();
    expect(() => store.saveLink('other', view(102))).toThrow(LinkConflictError);
    store.moveLink('u', 'rehired', view(102));
    expect(store.linkOfEmployee(102)?.userId).toBe('rehired');
    expect(store.linkOf('u')).toBeUndefined();
  });

  test('a link written before the converge model is read as what it knew', () => {
    const path = join(dir, 'old.sqlite');
    const old = new Database(path);
    old.exec("CREATE TABLE employee_links (user_id TEXT PRIMARY KEY, employee_id INTEGER NOT NULL, snapshot TEXT, linked_at INTEGER NOT NULL)");
    old.prepare('INSERT INTO employee_links VALUES (?, ?, ?, ?)').run('u', 7, JSON.stringify({ firstName: 'Ada', lastName: 'L', writtenBack: true, deactivated: true }), T0);
    old.close();
    const opened = new SqliteJobStore(path);
    expect(opened.linkOf('u')?.record).toEqual({ id: 7, active: false, firstName: 'Ada', lastName: 'L', email: null, userName: null, fields: {} });
    opened.close();
  });

  test('retention: old deliveries and finished jobs are deleted; waiting work never is', () => {
    store.rememberDelivery('old', 202, {}, T0);
    store.rememberDelivery('new', 202, {}, T0 + 9_000);
    const done = store.enqueue({ userId: 'a', trigger: 'event' }, 3, T0);
    store.claim(T0);
    store.complete(done.id, null, T0);
    store.enqueue({ userId: 'b', trigger: 'event' }, 3, T0);
    expect(store.purge({ deliveriesMs: 5_000, jobsMs: 5_000 }, T0 + 10_000)).toEqual({ deliveries: 1, jobs: 1 });
    expect(store.delivery('new')).toBeDefined();
    expect(store.list()).toHaveLength(1);
  });

  test('the sweep backs off a user whose jobs die, doubling each time; a success clears it', () => {
    store.recordOutcome('u', true, 60_000, T0);
    const first = store.sweepNotBefore('u') ?? 0;
    store.recordOutcome('u', true, 60_000, T0);
    expect((store.sweepNotBefore('u') ?? 0) - T0).toBe(2 * (first - T0));
    store.recordOutcome('u', false, 60_000, T0);
    expect(store.sweepNotBefore('u')).toBeUndefined();
  });

  test('a store that cannot be opened says where and what to check', () => {
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, 'x');
    expect(() => new SqliteJobStore(join(file, 'bridge.sqlite'))).toThrow(`cannot open the job store at ${join(file, 'bridge.sqlite')}`);
  });
});

test.each([
  [1, 1000, 500, 1000],
  [3, 4000, 2000, 4000],
  [20, 60_000, 30_000, 60_000],
])('backoff after attempt %i stays within [%i/2, %i]', (attempts, ceiling, low, high) => {
  expect(nextDelayMs(attempts, backoff, undefined, () => 0)).toBe(low);
  expect(nextDelayMs(attempts, backoff, undefined, () => 0.999999)).toBeLessThanOrEqual(high);
  expect(ceiling).toBe(high);
});
