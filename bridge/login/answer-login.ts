import { groupsForAudit, ruleOf, whyOf } from '../audit/audit-log';
import { ConvergeResult } from '../converge/converge-result';
import { DEFAULT_POLICIES, UserTruth } from '../converge/model';
import { plan } from '../converge/plan';
import { Job, LoginFacts } from '../jobs/job-queue';
import { mergedInto } from '../jobs/merge';
import { Store } from '../store/store';
import { Worker } from '../jobs/worker';
import { Logger } from '../log/logger';
import { evaluate } from '../rules/evaluate';
import { Decision } from '../rules/model';
import { RuleSource } from '../rules/rule-source';
import { BridgeAnswer, LoginProvisioningRequested } from '../webhooks/payload';

/** A sign-in as the core sees it: who, with which facts, when. Not the webhook DTO. */
export interface LoginRequest {
  userId: string;
  username: string;
  facts: LoginFacts;
  eventId: string;
}

/** The webhook's body in the core's terms. */
export function loginRequestOf(body: LoginProvisioningRequested): LoginRequest {
  const { user } = body;
  return {
    userId: user.id,
    username: user.username,
    eventId: body.eventId,
    facts: { username: user.username, email: user.email, firstName: user.firstName, lastName: user.lastName, upn: user.upn, domain: user.domain, groups: user.groups, at: Date.now() },
  };
}

export interface LoginAnswerOptions {
  /** the answer is given within this budget: the job's outcome when it finished, else pending */
  budgetMs: number;
  maxAttempts: number;
}

/**
 * Decides a sign-in and answers it from the present: an unchanged, linked user is provisioned at once (no job, no
 * BMS call); a denied one is denied at once (and their employee is converged, e.g. deactivated, in the background);
 * anyone else gets a login-priority converge job, and the answer is that job's outcome if it ends within the budget.
 */
export class LoginAnswerer {
  constructor(
    private readonly store: Store,
    private readonly rules: RuleSource,
    private readonly worker: Worker,
    private readonly options: LoginAnswerOptions,
    private readonly log: Logger,
  ) {}

  /** The sign-in's answer; each sign-in is one entry of the audit trail (the decision, the rule, the answer). */
  async answer(login: LoginRequest): Promise<BridgeAnswer> {
    try {
      const told = await this.decide(login);
      await this.note(login, told.answer, told.decision, told.jobId);
      return told.answer;
    } catch (err) {
      await this.note(login, undefined, undefined, undefined, (err as Error).message);
      throw err;
    }
  }

