import { silentLogger } from '../log/logger';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { Job } from './job-queue';
import { Worker } from './worker';

test('a backlog of background work leaves a slot free: a sign-in runs at once while the backlog holds the others', async () => {
  const store = new SqliteStore(':memory:');
  const running: Job[] = [];
  const release: (() => void)[] = [];
  let hold = true;
  const run = (job: Job): Promise<void> => (hold ? new Promise<void>((resolve) => (running.push(job), release.push(resolve))) : Promise.resolve());
  const worker = new Worker(store.jobs, run, () => ({ message: 'x', retryable: false }), { baseDelayMs: 10, maxDelayMs: 10, concurrency: 4, reservedForLogins: 1 }, silentLogger, 5);
  for (let i = 0; i < 10; i++) await store.jobs.enqueue({ userId: `backfill-${i}`, trigger: 'sweep' }, 3);
  worker.start();
  await until(async () => running.length === 3);
  await new Promise((r) => setTimeout(r, 30));
  expect(running).toHaveLength(3); // the fourth slot is kept
  await store.jobs.enqueue({ userId: 'new-hire', trigger: 'login' }, 3);
  worker.kick();
  await until(async () => running.length === 4);
  expect(running[3].userId).toBe('new-hire');
  hold = false;
  release.forEach((r) => r());
  await until(async () => (await store.jobs.list({ state: 'done', limit: 100 })).length === 11);
  await worker.stop();
  await store.close();
});

test('a long job keeps its lease (renewed while it runs), so a second worker on the same store never runs it too', async () => {
  const store = new SqliteStore(':memory:');
  let finish: () => void = () => undefined;
  const runs: string[] = [];
  const slow = (name: string) => async (job: Job): Promise<void> => {
    runs.push(`${name}:${job.userId}`);
    await new Promise<void>((resolve) => (finish = resolve));
  };
  const options = { baseDelayMs: 10, maxDelayMs: 10, concurrency: 2, leaseMs: 600 };
  const first = new Worker(store.jobs, slow('first'), () => ({ message: 'x', retryable: true }), options, silentLogger, 5);
  const second = new Worker(store.jobs, slow('second'), () => ({ message: 'x', retryable: true }), options, silentLogger, 5);
  const { id } = await store.jobs.enqueue({ userId: 'u', trigger: 'login' }, 3);
  first.start();
  await until(async () => runs.length === 1);
  second.start();
  await new Promise((r) => setTimeout(r, 1_500)); // two and a half leases: without renewal the second worker would take it over
  expect(runs).toEqual(['first:u']);
  expect((await store.jobs.get(id))?.leaseOwner).toBe(first.owner);
  finish();
  await until(async () => (await store.jobs.get(id))?.state === 'done');
  await Promise.all([first.stop(), second.stop()]);
  await store.close();
});

async function until(probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400 && !(await probe()); i++) await new Promise((r) => setTimeout(r, 5));
  if (!(await probe())) throw new Error('condition not reached');
}

test('a job whose lease was taken over is told so (its signal aborts) before it writes anything more (issue 12 review finding 1)', async () => {
  const store = new SqliteStore(':memory:');
  let signal: AbortSignal | undefined;
  let release: () => void = () => undefined;
  const worker = new Worker(store.jobs, async (_job, lease) => {
    signal = lease;
    await new Promise<void>((resolve) => (release = resolve)); // a slow BMS call
  }, () => ({ message: 'x', retryable: true }), { baseDelayMs: 10, maxDelayMs: 10, leaseMs: 600 }, silentLogger, 5);
  const { id } = await store.jobs.enqueue({ userId: 'u', trigger: 'login' }, 3);
  worker.start();
  await until(async () => signal !== undefined);
  // another bridge whose clock runs ahead (or a renewal that failed for a whole lease) resumes the job and claims it
  const ahead = Date.now() + 10_000;
  try {
    await store.jobs.resumeExpired(ahead);
    expect(await store.jobs.claim({ owner: 'other-bridge', ms: 60_000 }, ahead)).toMatchObject({ id });
    await until(async () => signal?.aborted === true);
  } finally {
    release();
    await worker.stop();
  }
  expect((await store.jobs.get(id))?.leaseOwner).toBe('other-bridge'); // the late result was dropped, not recorded
  await store.close();
});

test('a worker whose lease renewals hang (a store gone silent) stops its jobs before their next BMS write once nearly a lease passed (second review, finding 9)', async () => {
  const store = new SqliteStore(':memory:');
  const hanging = Object.assign(Object.create(store.jobs) as typeof store.jobs, { renew: () => new Promise<number[]>(() => undefined) });
  let signal: AbortSignal | undefined;
  let release: () => void = () => undefined;
  const worker = new Worker(hanging, async (_job, lease) => {
    signal = lease;
    await new Promise<void>((resolve) => (release = resolve));
  }, () => ({ message: 'x', retryable: true }), { baseDelayMs: 10, maxDelayMs: 10, leaseMs: 600 }, silentLogger, 5);
  await store.jobs.enqueue({ userId: 'u', trigger: 'login' }, 3);
  worker.start();
  await until(async () => signal !== undefined);
  try {
    await until(async () => signal?.aborted === true); // fenced after about a lease, not never
  } finally {
    release();
    await worker.stop(100);
  }
  await store.close();
});
