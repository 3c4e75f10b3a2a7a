import { ConvergeResult } from '../converge/converger';
import { DEFAULT_POLICIES, UserTruth } from '../converge/model';
import { plan } from '../converge/plan';
import { Job, LoginFacts } from '../jobs/job-queue';
import { Store } from '../store/store';
import { Worker } from '../jobs/worker';
import { Logger } from '../log/logger';
import { evaluate } from '../rules/evaluate';
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

  async answer(login: LoginRequest): Promise<BridgeAnswer> {
    const started = Date.now();
    let ruleSet;
    try {
      ruleSet = await this.rules.current();
    } catch (err) {
      // the rules cannot load (BMS or Keycloak unreachable while they are checked): the job decides when it can
      this.log.warn({ userId: login.userId, eventId: login.eventId, error: (err as Error).message }, 'rules unavailable; login answered pending');
      await this.enqueue(login);
      return { status: 'pending' };
    }
    const decision = evaluate(ruleSet, login.facts);
    const link = await this.store.links.linkOf(login.userId);
    const truth: UserTruth = { exists: true, id: login.userId, username: login.username, enabled: true, email: login.facts.email ?? null, firstName: login.facts.firstName, lastName: login.facts.lastName, upn: login.facts.upn ?? null, domain: login.facts.domain ?? null, groups: login.facts.groups, employeeIdAttribute: null, requested: true };
    const quick = plan({ user: truth, decision, bms: link?.record ? { source: 'record', employee: link.record } : { source: 'unsearched' }, policies: ruleSet.defaults?.policies ?? DEFAULT_POLICIES, mayCreate: true });
    this.log.info({ userId: login.userId, eventId: login.eventId, outcome: decision.outcome, rule: decision.outcome === 'unusable' ? undefined : decision.rule?.name, reason: decision.reason }, 'provisioning decision');

    if (quick.kind === 'act' && !quick.actions.length && quick.end === 'active' && quick.employeeId !== undefined && !(await this.store.jobs.pendingJobOf(login.userId))) {
      return { status: 'provisioned', employeeId: quick.employeeId };
    }
    // no usable rule set was ever loaded: a bridge failure (the step's failure mode applies), never a denial
    if (quick.kind === 'refuse' && quick.reason === 'unusable') throw new RulesUnusableError(quick.detail);
    if (quick.kind === 'refuse' && (quick.reason === 'denied' || quick.reason === 'no-email')) {
      if (quick.actions.length) await this.enqueue(login);
      return { status: 'denied', message: quick.message };
    }
    const job = await this.enqueue(login);
    const settled = await this.worker.waitFor(job.id, Math.max(0, this.options.budgetMs - (Date.now() - started)));
    const result = settled?.state === 'done' ? (settled.result as ConvergeResult | null) : undefined;
    if (result?.outcome === 'active') return { status: 'provisioned', employeeId: result.employeeId };
    if (result?.outcome === 'refused' && result.reason === 'unusable') throw new RulesUnusableError(result.detail);
    if (result?.outcome === 'refused') return { status: 'denied', message: result.message };
    if (result) return { status: 'denied', message: 'Your account cannot use BMS right now. Ask your IT administrator.' };
    this.log.info({ jobId: job.id, state: settled?.state }, 'login answered pending; the job goes on in the background');
    return { status: 'pending' };
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
