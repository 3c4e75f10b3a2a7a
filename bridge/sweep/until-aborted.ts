/**
 * The work's outcome, or the signal's reason as soon as the signal is aborted (at once when it already is); the work
 * is then left to end on its own. For waits a stop must not sit out: a stuck Keycloak read, the wait for queued jobs.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