  private async decide(login: LoginRequest): Promise<{ answer: BridgeAnswer; decision?: Decision; jobId?: number }> {
    const started = Date.now();
    let ruleSet;
    try {
      ruleSet = await this.rules.current();
    } catch (err) {
      // the rules cannot load (BMS or Keycloak unreachable while they are checked): the job decides when it can
      this.log.warn({ userId: login.userId, eventId: login.eventId, error: (err as Error).message }, 'rules unavailable; login answered pending');
      const job = await this.enqueue(login);
      return { answer: { status: 'pending' }, jobId: job.id };
    }
    const decision = evaluate(ruleSet, login.facts);
    const { link, pendingJob } = await this.store.signInView(login.userId);
    const truth: UserTruth = { exists: true, id: login.userId, username: login.username, enabled: true, email: login.facts.email ?? null, firstName: login.facts.firstName, lastName: login.facts.lastName, upn: login.facts.upn ?? null, domain: login.facts.domain ?? null, groups: login.facts.groups, employeeIdAttribute: null, requested: true };
    const quick = plan({ user: truth, decision, bms: link?.record ? { source: 'record', employee: link.record } : { source: 'unsearched' }, policies: ruleSet.defaults?.policies ?? DEFAULT_POLICIES, mayCreate: true });
    this.log.info({ userId: login.userId, eventId: login.eventId, outcome: decision.outcome, rule: decision.outcome === 'unusable' ? undefined : decision.rule?.name, reason: decision.reason }, 'provisioning decision');

    if (quick.kind === 'act' && !quick.actions.length && quick.end === 'active' && quick.employeeId !== undefined && !pendingJob) {
      return { answer: { status: 'provisioned', employeeId: quick.employeeId }, decision };
    }
    // no usable rule set was ever loaded: a bridge failure (the step's failure mode applies), never a denial
    if (quick.kind === 'refuse' && quick.reason === 'unusable') throw new RulesUnusableError(quick.detail);
    if (quick.kind === 'refuse' && (quick.reason === 'denied' || quick.reason === 'no-email')) {
      const job = quick.actions.length ? await this.enqueue(login) : undefined;
      return { answer: { status: 'denied', message: quick.message }, decision, jobId: job?.id };
    }
    const job = await this.enqueue(login);
    const settled = await this.settledWithin(job.id, started);
    const result = settled?.state === 'done' && mergedInto(settled.result) === undefined ? (settled.result as ConvergeResult | null) : undefined;
    const told = { decision, jobId: job.id };
    if (result?.outcome === 'active') return { ...told, answer: { status: 'provisioned', employeeId: result.employeeId } };
    if (result?.outcome === 'refused' && result.reason === 'unusable') throw new RulesUnusableError(result.detail);
    if (result?.outcome === 'refused') return { ...told, answer: { status: 'denied', message: result.message } };
    if (result) return { ...told, answer: { status: 'denied', message: 'Your account cannot use BMS right now. Ask your IT administrator.' } };
    this.log.info({ jobId: job.id, state: settled?.state }, 'login answered pending; the job goes on in the background');
    return { ...told, answer: { status: 'pending' } };
  }

  /** The job's end within the answer budget, following it into the job that absorbed it (the user's newer one). */
  private async settledWithin(jobId: number, started: number): Promise<Job | undefined> {
    let settled = await this.worker.waitFor(jobId, Math.max(0, this.options.budgetMs - (Date.now() - started)));
    for (let hops = 0; hops < 3; hops++) {
      const next = settled?.state === 'done' ? mergedInto(settled.result) : undefined;
      if (next === undefined) break;
      settled = await this.worker.waitFor(next, Math.max(0, this.options.budgetMs - (Date.now() - started)));
    }
    return settled;
  }

  /** One audit entry per sign-in: what the plugin was told, the rule that decided, and the facts it decided on. */
  private async note(login: LoginRequest, answer: BridgeAnswer | undefined, decision: Decision | undefined, jobId: number | undefined, failure?: string): Promise<void> {
    const rule = ruleOf(decision);
    const what = answer ? `sign-in answered ${answer.status}${answer.status === 'provisioned' ? ` (employee ${answer.employeeId})` : ''}` : `sign-in could not be decided: ${failure ?? 'unknown error'}`;
    const { groups, domain, upn, email } = login.facts;
    const details = { ...(rule ? { rule } : {}), ...(answer ? { answer: answer.status } : {}), ...groupsForAudit(groups), domain, upn, email };
    try {
      await this.store.audit.record({ userId: login.userId, kind: 'decision', what, why: whyOf(decision), trigger: 'login', by: login.eventId, jobId: jobId ?? null, details });
    } catch (err) {
      this.log.error({ userId: login.userId, eventId: login.eventId, what, error: (err as Error).message }, 'could not record the sign-in in the audit trail');
    }
  }

  private async enqueue(login: LoginRequest): Promise<Job> {
    const job = await this.store.jobs.enqueue({ userId: login.userId, trigger: 'login', eventId: login.eventId, login: login.facts, mayCreate: true }, this.options.maxAttempts);
    this.worker.kick();
    return job;
  }
}

/** The rules cannot decide (no good rule set was ever loaded): the HTTP layer answers 503, so the step's failure mode applies. */
export class RulesUnusableError extends Error {
  constructor(reason: string) {
    super(`the BMS rules cannot be used, and no earlier good rule set is in force: ${reason}`);
    this.name = 'RulesUnusableError';
  }
}
