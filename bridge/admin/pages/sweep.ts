import { csrfField, html, SafeHtml } from '../html';
import { SweepReport } from '../../sweep/sweep-control';
import { sweepLines } from './health';

/** The sweep page: its state, progress while it runs (the page reloads itself), and the button to start one. */
export function sweepPage(sweep: SweepReport, csrf: string, notice?: string): SafeHtml {
  return html`${notice ? html`<p role="status">${notice}</p>` : ''}
${sweep.running ? html`<p role="status" aria-live="polite">Examined so far: <strong id="sweep-progress">${sweep.examined ?? 0}</strong> users. This page updates itself every 2 seconds.</p>` : ''}
${sweepLines(sweep)}
<form method="post" action="/admin/sweep/start">${csrfField(csrf)}
<p><label><input type="checkbox" name="scope" value="all"> Also every user linked to the identity provider who was never marked (a first migration)</label></p>
<button type="submit"${sweep.running ? html` disabled` : ''}>Start a sweep</button></form>`;
}
