import { Writable } from 'node:stream';

import { guardedOutput } from './output';

/** A stream that takes `highWaterMark` bytes at once and each write after `delayMs`, or fails every write with `code`. */
function stream(o: { delayMs?: number; code?: string }): Writable {
  return new Writable({
    highWaterMark: 16,
    write(_chunk, _encoding, done) {
      if (o.code) return done(Object.assign(new Error(`write ${o.code}`), { code: o.code }));
      setTimeout(done, o.delayMs ?? 0);
    },
  });
}

describe('the CLI\'s standard output', () => {
  test('drained waits while the stream is full, and not when it can take more', async () => {
    const slow = stream({ delayMs: 30 });
    const output = guardedOutput(slow, () => undefined);
    await output.drained(); // empty: at once
    output.out('x'.repeat(64)); // over the high-water mark
    expect(slow.writableNeedDrain).toBe(true);
    await output.drained();
    expect(slow.writableNeedDrain).toBe(false);
  });

  test('once the reader has gone (EPIPE) writes are dropped, closed says so, drained returns, and nothing is thrown', async () => {
    const gone = stream({ code: 'EPIPE' });
    const errors: string[] = [];
    const output = guardedOutput(gone, (e) => errors.push(e.code ?? ''));
    output.out('first\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(output.closed()).toBe(true);
    output.out('dropped\n');
    await output.drained();
    expect(errors).toEqual([]);
  });

  test('any other write error goes to the handler', async () => {
    const full = stream({ code: 'ENOSPC' });
    const errors: string[] = [];
    const output = guardedOutput(full, (e) => errors.push(e.code ?? ''));
    output.out('x\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toEqual(['ENOSPC']);
    expect(output.closed()).toBe(false);
  });
});
