import { SqliteStore } from '../store/sqlite/sqlite-store';
import { PRIORITY_BACKGROUND, PRIORITY_LOGIN } from './client';
import { SharedCallBudget } from './shared-budget';

test('two bridges on one store share one BMS budget per endpoint; sign-ins may use what background work must leave', async () => {
  const store = new SqliteStore(':memory:');
  const settings = { perWindow: 10, windowMs: 3_600_000 };
  const slept: number[] = [];
  const giveUp = async (ms: number): Promise<void> => {
    slept.push(ms);
    throw new Error('would wait');
  };
  const first = new SharedCallBudget(store.coordination, settings, giveUp);
  const second = new SharedCallBudget(store.coordination, settings, giveUp);
  for (let i = 0; i < 9; i++) await (i % 2 ? first : second).acquire('GET /employees', PRIORITY_BACKGROUND); // 90 % for background work
  await expect(first.acquire('GET /employees', PRIORITY_BACKGROUND)).rejects.toThrow('would wait');
  await second.acquire('GET /employees', PRIORITY_LOGIN); // the last call of the hour is a sign-in's
  await expect(first.acquire('GET /employees', PRIORITY_LOGIN)).rejects.toThrow('would wait');
  expect(slept.every((ms) => ms >= 50 && ms <= 5_000)).toBe(true);
  await first.acquire('POST /employees', PRIORITY_BACKGROUND); // another endpoint, another budget
  expect(await store.coordination.callsInWindow(settings.windowMs)).toEqual({ 'GET /employees': 10, 'POST /employees': 1 });
  await store.close();
});

test("BMS's Retry-After, heard by one bridge, holds the other", async () => {
  const store = new SqliteStore(':memory:');
  const waits: number[] = [];
  const other = new SharedCallBudget(store.coordination, { perWindow: 100, windowMs: 60_000 }, async (ms) => {
    waits.push(ms);
    throw new Error('stop');
  });
  await new SharedCallBudget(store.coordination, { perWindow: 100, windowMs: 60_000 }).hold('PATCH /employees', 30_000);
  await expect(other.acquire('PATCH /employees', PRIORITY_LOGIN)).rejects.toThrow('stop');
  expect(waits[0]).toBeGreaterThan(4_000); // capped at 5 s per look
  await store.close();
});
