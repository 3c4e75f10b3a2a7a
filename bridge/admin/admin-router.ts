import type UserRepresentation from '@keycloak/keycloak-admin-client/lib/defs/userRepresentation';
import { csrfSync } from 'csrf-sync';
import express, { Request, Response, Router } from 'express';

import { Job, JobNotDeadError } from '../jobs/job-queue';
import { Logger } from '../log/logger';
import { Preview, PreviewRequest } from '../rules/preview';
import { Store } from '../store/store';
import { SweepControl } from '../sweep/sweep-control';
import { userIdText } from '../webhooks/payload';
import { adminOf } from './admin-user';
import { html, layout, SafeHtml } from './html';
import { HealthCheck, healthPage } from './pages/health';
import { EmployeeNow, personPage, PersonStory } from './pages/person';
import { rulesPage, PreviewForm, RulesView } from './pages/rules';
import { stuckPage } from './pages/jobs';
import { sweepPage } from './pages/sweep';
import { adminSignIn } from './sign-in';
import { AdminSignInSettings, StillAdmin } from './sign-in-settings';

/** What the admin pages read and do; the bridge wires its parts in (bridge.ts). */
export interface AdminDeps {
  store: Store;
  /** whether the admin (by user name) is enabled and still holds the role, asked again every roleRecheckMs */
  stillAdmin: StillAdmin;
  /** a Keycloak user by id, e-mail or user name */
  findUser(query: string): Promise<UserRepresentation | undefined>;
  /** what BMS holds for an employee now */
  employee(id: number): Promise<EmployeeNow>;
  preview(request: PreviewRequest): Promise<Preview>;
  /** queues an admin converge job for the user and wakes the worker */
  converge(userId: string, by: string): Promise<Job>;
  /** gives a dead job fresh attempts and wakes the worker */
  retry(jobId: number): Promise<Job>;
  rules(): Promise<RulesView>;
  /** each part's health, with detail (the admin is signed in) */
  health(): Promise<HealthCheck[]>;
  /** BMS's per-endpoint limit and window, for the budget table */
  budget: { limit: number; windowMs: number };
  sweep: SweepControl;
  log: Logger;
}

const EMPTY_FORM: PreviewForm = { groups: '', domain: '', upn: '', email: '' };

/**
 * The admin pages at /admin: signed in through the broker realm over SAML, the realm role required, every POST with
 * the session's CSRF token. Person, stuck work, rules (with preview), health, sweep. Every admin action is audited.
 */
