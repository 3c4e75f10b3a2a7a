import { silentLogger } from '../log/logger';
import { Job } from './job-store';
import { SqliteJobStore } from './sqlite-job-store';
import { Worker } from './worker';

test('a backlog of background work leaves a slot free: a sign-in runs at once while the backlog holds the others', async () => {
  const store = new SqliteJobStore(':memory:');
  const running: Job[] = [];
  const release: (() => void)[] = [];
  let hold = true;
  const run = (job: Job): Promise<void> => (hold ? new Promise<void>((resolve) => (running.push(job), release.push(resolve))) : Promise.resolve());
  const worker = new Worker(store, run, () => ({ message: 'x', retryable: false }), { baseDelayMs: 10, maxDelayMs: 10, concurrency: 4, reservedForLogins: 1 }, silentLogger, 5);
  for (let i = 0; i < 10; i++) store.enqueue({ userId: `backfill-${i}`, trigger: 'sweep' }, 3);
  worker.start();
  await until(() => running.length === 3);
  await new Promise((r) => setTimeout(r, 30));
  expect(running).toHaveLength(3); // the fourth slot is kept
  store.enqueue({ userId: 'new-hire', trigger: 'login' }, 3);
  worker.kick();
  await until(() => running.length === 4);
  expect(running[3].userId).toBe('new-hire');
  hold = false;
  release.forEach((r) => r());
  await until(() => store.list({ state: 'done', limit: 100 }).length === 11);
  await worker.stop();
  store.close();
});

async function until(probe: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !probe(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!probe()) throw new Error('condition not reached');
}
