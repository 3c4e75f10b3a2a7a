import { readFileSync } from 'node:fs';

/** The last `lines` lines of a server's log file, for an error message; '(no log)' when it cannot be read. */
export function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Waits `ms` milliseconds (the harness polls servers while they start and stop). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
