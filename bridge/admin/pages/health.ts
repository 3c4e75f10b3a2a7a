import { SweepReport } from '../../sweep/sweep-control';
import { html, SafeHtml, when } from '../html';

/** One line of the health page: a part of the system, whether it is fine, and what is wrong. */
export interface HealthCheck {
  name: string;
  problem: string | undefined;
  /** a remark that does not make the bridge unready */
  warning?: string;
}

/** BMS's budget on one endpoint: calls counted in the window, of the limit. */
export interface BudgetUse {
  endpoint: string;
  used: number;
}

/** Health: each part's state, BMS's per-endpoint budget used in the window, and the sweep. */
export function healthPage(checks: HealthCheck[], budget: { limit: number; windowMs: number; used: BudgetUse[] }, sweep: SweepReport): SafeHtml {
  const rows = checks.map((c) => html`<tr data-check="${c.name}"><th scope="row">${c.name}</th><td class="${c.problem ? 'bad' : c.warning ? 'warn' : 'ok'}">${c.problem ? 'failing' : c.warning ? 'warning' : 'ok'}</td><td>${c.problem ?? c.warning ?? ''}</td></tr>`);
  const budgetRows = budget.used.map((b) => html`<tr><td>${b.endpoint}</td><td>${b.used}</td><td>${Math.max(0, budget.limit - b.used)}</td></tr>`);
  return html`<h2>Parts</h2>
<table id="health"><thead><tr><th scope="col">Part</th><th scope="col">State</th><th scope="col">Detail</th></tr></thead><tbody>${rows}</tbody></table>
<h2>BMS budget (${budget.limit} calls per endpoint per ${Math.round(budget.windowMs / 60_000)} minutes, shared by every bridge)</h2>
${budget.used.length ? html`<table id="budget"><thead><tr><th scope="col">Endpoint</th><th scope="col">Used</th><th scope="col">Left</th></tr></thead><tbody>${budgetRows}</tbody></table>` : html`<p>No BMS call in the window.</p>`}
<h2>Sweep</h2>
${sweepLines(sweep)}`;
}

/** The sweep's state in a few lines (also on the sweep page). */
export function sweepLines(sweep: SweepReport): SafeHtml {
  const summary = sweep.lastSummary ? Object.entries(sweep.lastSummary).filter(([, v]) => typeof v === 'number').map(([k, v]) => `${k} ${v}`).join(', ') : '';
  return html`<ul id="sweep-state">
<li>${sweep.running ? html`<strong>A sweep is running</strong> ${sweep.here ? 'on this bridge' : html`on another bridge (<code>${sweep.where ?? 'unknown'}</code>)`}${sweep.lastStartedAt !== undefined ? html` (started ${when(sweep.lastStartedAt)})` : ''}` : 'No sweep is running on any bridge.'}</li>
<li>Last finished: ${when(sweep.lastFinishedAt)}${sweep.lastDurationMs !== undefined ? ` in ${(sweep.lastDurationMs / 1000).toFixed(1)} s` : ''}</li>
${summary ? html`<li>What it found and healed: ${summary}</li>` : ''}
${sweep.lastError ? html`<li class="bad">Last error: ${sweep.lastError}</li>` : ''}
${sweep.lastStopped ? html`<li>The last sweep was stopped with its process (a restart or Ctrl-C); the next one starts at the next interval.</li>` : ''}
</ul>`;
}
