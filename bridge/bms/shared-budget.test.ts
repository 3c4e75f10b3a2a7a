import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { namedStore, storeLocation } from '../errors/named-store';
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
  expect(waits[0]).toBe(1_000); // it looks again every second (a raise, or a call leaving the window, is seen that soon)
  await store.close();
});

test("a background call held at the background share is raised once a sign-in waits for its job, and goes at once", async () => {
  const store = new SqliteStore(':memory:');
  const settings = { perWindow: 10, windowMs: 3_600_000 };
  const slept: number[] = [];
  let signedIn = false;
  const budget = new SharedCallBudget(store.coordination, settings, async (ms) => {
    slept.push(ms);
    if (slept.length === 3) signedIn = true; // the user signs in while their sweep job waits
    if (slept.length > 5) throw new Error('still waiting');
  });
  for (let i = 0; i < 9; i++) await budget.acquire('GET /employees', PRIORITY_BACKGROUND); // the background share is spent
  let asked = 0;
  const raised = async (): Promise<boolean> => {
    asked++;
    return signedIn;
  };
  await budget.acquire('GET /employees', { level: PRIORITY_BACKGROUND, raised });
  expect(slept).toHaveLength(3);
  expect(slept.every((ms) => ms <= 1_000)).toBe(true); // a raise is seen within a second
  expect(asked).toBe(4);
  expect(await store.coordination.callsInWindow(settings.windowMs)).toEqual({ 'GET /employees': 10 });
  // not raised: it waits like any background call (another bridge's, whose own limiter has room)
  const other = new SharedCallBudget(store.coordination, settings, async (ms) => {
    slept.push(ms);
    if (slept.length > 5) throw new Error('still waiting');
  });
  await expect(other.acquire('GET /employees', { level: PRIORITY_BACKGROUND, raised: async () => false })).rejects.toThrow('still waiting');
  await store.close();
});

test("a store that fails while counting a call is named in the BMS error, with the store's operation and location", async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'budget-')), 'bridge.sqlite');
  const raw = new SqliteStore(path);
  const store = namedStore(raw, storeLocation({ path }));
  const budget = new SharedCallBudget(store.coordination, { perWindow: 10, windowMs: 60_000 });
  await raw.close(); // the database goes away under the bridge
  const err = await budget.acquire('GET /employees', PRIORITY_LOGIN).catch((e: unknown) => e);
  expect(err).toMatchObject({ name: 'BmsError', kind: 'transport' });
  expect((err as Error).message).toBe(`GET /employees: not called: the store that counts every bridge's BMS calls failed: store coordination.takeCall at SQLite ${path}: The database connection is not open`);
});