export function adminRouter(settings: AdminSignInSettings, deps: AdminDeps): Router {
  const { router: signIn, requireAdmin, signOut } = adminSignIn(settings, deps.store.expiring, deps.stillAdmin, deps.log);
  const { csrfSynchronisedProtection, generateToken } = csrfSync({ getTokenFromRequest: (req) => (req.body as Record<string, string> | undefined)?._csrf });
  const router = express.Router();
  router.use(signIn);
  const pages = express.Router();
  pages.use(requireAdmin, express.urlencoded({ extended: false, limit: '256kb' }), csrfSynchronisedProtection);
  const send = (req: Request, res: Response, title: string, current: string, body: (csrf: string) => SafeHtml): void => {
    const csrf = generateToken(req);
    res.setHeader('Cache-Control', 'no-store');
    // no script, no framing; forms post to the bridge (sign-out then goes on to Keycloak)
    res.setHeader('Content-Security-Policy', `default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self' ${new URL(settings.idpSsoUrl).origin}; frame-ancestors 'none'; base-uri 'none'`);
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(layout(title, current, { name: adminOf(req)?.name ?? '' }, csrf, body(csrf)));
  };
  // the action happened: a failed audit write is logged with the entry, and the admin still sees the action's result
  const audit = (req: Request, what: string, userId: string | null, details: Record<string, unknown> = {}): Promise<void> =>
    deps.store.audit.record({ userId, kind: 'admin-action', what, trigger: 'admin', by: adminOf(req)?.name ?? null, details }).catch((err: Error) => {
      deps.log.error({ admin: adminOf(req)?.name, what, userId, error: err.message }, 'admin pages: could not record an admin action in the audit trail');
    });

  pages.get('/admin', async (req, res) => {
    const query = typeof req.query.q === 'string' ? req.query.q.trim() : '';
    const story = query ? await storyOf(deps, query) : undefined;
    send(req, res, 'Person', '/admin', (csrf) => personPage(query, story, csrf, noticeOf(req)));
  });
  pages.post('/admin/person/converge', async (req, res) => {
    const userId = formUserId(req.body?.userId);
    const job = await deps.converge(userId, adminOf(req)?.name ?? 'admin');
    await audit(req, `asked to converge now (job ${job.id})`, userId, { jobId: job.id });
    res.redirect(303, `/admin?q=${encodeURIComponent(userId)}&done=converge&n=${job.id}`);
  });
  pages.get('/admin/stuck', async (req, res) => {
    const [dead, retrying] = await Promise.all([deps.store.jobs.list({ state: 'dead', limit: 200 }), deps.store.jobs.list({ state: 'retry', limit: 200 })]);
    send(req, res, 'Stuck work', '/admin/stuck', (csrf) => stuckPage(dead, retrying, csrf, noticeOf(req)));
  });
  pages.post('/admin/stuck/retry', async (req, res) => {
    const job = await deps.retry(formJobId(req.body?.jobId));
    await audit(req, `retried dead job ${job.id}`, job.userId, { jobId: job.id });
    res.redirect(303, `/admin/stuck?done=retry&n=${job.id}`);
  });
  pages.post('/admin/stuck/retry-all', async (req, res) => {
    const dead = await deps.store.jobs.list({ state: 'dead', limit: 1000 });
    // a job another admin or bridge retried meanwhile is no longer dead: skipped; any other failure (the store is down)
    // stops here, after the retries done so far are audited, and the admin sees it on the error page
    const retried: number[] = [];
    try {
      for (const job of dead) {
        if (await deps.retry(job.id).then(() => true, (err: unknown) => (err instanceof JobNotDeadError ? false : Promise.reject(err)))) retried.push(job.id);
      }
    } finally {
      if (retried.length || !dead.length) await audit(req, `retried all ${retried.length} dead jobs`, null, { jobIds: retried });
    }
    res.redirect(303, `/admin/stuck?done=retry-all&n=${retried.length}`);
  });
  pages.get('/admin/rules', async (req, res) => {
    const view = await deps.rules();
    send(req, res, 'Rules', '/admin/rules', (csrf) => rulesPage(view, csrf, EMPTY_FORM));
  });
  pages.post('/admin/rules/preview', async (req, res) => {
    const form = formOf(req.body);
    const answer = await deps
      .preview({ facts: { groups: form.groups.split(/\r?\n/).map((g) => g.trim()).filter(Boolean), domain: form.domain || null, upn: form.upn || null, email: form.email || null } })
      .catch((err: Error) => ({ error: err.message }));
    const view = await deps.rules();
    send(req, res, 'Rules', '/admin/rules', (csrf) => rulesPage(view, csrf, form, answer));
  });
  pages.get('/admin/health', async (req, res) => {
    const [checks, used] = await Promise.all([deps.health(), deps.store.coordination.callsInWindow(deps.budget.windowMs)]);
    const budget = { ...deps.budget, used: Object.entries(used).map(([endpoint, n]) => ({ endpoint, used: n })) };
    const sweep = await deps.sweep.report();
    send(req, res, 'Health', '/admin/health', () => healthPage(checks, budget, sweep));
  });
  pages.get('/admin/sweep', async (req, res) => {
    const report = await deps.sweep.report();
    if (report.running) res.setHeader('Refresh', '2');
    send(req, res, 'Sweep', '/admin/sweep', (csrf) => sweepPage(report, csrf, noticeOf(req)));
  });
  pages.post('/admin/sweep/start', async (req, res) => {
    const all = req.body?.scope === 'all';
    const start = await deps.sweep.start(all);
    if (start.started) await audit(req, `started a sweep${all ? ' of every user linked to the identity provider' : ''}`, null);
    // the page itself names the other bridge (from the store), never text carried in the link
    res.redirect(303, `/admin/sweep?done=${start.started ? 'sweep-started' : start.where === 'here' ? 'sweep-running' : 'sweep-elsewhere'}`);
  });
  pages.post('/admin/logout', signOut);
  // a refusal or a failure as a page that says what was wrong and what to do
  pages.use((err: Error & { code?: string; status?: number }, req: Request, res: Response, _next: express.NextFunction) => {
    const forged = err.code === 'EBADCSRFTOKEN';
    if (!forged) deps.log.warn({ admin: adminOf(req)?.name, path: req.path, error: err.message }, 'admin pages: an action failed');
    const message = forged ? 'This form was not sent by a page of this session (a stale or forged form): reload the page and try again.' : err.message;
    // a refusal that carries its own 4xx (a malformed form, a form too large) keeps it; any other failure is a conflict
    const status = forged ? 403 : typeof err.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 409;
    res.status(status).send(layout(forged ? 'Refused' : 'That did not work', '', { name: adminOf(req)?.name ?? '' }, generateToken(req), html`<p role="alert" class="bad">${message}</p><p><a href="${req.get('referer')?.startsWith(settingsOrigin(settings)) ? req.get('referer') : '/admin'}">Back</a></p>`));
  });
  router.use(pages);
  return router;
}

