import { SweepSummary } from '../sweep/sweep';
import { SweepReport } from './pages/health';

/**
 * Starts sweeps for the admin pages and remembers how the last one went: running or not, users examined so far, and
 * the last summary, duration or error. One per bridge process; the sweep lease keeps bridges from sweeping together.
 */
export class SweepMonitor {
  private state: SweepReport & { examined?: number } = { running: false };

  /** `run` sweeps and reports progress (users examined so far). */
  constructor(private readonly run: (all: boolean, onProgress: (examined: number) => void) => Promise<SweepSummary>) {}

  /** What the pages show. */
  report(): SweepReport & { examined?: number } {
    return { ...this.state };
  }

  /** Starts a sweep in the background; false when one already runs on this bridge. Errors end up in the report. */
  start(all: boolean): boolean {
    if (this.state.running) return false;
    const startedAt = Date.now();
    this.state = { ...this.state, running: true, lastStartedAt: startedAt, examined: 0, lastError: undefined };
    void this.run(all, (examined) => (this.state.examined = examined)).then(
      (summary) => (this.state = { running: false, lastStartedAt: startedAt, lastFinishedAt: Date.now(), lastDurationMs: Date.now() - startedAt, lastSummary: { ...summary }, examined: summary.examined }),
      (err: Error) => (this.state = { ...this.state, running: false, lastFinishedAt: Date.now(), lastDurationMs: Date.now() - startedAt, lastError: err.message }),
    );
    return true;
  }

  /** A sweep that ran elsewhere (the periodic one): its summary is the last one. */
  finished(summary: SweepSummary, startedAt: number): void {
    if (this.state.running) return;
    this.state = { running: false, lastStartedAt: startedAt, lastFinishedAt: Date.now(), lastDurationMs: Date.now() - startedAt, lastSummary: { ...summary }, examined: summary.examined };
  }
}
