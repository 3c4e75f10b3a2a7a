import { Job } from '../jobs/job-queue';
import { settleJobs, SweepSummary } from './sweep';

const summary = (): SweepSummary => ({ examined: 0, unchanged: 0, denied: 0, backedOff: 0, missing: 0, queued: 2, active: 0, inactive: 0, refused: 0, failed: 0, stillRunning: 0, keycloakCalls: 0, purged: { deliveries: 0, jobs: 0 } });

test('the wait for the queued jobs ends as soon as the sweep is stopped, with the stop as its reason (a stop must not wait 30 s)', async () => {
  const stop = new AbortController();
  const neverEnding = (): Promise<Job | undefined> => new Promise(() => undefined);
  const waiting = settleJobs(neverEnding, [1, 2], 30_000, summary(), stop.signal);
  setTimeout(() => stop.abort(new Error('the bridge is stopping')), 10);
  // without the stop the wait would outlast the test's own 5 s limit: no clock is read here
  await expect(waiting).rejects.toThrow('the bridge is stopping');
});

test('without a stop, the jobs are counted by how they ended', async () => {
  const jobs: Record<number, Partial<Job>> = { 1: { state: 'done', result: { outcome: 'active', employeeId: 3 } }, 2: { state: 'dead' } };
  const counted = summary();
  await settleJobs(async (id) => jobs[id] as Job, [1, 2], 1_000, counted, new AbortController().signal);
  expect(counted).toMatchObject({ active: 1, failed: 1, stillRunning: 0 });
});
