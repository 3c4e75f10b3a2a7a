import { setTimeout as sleep } from 'node:timers/promises';

import { Coordination } from '../store/coordination';
import { ExpiringEntries } from '../store/expiring-entries';
import { SweepSummary } from './sweep';
import { SWEEP_LEASE, SweepElsewhereError, withSweepLease } from './sweep-lease';

/** Where the last sweep's report is kept in the store, for every bridge's pages, and for how long (ms). */
const LAST_SWEEP = 'sweep:last';
const KEPT_MS = 90 * 24 * 3_600_000;
/** Where the running sweep's progress is kept for every bridge's pages: written at most every second, kept 2 minutes. */
const PROGRESS = 'sweep:progress';
const PROGRESS_EVERY_MS = 1_000;
const PROGRESS_KEPT_MS = 120_000;
/** How long stop() waits for a running sweep to give its lease up and record its end (ms). */
const STOP_WAIT_MS = 10_000;

/** One sweep of this bridge: `signal` is aborted when it lost the lease or the bridge stops; `onProgress` gets users examined. */
export type SweepRun = (scope: 'requested' | 'all', waitMs: number, signal: AbortSignal, onProgress: (examined: number) => void) => Promise<SweepSummary>;

/** How the last finished sweep (of any bridge) went, and whether one runs now (on which bridge, how far). */
export interface SweepReport {
  running: boolean;
  /** the bridge (lease owner) running it: this one's own id, or another's */
  where?: string;
  /** whether `where` is this bridge */
  here?: boolean;
  /** users examined so far by the running sweep (the running bridge writes it at most every second) */
  examined?: number;
  lastStartedAt?: number;
  lastFinishedAt?: number;
  lastDurationMs?: number;
  lastSummary?: Record<string, unknown>;
  lastError?: string;
  /** the last sweep was cut short because its process stopped (a restart, Ctrl-C): not a failure */
  lastStopped?: boolean;
}

/** What starting a sweep from the admin pages came to. */
export type SweepStart = { started: true } | { started: false; where: 'here' } | { started: false; where: string };

/** The bridge (or the CLI's sweep) is stopping: its sweep gives its lease up at once, and no new one starts. */
export class BridgeStoppingError extends Error {
  constructor() {
    super('the sweep was stopped with its process (a restart or Ctrl-C) and gave its lease up; the next sweep starts at the next interval, on any bridge');
    this.name = 'BridgeStoppingError';
  }
}

/**
 * Every sweep of this bridge (periodic, POST /admin/reconcile, the admin pages) goes through here: one at a time on this
 * bridge (a request while one runs joins it), only under the store's sweep lease (one at a time across bridges), its
 * progress and its end written to the store so every bridge's pages can show them, and stopped with the bridge, giving
 * the lease up at once rather than holding it for a minute after the process is gone.
 */
export class SweepControl {
  private current?: { promise: Promise<SweepSummary>; startedAt: number; examined: number };
  private readonly stopper = new AbortController();

  constructor(
    private readonly entries: ExpiringEntries,
    private readonly coordination: Coordination,
    /** this bridge's lease owner id */
    private readonly owner: string,
    private readonly run: SweepRun,
    /** the sweep lease's length in ms (default: sweep-lease.ts's minute; tests shorten it) */
    private readonly leaseMs?: number,
  ) {}

  /** Whether this bridge sweeps now. */
  get busy(): boolean {
    return this.current !== undefined;
  }

  /**
   * Sweeps and resolves with the summary, or joins this bridge's running sweep. Rejects with SweepElsewhereError when
   * another bridge holds the lease, BridgeStoppingError when the bridge stops, or the sweep's own error.
   * `onHeld` is told once this bridge holds the lease and the sweep has begun.
   */
  sweep(scope: 'requested' | 'all', waitMs: number, onHeld?: () => void): Promise<SweepSummary> {
    if (this.current) return this.current.promise;
    if (this.stopper.signal.aborted) return Promise.reject(new BridgeStoppingError());
    const current = { startedAt: Date.now(), examined: 0, promise: undefined as unknown as Promise<SweepSummary> };
    const progress = this.progressWriter(current);
    let held = false;
    const swept = withSweepLease(
      this.coordination,
      this.owner,
      async (signal) => {
        held = true;
        signal.throwIfAborted(); // stopped while the lease was being taken: nothing of the sweep runs
        onHeld?.();
        progress.tell(0);
        return this.run(scope, waitMs, signal, progress.tell);
      },
      this.leaseMs,
      this.stopper.signal,
    );
    current.promise = this.recorded(current.startedAt, swept, () => held).finally(() => {
      progress.end();
      this.current = undefined;
      if (held) void this.forgetProgress();
    });
    this.current = current;
    return current.promise;
  }

