import { setImmediate } from 'node:timers';

/** How a group commit batches, and what it does when a batch fails. */
export interface GroupCommitOptions {
  /** the most items one flush writes; default 500 */
  maxBatch?: number;
  /**
   * Whether a failed batch of several items is written again one item at a time, so that only the items the store
   * refuses are rejected (one caller's bad data must not take the other callers' entries with it). Say yes for errors
   * that belong to the data (PostgreSQL's data exceptions and integrity violations) or that fail fast; say no for an
   * outage, where one attempt per item would only multiply the wait. Default: never.
   */
  retryAlone?: (err: unknown) => boolean;
}

/** A caller waiting for its item to be committed. */
interface Waiter<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: items added while a flush runs wait for the next one, and each flush writes everything that waited in
 * one transaction. A caller's promise resolves once its item is committed (or rejects with the error that refused it),
 * so nothing is acknowledged before it is durable; under load, many callers share one commit (one fsync on SQLite, one
 * round trip on PostgreSQL) instead of one each.
 */
export class GroupCommit<T> {
  private waiting: Waiter<T>[] = [];
  private flushing?: Promise<void>;
  private readonly maxBatch: number;
  private readonly retryAlone: (err: unknown) => boolean;

  /** `flush` writes the items in one transaction (all or none). */
  constructor(private readonly flush: (items: T[]) => Promise<void>, options: GroupCommitOptions = {}) {
    this.maxBatch = options.maxBatch ?? 500;
    const retryAlone = options.retryAlone ?? (() => false);
    // a predicate that throws (an error thrown as undefined, say) must not leave the queue stuck: then it is an outage
    this.retryAlone = (err) => {
      try {
        return retryAlone(err);
      } catch {
        return false;
      }
    };
  }

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.flushing ??= this.drain();
    });
  }

  /** Resolves once nothing is waiting or being written (a store waits for this before it closes). */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async drain(): Promise<void> {
    // every caller whose request this turn of the event loop read joins the first batch: the flush waits for the
    // check phase (setImmediate), after all the I/O callbacks of the turn, not for a timer, so an idle store still
    // commits at once. A microtask was too soon: each request's entry was flushed before the next request was read.
    // node:timers' own setImmediate: a test's fake timers (which replace the global one) cannot hold a commit back.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.waiting.length) {
      const batch = this.waiting.splice(0, this.maxBatch);
      try {
        await this.flush(batch.map((w) => w.item));
        for (const w of batch) w.resolve();
      } catch (err) {
        if (batch.length > 1 && this.retryAlone(err)) await this.oneByOne(batch);
        else for (const w of batch) w.reject(err);
      }
    }
    this.flushing = undefined;
  }

  /** Each item alone; an error that is not the item's own (an outage) fails the rest with it, in one attempt. */
  private async oneByOne(batch: Waiter<T>[]): Promise<void> {
    for (const [i, w] of batch.entries()) {
      try {
        await this.flush([w.item]);
        w.resolve();
      } catch (err) {
        if (this.retryAlone(err)) {
          w.reject(err);
          continue;
        }
        for (const rest of batch.slice(i)) rest.reject(err);
        return;
      }
    }
  }
}
