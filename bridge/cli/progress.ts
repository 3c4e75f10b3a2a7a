import { SingleBar } from 'cli-progress';

/** Progress of a long command: drawn on a terminal, silent otherwise (logs and tests read the summary instead). */
export interface Progress {
  update(done: number, fields?: Record<string, number>): void;
  stop(): void;
}

const silent: Progress = { update: () => undefined, stop: () => undefined };

/**
 * A counter for work of unknown size (the sweep does not know how many users the realm has): on a terminal, a
 * cli-progress line redrawn at most 10 times a second on stderr; elsewhere nothing.
 */
export function counterProgress(tty: boolean, format: string, fields: Record<string, number> = {}): Progress {
  if (!tty) return silent;
  const bar = new SingleBar({ format, stream: process.stderr, fps: 10, hideCursor: true, clearOnComplete: false, noTTYOutput: false });
  bar.start(0, 0, fields);
  return { update: (done, fields) => bar.update(done, fields), stop: () => bar.stop() };
}
