/**
 * Group commit: items added while a flush runs wait for the next one, and each flush writes everything that waited in
 * one transaction. A caller's promise resolves once its item is committed (or rejects with the flush's error), so
 * nothing is acknowledged before it is durable; under load, many callers share one commit (one fsync on SQLite, one
 * round trip on PostgreSQL) instead of one each.
 */
export class GroupCommit<T> {
  private waiting: { item: T; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private flushing?: Promise<void>;

  /** `flush` writes the items in one transaction; at most `maxBatch` at a time. */
  constructor(private readonly flush: (items: T[]) => Promise<void>, private readonly maxBatch = 500) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.flushing ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    // every caller whose request this turn of the event loop read joins the first batch: the flush waits for the
    // check phase (setImmediate), after all the I/O callbacks of the turn, not for a timer, so an idle store still
    // commits at once. A microtask was too soon: each request's entry was flushed before the next request was read.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.waiting.length) {
      const batch = this.waiting.splice(0, this.maxBatch);
      try {
        await this.flush(batch.map((w) => w.item));
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.flushing = undefined;
  }
}
