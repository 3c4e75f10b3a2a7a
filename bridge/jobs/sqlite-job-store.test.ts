import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { nextDelayMs } from './job-store';
import { SqliteJobStore } from './sqlite-job-store';

let dir: string;
let store: SqliteJobStore;
const backoff = { baseDelayMs: 1000, maxDelayMs: 60_000 };
const T0 = 1_000_000;

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
    const job = store.enqueue('provision', 'user-1', { email: 'a@b.c' }, 3, T0);
    expect(job).toMatchObject({ state: 'queued', attempts: 0 });
    const claimed = store.claim(T0);
    expect(claimed).toMatchObject({ id: job.id, state: 'running', attempts: 1, payload: { email: 'a@b.c' } });
    expect(store.complete(job.id, { employeeId: 7 }, T0)).toMatchObject({ state: 'done', result: { employeeId: 7 } });
    expect(store.claim(T0)).toBeUndefined();
  });

  test('a retryable failure waits with backoff, then runs again; after the last attempt it is dead with the error kept', () => {
    const { id } = store.enqueue('provision', 'user-1', {}, 2, T0);
    store.claim(T0);
    const retry = store.fail(id, { message: 'BMS answered 503', retryable: true }, backoff, T0);
    expect(retry.state).toBe('retry');
    expect(retry.runAt).toBeGreaterThanOrEqual(T0 + 500);
    expect(store.claim(T0 + 100)).toBeUndefined(); // not due yet
    expect(store.claim(retry.runAt)).toMatchObject({ id, attempts: 2 });
    expect(store.fail(id, { message: 'BMS answered 502', retryable: true }, backoff, T0)).toMatchObject({ state: 'dead', lastError: 'BMS answered 502', attempts: 2 });
  });

  test("the server's Retry-After is honoured when longer than the backoff", () => {
    const { id } = store.enqueue('provision', 'u', {}, 5, T0);
    store.claim(T0);
    expect(store.fail(id, { message: '429', retryable: true, retryAfterMs: 120_000 }, backoff, T0).runAt).toBe(T0 + 120_000);
  });

  test('a failure no retry can fix is dead at once', () => {
    const { id } = store.enqueue('provision', 'u', {}, 5, T0);
    store.claim(T0);
    expect(store.fail(id, { message: 'DepartmentId: no department with id 99', retryable: false }, backoff, T0)).toMatchObject({ state: 'dead', attempts: 1 });
  });

  test('a dead job can be revived with fresh attempts', () => {
    const { id } = store.enqueue('provision', 'u', {}, 1, T0);
    store.claim(T0);
    store.fail(id, { message: 'x', retryable: true }, backoff, T0);
    expect(store.revive(id, T0)).toMatchObject({ state: 'queued', attempts: 0 });
    expect(() => store.revive(id)).toThrow(`job ${id} is queued, not dead; only a dead job can be retried`);
  });

  test('jobs of one user never run at the same time; other users are not held up', () => {
    const a1 = store.enqueue('provision', 'alice', {}, 3, T0);
    const a2 = store.enqueue('provision', 'alice', {}, 3, T0);
    const b1 = store.enqueue('provision', 'bob', {}, 3, T0);
    expect(store.claim(T0)?.id).toBe(a1.id);
    expect(store.claim(T0)?.id).toBe(b1.id);
    expect(store.claim(T0)).toBeUndefined();
    store.complete(a1.id, null, T0);
    expect(store.claim(T0)?.id).toBe(a2.id);
  });

  test('jobs left running by a crash are resumed when the store is opened again', () => {
    const path = join(dir, 'crash.sqlite');
    const first = new SqliteJobStore(path);
    const { id } = first.enqueue('deactivate', 'u', {}, 3, T0);
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

  test('a Keycloak user is linked to one BMS employee', () => {
    store.link('u', 101);
    store.link('u', 102);
    expect(store.employeeOf('u')).toBe(102);
    expect(store.employeeOf('other')).toBeUndefined();
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
