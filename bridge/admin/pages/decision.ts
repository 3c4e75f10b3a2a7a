import { Preview } from '../../rules/preview';
import { html, SafeHtml } from '../html';

/** A preview's decision as a table: outcome, rule, reason, the BMS fields, and the rules' status. */
export function decisionTable(preview: Preview): SafeHtml {
  const { decision } = preview;
  const rule = decision.outcome !== 'unusable' && decision.rule ? `${decision.rule.name} (order ${decision.rule.order})` : decision.outcome === 'unusable' ? '—' : 'none (the defaults)';
  const fields = decision.outcome === 'provision' ? Object.entries(decision.fields).map(([k, v]) => html`${k}: ${v}<br>`) : '—';
  const message = decision.outcome === 'provision' ? '' : decision.userMessage;
  return html`<table id="decision"><tbody>
<tr><th scope="row">Outcome</th><td data-field="outcome"><strong>${decision.outcome}</strong></td></tr>
<tr><th scope="row">Rule</th><td data-field="rule">${rule}</td></tr>
<tr><th scope="row">Why</th><td>${decision.reason}</td></tr>
<tr><th scope="row">BMS fields</th><td>${fields}</td></tr>
${message ? html`<tr><th scope="row">What the person is told</th><td>${message}</td></tr>` : ''}
<tr><th scope="row">Rules</th><td>${preview.rulesStatus}</td></tr>
</tbody></table>`;
}
