import type UserRepresentation from '@keycloak/keycloak-admin-client/lib/defs/userRepresentation';

import { AuditEntry } from '../../audit/audit-log';
import { Link } from '../../converge/link-store';
import { Job } from '../../jobs/job-queue';
import { USER_ATTRIBUTES } from '../../keycloak/attributes';
import { Preview } from '../../rules/preview';
import { csrfField, html, SafeHtml, when } from '../html';
import { decisionTable } from './decision';
import { jobsTable } from './jobs';

/** What BMS holds for the linked employee now, or why that could not be read. */
export type EmployeeNow = { found: true; id: number; name: string; email: string; userName: string; active: boolean } | { found: false; reason: string };

/** Everything the person page shows about one Keycloak user. */
export interface PersonStory {
  user: UserRepresentation;
  preview: Preview | { error: string };
  link: Link | undefined;
  employee: EmployeeNow | undefined;
  jobs: Job[];
  audit: AuditEntry[];
}

/** The search form, and the result: not found, or the person's whole story. */
export function personPage(query: string, story: PersonStory | undefined | { notFound: string }, csrf: string, notice?: string): SafeHtml {
  const form = html`<form method="get" action="/admin" role="search">
<label for="q">E-mail address, user name or Keycloak id</label>
<input id="q" name="q" type="search" size="48" value="${query}" required>
<button type="submit">Find</button></form>`;
  if (!story) return html`${form}${notice ? html`<p role="status">${notice}</p>` : ''}`;
  if ('notFound' in story) return html`${form}<p role="alert">${story.notFound}</p>`;
  return html`${form}${notice ? html`<p role="status" class="ok">${notice}</p>` : ''}${storyOf(story, csrf)}`;
}

function storyOf(story: PersonStory, csrf: string): SafeHtml {
  const { user } = story;
  const attr = (name: string): string | undefined => user.attributes?.[name]?.[0];
  const groups: string[] = user.attributes?.[USER_ATTRIBUTES.groups] ?? [];
  return html`<h2 id="person">${user.firstName} ${user.lastName} (${user.username})</h2>
<table aria-labelledby="person"><tbody>
<tr><th scope="row">Keycloak id</th><td data-field="id">${user.id}</td></tr>
<tr><th scope="row">E-mail</th><td>${user.email ?? '—'}</td></tr>
<tr><th scope="row">Enabled</th><td>${user.enabled ? 'yes' : 'no'}</td></tr>
<tr><th scope="row">UPN</th><td>${attr(USER_ATTRIBUTES.upn) ?? '—'}</td></tr>
<tr><th scope="row">AD domain</th><td>${attr(USER_ATTRIBUTES.domain) ?? '—'}</td></tr>
<tr><th scope="row">AD groups (${groups.length})</th><td>${groups.slice(0, 50).map((g: string) => html`${g}<br>`)}${groups.length > 50 ? `… and ${groups.length - 50} more` : ''}</td></tr>
<tr><th scope="row">${USER_ATTRIBUTES.employeeId}</th><td>${attr(USER_ATTRIBUTES.employeeId) ?? '—'}</td></tr>
</tbody></table>
<form method="post" action="/admin/person/converge">${csrfField(csrf)}<input type="hidden" name="userId" value="${user.id}">
<button type="submit">Run now (converge this person)</button></form>
<h2>What the rules decide now (preview)</h2>
${'error' in story.preview ? html`<p class="bad">${story.preview.error}</p>` : decisionTable(story.preview)}
<h2>Link and BMS</h2>
${linkTable(story.link, story.employee)}
<h2>Jobs</h2>
${jobsTable(story.jobs, csrf, 'No jobs (kept for the retention period).')}
<h2>Story (newest first)</h2>
${auditTable(story.audit)}`;
}

function linkTable(link: Link | undefined, employee: EmployeeNow | undefined): SafeHtml {
  if (!link) return html`<p>Not linked to a BMS employee.</p>`;
  const now = !employee
    ? '—'
    : employee.found
      ? html`employee ${employee.id}: ${employee.name}, ${employee.email}, user name ${employee.userName}, <strong>${employee.active ? 'active' : 'inactive'}</strong>`
      : html`<span class="bad">${employee.reason}</span>`;
  const record = link.record;
  return html`<table><tbody>
<tr><th scope="row">BMS employee id</th><td data-field="employee-id">${link.employeeId}</td></tr>
<tr><th scope="row">Linked at</th><td>${when(link.linkedAt)}</td></tr>
<tr><th scope="row">What the bridge last wrote</th><td>${record ? `${record.firstName} ${record.lastName}, ${record.email ?? '—'}, ${record.active ? 'active' : 'inactive'}; ${Object.entries(record.fields).map(([k, v]) => `${k}: ${v}`).join(', ') || 'no rule fields'}` : 'not known: BMS is read at the next job'}</td></tr>
<tr><th scope="row">What BMS holds now</th><td data-field="bms-now">${now}</td></tr>
</tbody></table>`;
}

/** The audit entries as a table: when, what, why, triggered by. */
export function auditTable(entries: AuditEntry[]): SafeHtml {
  if (!entries.length) return html`<p>No audit entries (kept for the retention period).</p>`;
  const rows = entries.map(
    (e) => html`<tr data-kind="${e.kind}"><td>${when(e.at)}</td><td>${e.kind}</td><td>${e.what}</td><td>${e.why ?? ''}</td><td>${e.trigger}${e.by ? html` (${e.by})` : ''}</td><td>${e.jobId ?? ''}</td></tr>`,
  );
  return html`<table id="story"><thead><tr><th scope="col">When</th><th scope="col">Kind</th><th scope="col">What</th><th scope="col">Why</th><th scope="col">Triggered by</th><th scope="col">Job</th></tr></thead><tbody>${rows}</tbody></table>`;
}
