import { Preview } from '../../rules/preview';
import { Rule, RuleSet } from '../../rules/model';
import { csrfField, html, SafeHtml, when } from '../html';
import { decisionTable } from './decision';

/** What the rules page shows: the latest load and the last good set (each with when it loaded), and problems. */
export interface RulesView {
  latest?: { set: RuleSet; at: number };
  good?: { set: RuleSet; at: number };
  /** what /readyz says about the rules; undefined when fine */
  status: string | undefined;
}

/** The preview form's values, as typed. */
export interface PreviewForm {
  groups: string;
  domain: string;
  upn: string;
  email: string;
}

/** The rules in force, their problems, the last good set, and a preview form with its answer. */
export function rulesPage(view: RulesView, csrf: string, form: PreviewForm, answer?: Preview | { error: string }): SafeHtml {
  const inForce = view.latest && !view.latest.set.problems.length ? view.latest : view.good;
  const problems = view.latest?.set.problems ?? [];
  return html`<h2>Status</h2>
<p id="rules-status" class="${view.status ? 'bad' : 'ok'}">${view.status ?? 'The rules are usable.'}</p>
${problems.length ? html`<h3>Problems of the latest load (${when(view.latest?.at)})</h3><ul>${problems.map((p) => html`<li>${p}</li>`)}</ul>` : ''}
<p>Rule set in force: ${inForce ? html`loaded at ${when(inForce.at)}` : 'none'}. Last known-good set: ${view.good ? html`loaded at ${when(view.good.at)}` : 'none yet'}.</p>
${inForce ? ruleTable(inForce.set) : ''}
<h2 id="preview">Preview</h2>
<p>What happens to a person with these attributes, with the rules checked as for a real sign-in. Nothing is written.</p>
<form method="post" action="/admin/rules/preview" aria-labelledby="preview">${csrfField(csrf)}
<label for="groups">AD groups, one per line (a DN, DOMAIN\\name or a plain name)</label>
<textarea id="groups" name="groups" rows="5" cols="72">${form.groups}</textarea>
<label for="domain">AD domain</label><input id="domain" name="domain" value="${form.domain}">
<label for="upn">UPN</label><input id="upn" name="upn" value="${form.upn}" size="40">
<label for="email">E-mail</label><input id="email" name="email" value="${form.email}" size="40">
<button type="submit">Preview</button></form>
${answer ? ('error' in answer ? html`<p role="alert" class="bad">${answer.error}</p>` : html`<h3>Answer</h3>${decisionTable(answer)}`) : ''}`;
}

function ruleTable(set: RuleSet): SafeHtml {
  const match = (r: Rule): string => Object.entries(r.match).map(([k, v]) => `${k} = ${v}`).join(', ') || 'anyone';
  const values = (v: Record<string, string | undefined>): string => Object.entries(v).filter(([, x]) => x).map(([k, x]) => `${k}: ${x}`).join(', ');
  const rows = set.rules.map((r) => html`<tr><td>${r.order}</td><td>${r.name}</td><td>${r.effect}</td><td>${match(r)}</td><td>${values(r.values)}</td></tr>`);
  const defaults = set.defaults;
  return html`<table id="rules"><caption>Rules of identity provider ${set.idpAlias}, first match wins</caption>
<thead><tr><th scope="col">Order</th><th scope="col">Name</th><th scope="col">Effect</th><th scope="col">Matches</th><th scope="col">BMS fields</th></tr></thead><tbody>${rows}</tbody></table>
${defaults ? html`<p>Defaults (mapper '${defaults.name}'): ${values(defaults.values)}; when no rule matches: <strong>${defaults.noMatchPolicy === 'deny' ? 'deny' : 'provision with the defaults'}</strong>.</p>` : html`<p class="bad">No defaults mapper.</p>`}`;
}
