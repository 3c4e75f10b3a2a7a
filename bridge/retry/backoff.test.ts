import { backoffDelayMs } from './backoff';

const backoff = { baseDelayMs: 1_000, maxDelayMs: 8_000 };

describe('backoffDelayMs', () => {
  test.each([
    [1, 500, 1_000],
    [2, 1_000, 2_000],
    [3, 2_000, 4_000],
    [4, 4_000, 8_000],
    [5, 4_000, 8_000], // capped at maxDelayMs
    [30, 4_000, 8_000],
  ])('after %i failure(s) waits between %i and %i ms (half fixed, half random)', (failures, low, high) => {
    expect(backoffDelayMs(failures, backoff, undefined, () => 0)).toBe(low);
    expect(backoffDelayMs(failures, backoff, undefined, () => 0.999_999)).toBe(high);
    expect(backoffDelayMs(failures, backoff, undefined, () => 0.5)).toBe(Math.round((low + high) / 2));
  });

  test('a count of zero or less waits like the first retry', () => {
    expect(backoffDelayMs(0, backoff, undefined, () => 0)).toBe(500);
  });

  test("never comes back before the server's Retry-After, and keeps the backoff when that is shorter", () => {
    expect(backoffDelayMs(1, backoff, 30_000, () => 0)).toBe(30_000);
    expect(backoffDelayMs(3, backoff, 10, () => 0)).toBe(2_000);
  });

  test('jitter spreads callers that failed together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelayMs(4, backoff)));
    expect(delays.size).toBeGreaterThan(1);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(4_000);
  });
});
