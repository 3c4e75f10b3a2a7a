import { Job } from '../../jobs/job-queue';
import { csrfField, html, SafeHtml, when } from '../html';

/** Why a job is where it is, in words an admin can act on. */
export function whyStuck(job: Job, now = Date.now()): string {
  if (job.state === 'dead') return job.attempts >= job.maxAttempts ? `all ${job.maxAttempts} attempts failed; retry once the cause below is fixed` : 'a failure no retry can fix (see the error); fix the cause, then retry';
  if (job.state === 'retry') return `attempt ${job.attempts} of ${job.maxAttempts} failed; the next runs ${job.runAt <= now ? 'now' : `at ${new Date(job.runAt).toISOString()}`}`;
  if (job.state === 'running') return `running on ${job.leaseOwner ?? 'a bridge'}`;
  if (job.state === 'queued') return job.runAt <= now ? 'waiting for a free worker' : `waiting until ${new Date(job.runAt).toISOString()}`;
  return 'done';
}

/** Jobs as a table, with a retry button on each dead one. */
export function jobsTable(jobs: Job[], csrf: string, empty: string): SafeHtml {
  if (!jobs.length) return html`<p>${empty}</p>`;
  const rows = jobs.map(
    (j) => html`<tr data-job="${j.id}" data-state="${j.state}"><td>${j.id}</td><td><a href="/admin?q=${encodeURIComponent(j.userId)}">${j.userId}</a></td><td>${j.payload.triggers.map((t) => t.trigger).join(', ') || j.trigger}</td>
<td>${j.state}</td><td>${j.attempts} of ${j.maxAttempts}</td><td>${when(j.updatedAt)}</td><td>${j.lastError ?? ''}</td><td>${whyStuck(j)}</td>
<td>${j.state === 'dead' ? html`<form method="post" action="/admin/stuck/retry">${csrfField(csrf)}<input type="hidden" name="jobId" value="${j.id}"><button type="submit" aria-label="Retry job ${j.id}">Retry</button></form>` : ''}</td></tr>`,
  );
  return html`<table class="jobs"><thead><tr><th scope="col">Job</th><th scope="col">Keycloak user</th><th scope="col">Triggers</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Updated</th><th scope="col">Last error</th><th scope="col">Why</th><th scope="col">Action</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The stuck-work page: dead jobs, then jobs waiting to retry. */
export function stuckPage(dead: Job[], retrying: Job[], csrf: string, notice?: string): SafeHtml {
  return html`${notice ? html`<p role="status" class="ok">${notice}</p>` : ''}
<h2>Dead jobs (${dead.length})</h2>
${dead.length ? html`<form method="post" action="/admin/stuck/retry-all">${csrfField(csrf)}<button type="submit">Retry all dead jobs</button></form>` : ''}
${jobsTable(dead, csrf, 'No dead jobs.')}
<h2>Retrying (${retrying.length})</h2>
${jobsTable(retrying, csrf, 'No job is waiting to retry.')}`;
}
