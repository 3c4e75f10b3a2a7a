import { ExpiringEntries } from '../store/expiring-entries';
import { SweepSummary } from '../sweep/sweep';
import { SweepReport } from './pages/health';

/** Where the last sweep's report is kept in the store, for every bridge's pages, and for how long (ms). */
const LAST_SWEEP = 'sweep:last';
const KEPT_MS = 90 * 24 * 3_600_000;

/**
 * Starts sweeps for the admin pages and tells how sweeps went: whether one runs on this bridge (with the users
 * examined so far), and the last one that finished on any bridge of the store (its summary, duration or error).
 */
export class SweepMonitor {
  private running?: { startedAt: number; examined: number };

  /** `run` sweeps and reports progress (users examined so far). */
  constructor(
    private readonly entries: ExpiringEntries,
    private readonly run: (all: boolean, onProgress: (examined: number) => void) => Promise<SweepSummary>,
  ) {}

  /** What the pages show: this bridge's sweep in progress, and the last finished one of any bridge. */
  async report(): Promise<SweepReport & { examined?: number }> {
    const stored = await this.entries.get(LAST_SWEEP).catch(() => undefined);
    const last = stored ? (JSON.parse(stored) as Omit<SweepReport, 'running'>) : {};
    return this.running ? { ...last, running: true, lastStartedAt: this.running.startedAt, examined: this.running.examined } : { ...last, running: false };
  }

  /** Starts a sweep in the background; false when one already runs on this bridge. */
  start(all: boolean): boolean {
    if (this.running) return false;
    const running = { startedAt: Date.now(), examined: 0 };
    this.running = running;
    void this.run(all, (examined) => (running.examined = examined))
      .catch(() => undefined) // recorded by `recorded`
      .finally(() => (this.running = undefined));
    return true;
  }

  /** Records how a sweep of this bridge ends, for every bridge's pages; a sweep another bridge runs is not this one's to record. */
  async recorded(sweep: Promise<SweepSummary>): Promise<SweepSummary> {
    const startedAt = Date.now();
    try {
      const summary = await sweep;
      await this.keep(startedAt, { lastSummary: { ...summary } });
      return summary;
    } catch (err) {
      if ((err as Error).name !== 'SweepElsewhereError') await this.keep(startedAt, { lastError: (err as Error).message });
      throw err;
    }
  }

  private async keep(startedAt: number, outcome: Pick<SweepReport, 'lastSummary' | 'lastError'>): Promise<void> {
    const finishedAt = Date.now();
    const report: Omit<SweepReport, 'running'> = { lastStartedAt: startedAt, lastFinishedAt: finishedAt, lastDurationMs: finishedAt - startedAt, ...outcome };
    await this.entries.put(LAST_SWEEP, JSON.stringify(report), finishedAt + KEPT_MS).catch(() => undefined);
  }
}
