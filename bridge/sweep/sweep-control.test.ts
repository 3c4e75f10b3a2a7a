import { SqliteStore } from '../store/sqlite/sqlite-store';
import { SweepSummary } from './sweep';
import { BridgeStoppingError, SweepControl, SweepRun } from './sweep-control';
import { SWEEP_LEASE, SweepElsewhereError, SweepLeaseLostError } from './sweep-lease';

const SUMMARY = { examined: 3 } as SweepSummary;

/** A sweep that reports `examined` users, then runs until `finish()` or until its signal is aborted (then throws the reason). */
function controllable(examined = 0): { run: SweepRun; finish: () => void; began: Promise<void> } {
  let finish = (): void => undefined;
  let begin = (): void => undefined;
  const began = new Promise<void>((resolve) => (begin = resolve));
  const run: SweepRun = (_scope, _waitMs, signal, onProgress) =>
    new Promise<SweepSummary>((resolve, reject) => {
      onProgress(examined);
      begin();
      finish = () => resolve(SUMMARY);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  return { run, finish: () => finish(), began };
}

let store: SqliteStore;
beforeEach(() => (store = new SqliteStore(':memory:')));
afterEach(() => store.close());

test('the pages of another bridge see the running sweep, where it runs and how far; a start there says who sweeps and starts nothing', async () => {
  const a = controllable(1);
  const bridgeA = new SweepControl(store.expiring, store.coordination, 'bridge-a', a.run);
  const bridgeB = new SweepControl(store.expiring, store.coordination, 'bridge-b', async () => {
    throw new Error('bridge-b must not sweep while bridge-a does');
  });
  expect(await bridgeA.start(false)).toEqual({ started: true });
  await a.began;
  await new Promise((r) => setTimeout(r, 1_100)); // the progress is written at most once a second, the latest within one

  expect(await bridgeB.start(false)).toEqual({ started: false, where: 'bridge-a' });
  expect(await bridgeB.report()).toMatchObject({ running: true, where: 'bridge-a', here: false, examined: 1 });
  expect(await bridgeA.report()).toMatchObject({ running: true, where: 'bridge-a', here: true, examined: 1 });
  expect(await bridgeA.start(false)).toEqual({ started: false, where: 'here' });

  a.finish();
  await new Promise((r) => setTimeout(r, 20));
  expect(await bridgeB.report()).toMatchObject({ running: false, lastSummary: { examined: 3 } });
  expect(await store.expiring.get('sweep:progress')).toBeUndefined();
});

test('a request while this bridge sweeps joins that sweep and gets its summary', async () => {
  const a = controllable();
  const bridgeA = new SweepControl(store.expiring, store.coordination, 'bridge-a', a.run);
  const first = bridgeA.sweep('requested', 0);
  await a.began;
  const joined = bridgeA.sweep('all', 30_000);
  a.finish();
  expect(await first).toBe(SUMMARY);
  expect(await joined).toBe(SUMMARY);
});

test('stopping the bridge mid-sweep ends the sweep and gives the lease up at once, so another bridge can sweep now', async () => {
  const a = controllable();
  const bridgeA = new SweepControl(store.expiring, store.coordination, 'bridge-a', a.run);
  const swept = bridgeA.sweep('requested', 0);
  await a.began;
  expect(await store.coordination.leaseHolder(SWEEP_LEASE)).toBe('bridge-a');

  await bridgeA.stop();
  await expect(swept).rejects.toBeInstanceOf(BridgeStoppingError);
  expect(await store.coordination.leaseHolder(SWEEP_LEASE)).toBeUndefined();
  // the end is recorded for every bridge's pages (a stop, not an error), and a stopped bridge starts no sweep
  expect(await bridgeA.report()).toMatchObject({ running: false, lastStopped: true });
  expect((await bridgeA.report()).lastError).toBeUndefined();
  await expect(bridgeA.sweep('requested', 0)).rejects.toBeInstanceOf(BridgeStoppingError);

  const b = controllable();
  const bridgeB = new SweepControl(store.expiring, store.coordination, 'bridge-b', b.run);
  const next = bridgeB.sweep('requested', 0);
  await b.began;
  b.finish();
  expect(await next).toBe(SUMMARY);
});

test('a sweep refused because another bridge sweeps is not recorded as this bridge\'s failure', async () => {
  await store.coordination.holdLease(SWEEP_LEASE, { owner: 'bridge-b', ms: 60_000 });
  const bridgeA = new SweepControl(store.expiring, store.coordination, 'bridge-a', controllable().run);
  await expect(bridgeA.sweep('requested', 0)).rejects.toBeInstanceOf(SweepElsewhereError);
  expect(await bridgeA.report()).toEqual({ running: true, where: 'bridge-b', here: false });
});

test('a start whose sweep fails before it holds the lease (the store is down) is an error for the page, not "started"', async () => {
  const broken = Object.assign(Object.create(store.coordination) as typeof store.coordination, { holdLease: async () => Promise.reject(new Error('store unreachable')) });
  const bridgeA = new SweepControl(store.expiring, broken, 'bridge-a', controllable().run);
  await expect(bridgeA.start(false)).rejects.toThrow('store unreachable');
});

test('a stop gives the lease up at once even when the sweep is stuck in a call that never answers (a Keycloak read)', async () => {
  let begin = (): void => undefined;
  const began = new Promise<void>((resolve) => (begin = resolve));
  const stuck: SweepRun = () => {
    begin();
    return new Promise<SweepSummary>(() => undefined); // deaf to its signal, never settles
  };
  const bridgeA = new SweepControl(store.expiring, store.coordination, 'bridge-a', stuck);
  const swept = bridgeA.sweep('requested', 0);
  await began;
  await bridgeA.stop();
  await expect(swept).rejects.toBeInstanceOf(BridgeStoppingError);
  expect(await store.coordination.leaseHolder(SWEEP_LEASE)).toBeUndefined();
});

test("a sweep that lost its lease stops, is recorded, and leaves the new holder's progress alone (a review: it wiped it)", async () => {
  const a = controllable(5);
  const bridgeA = new SweepControl(store.expiring, store.coordination, 'bridge-a', a.run, 150);
  const swept = bridgeA.sweep('requested', 0);
  await a.began;
  // bridge-a stalls; its lease runs out and bridge-b takes the sweep over, writing its own progress
  await store.coordination.releaseLease(SWEEP_LEASE, 'bridge-a');
  expect(await store.coordination.holdLease(SWEEP_LEASE, { owner: 'bridge-b', ms: 60_000 })).toBe(true);
  await store.expiring.put('sweep:progress', JSON.stringify({ where: 'bridge-b', startedAt: 1, examined: 7 }), Date.now() + 60_000);

  await expect(swept).rejects.toBeInstanceOf(SweepLeaseLostError);
  await new Promise((r) => setTimeout(r, 20));
  expect(JSON.parse((await store.expiring.get('sweep:progress')) ?? '{}')).toMatchObject({ where: 'bridge-b', examined: 7 });
  expect(await bridgeA.report()).toMatchObject({ running: true, where: 'bridge-b', here: false, examined: 7, lastError: expect.stringContaining('another bridge (bridge-b) took the sweep over') });
});