  /** Removes the progress entry if it is this bridge's (a bridge that lost its lease must not wipe the new holder's). */
  private async forgetProgress(): Promise<void> {
    const progress = parsed<{ where: string }>(await this.entries.get(PROGRESS).catch(() => undefined));
    if (progress?.where === this.owner) await this.entries.take(PROGRESS).catch(() => undefined);
  }

  /** Keeps `current.examined` and writes it to the store at most once a second, the latest always within a second. */
  private progressWriter(current: { startedAt: number; examined: number }): { tell: (examined: number) => void; end: () => void } {
    let written = 0;
    let trailing: NodeJS.Timeout | undefined;
    const write = (): void => {
      trailing = undefined;
      written = Date.now();
      const value = JSON.stringify({ where: this.owner, startedAt: current.startedAt, examined: current.examined });
      void this.entries.put(PROGRESS, value, written + PROGRESS_KEPT_MS).catch(() => undefined);
    };
    return {
      tell: (examined) => {
        current.examined = examined;
        const wait = written + PROGRESS_EVERY_MS - Date.now();
        if (wait <= 0) write();
        else trailing ??= setTimeout(write, wait).unref();
      },
      end: () => clearTimeout(trailing),
    };
  }

  /** For the admin pages: starts a sweep in the background; answers once it holds the lease, or says who sweeps. */
  start(all: boolean): Promise<SweepStart> {
    if (this.current) return Promise.resolve({ started: false, where: 'here' });
    return new Promise<SweepStart>((resolve, reject) => {
      this.sweep(all ? 'all' : 'requested', 0, () => resolve({ started: true })).catch((err: Error) => {
        // after the lease was held this settles nothing (the page was answered); the end is recorded for the pages
        if (err instanceof SweepElsewhereError) resolve({ started: false, where: err.holder });
        else reject(err);
      });
    });
  }

  /** What the pages show: the sweep running now on any bridge (with its progress), and the last finished one. */
  async report(): Promise<SweepReport> {
    const last = parsed<Omit<SweepReport, 'running'>>(await this.entries.get(LAST_SWEEP).catch(() => undefined)) ?? {};
    const mine = this.current;
    if (mine) return { ...last, running: true, where: this.owner, here: true, lastStartedAt: mine.startedAt, examined: mine.examined };
    const holder = await this.coordination.leaseHolder(SWEEP_LEASE).catch(() => undefined);
    if (!holder) return { ...last, running: false };
    const progress = parsed<{ where: string; startedAt: number; examined: number }>(await this.entries.get(PROGRESS).catch(() => undefined));
    // without its progress entry the running sweep's start is unknown: never the last finished sweep's start
    const theirs = progress?.where === holder ? { lastStartedAt: progress.startedAt, examined: progress.examined } : { lastStartedAt: undefined };
    return { ...last, running: true, where: holder, here: false, ...theirs };
  }

  /** Stops this bridge's sweep and waits (at most 10 s) for it to give the lease up; none starts after. */
  async stop(): Promise<void> {
    this.stopper.abort(new BridgeStoppingError());
    const running = this.current?.promise.catch(() => undefined);
    if (running) await Promise.race([running, sleep(STOP_WAIT_MS, undefined, { ref: false })]);
  }

  /**
   * Records how a sweep of this bridge ends, for every bridge's pages: its summary, its error, or that it stopped with
   * its process. A sweep refused before it held the lease (`held` false) ran nothing and is not this bridge's to record.
   */
  private async recorded(startedAt: number, sweep: Promise<SweepSummary>, held: () => boolean): Promise<SweepSummary> {
    try {
      const summary = await sweep;
      await this.keep(startedAt, { lastSummary: { ...summary } });
      return summary;
    } catch (err) {
      if (held()) await this.keep(startedAt, err instanceof BridgeStoppingError ? { lastStopped: true } : { lastError: (err as Error).message });
      throw err;
    }
  }

  private async keep(startedAt: number, outcome: Pick<SweepReport, 'lastSummary' | 'lastError' | 'lastStopped'>): Promise<void> {
    const finishedAt = Date.now();
    const report = { lastStartedAt: startedAt, lastFinishedAt: finishedAt, lastDurationMs: finishedAt - startedAt, ...outcome };
    await this.entries.put(LAST_SWEEP, JSON.stringify(report), finishedAt + KEPT_MS).catch(() => undefined);
  }
}

function parsed<T>(text: string | undefined): T | undefined {
  try {
    return text === undefined ? undefined : (JSON.parse(text) as T);
  } catch {
    return undefined;
  }
}