/** A form field the pages themselves fill in came back malformed (a tampered or hand-made form): 400, nothing done. */
class BadFormError extends Error {
  readonly status = 400;
  constructor(message: string) {
    super(`${message}. Nothing was done: start again from the page.`);
    this.name = 'BadFormError';
  }
}

/** The person form's Keycloak user id, checked as a webhook's would be (both stores must be able to keep it). */
function formUserId(value: unknown): string {
  const parsed = userIdText().safeParse(value);
  const problem = !parsed.success ? (parsed.error.issues[0]?.message ?? 'not text') : parsed.data.trim() ? undefined : 'blank';
  // an id Keycloak no longer has is fine: converging it deactivates the employee of a person since deleted
  if (problem || !parsed.success) throw new BadFormError(`The user id of this form is not a user id (1 to 255 characters, not blank, no NUL): ${problem}`);
  return parsed.data;
}

/** The stuck-work form's job id: a whole number above 0. */
function formJobId(value: unknown): number {
  const id = typeof value === 'string' && /^[0-9]{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) throw new BadFormError(`The job id of this form, ${JSON.stringify(String(value ?? '')).slice(0, 40)}, is not a job number`);
  return id;
}

const settingsOrigin = (settings: AdminSignInSettings): string => `${settings.publicUrl}/admin`;

/** A person's whole story: the Keycloak user, the decision now, the link, what BMS holds, their jobs and audit entries. */
async function storyOf(deps: AdminDeps, query: string): Promise<PersonStory | { notFound: string }> {
  // text no user has (a NUL, a lone surrogate, over 255 characters): Keycloak would refuse the search itself
  if (!userIdText().safeParse(query).success) return { notFound: 'No Keycloak user has that id, e-mail address or user name: it holds a character no directory value has, or is over 255 characters.' };
  const user = await deps.findUser(query);
  if (!user?.id) return { notFound: `No Keycloak user has the id, e-mail address or user name '${query}'.` };
  const userId = user.id;
  const [preview, link, jobs, audit] = await Promise.all([
    deps.preview({ userId }).catch((err: Error) => ({ error: err.message })),
    deps.store.links.linkOf(userId),
    deps.store.jobs.list({ userId, limit: 50 }),
    deps.store.audit.list({ userId, newestFirst: true, limit: 200 }),
  ]);
  const employee = link ? await deps.employee(link.employeeId) : undefined;
  return { user, preview, link, employee, jobs, audit };
}

/**
 * What an action's redirect tells the admin: a code and a number from the query, never text from it (a link someone
 * sends must not put words of theirs on the page).
 */
function noticeOf(req: Request): string | undefined {
  const n = typeof req.query.n === 'string' && /^\d{1,12}$/.test(req.query.n) ? req.query.n : undefined;
  switch (req.query.done) {
    case 'converge':
      return n && `Job ${n} queued: the person is converged now.`;
    case 'retry':
      return n && `Job ${n} runs again.`;
    case 'retry-all':
      return n && `${n} dead jobs run again.`;
    case 'sweep-started':
      return 'The sweep started.';
    case 'sweep-running':
      return 'A sweep already runs on this bridge.';
    case 'sweep-elsewhere':
      return 'No sweep was started: another bridge is sweeping (below). One sweep runs at a time across all bridges.';
    default:
      return undefined;
  }
}

function formOf(body: unknown): PreviewForm {
  const b = (body ?? {}) as Record<string, unknown>;
  const text = (key: keyof PreviewForm): string => (typeof b[key] === 'string' ? (b[key] as string) : '');
  return { groups: text('groups'), domain: text('domain').trim(), upn: text('upn').trim(), email: text('email').trim() };
}
