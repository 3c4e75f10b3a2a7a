import { once } from 'node:events';

import { Out } from './context';

/** The CLI's standard output as a command writes to it. */
export interface Output {
  out: Out;
  /** resolves once the stream can take more (at once when it can, or when the reader has gone) */
  drained(): Promise<void>;
  /** true once the reader has gone (EPIPE): writes are dropped from then on */
  closed(): boolean;
}

/**
 * Standard output for the CLI: when the reader goes away (`bridge audit | head`), the command is not crashed by
 * EPIPE; its later writes are dropped, `closed()` says so (an export stops), and it ends with its own exit code, so a
 * half-done `setup` is never cut off and a failed `reconcile` still exits 1. Any other write error goes to `onError`.
 */
export function guardedOutput(stream: NodeJS.WritableStream & { writableNeedDrain: boolean }, onError: (err: NodeJS.ErrnoException) => void): Output {
  let closed = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') closed = true;
    else onError(err);
  });
  return {
    out: (text) => void (closed || stream.write(text)),
    closed: () => closed,
    drained: async () => {
      if (closed || !stream.writableNeedDrain) return;
      await once(stream, 'drain').catch(() => undefined); // an EPIPE while waiting ends the wait (closed is set)
    },
  };
}
