import { auditTriggerOf } from '../audit/audit-log';
import { decisionNote, Note, writeNote } from './audit-notes';
import { BmsClient, PRIORITY_BACKGROUND, PRIORITY_LOGIN } from '../bms/client';
import { BmsError } from '../bms/errors';
import { CallPriority } from '../bms/rate-limiter';
import { Job, LoginFacts, PRIORITY } from '../jobs/job-queue';
import { Store } from '../store/store';
import { LinkConflictError } from './link-store';
import { EMPLOYEE_ID_ATTRIBUTE as EMPLOYEE_ID, KeycloakGateway } from '../keycloak/gateway';
import { Logger } from '../log/logger';
import { evaluate } from '../rules/evaluate';
import { RuleSource } from '../rules/rule-source';
import { BmsWrites } from './bms-writes';
import { ConvergeResult } from './converge-result';
import { sameText, viewOf } from './employee-view';
import { knowledgeOf } from './knowledge';
import { BmsKnowledge, DEFAULT_POLICIES, EmployeeView, Plan, UserTruth } from './model';
import { plan, recordAfter } from './plan';

export interface ConvergerOptions {
  /** a login's own job uses the login's facts if it starts within this long of the sign-in */
  loginFactsWindowMs: number;
  /** attempts of a job the converger queues itself */
  maxAttempts: number;
}

/** Passes of read → plan → write in one job: a read, a write-back that finds the user gone, a link race. */
const MAX_PASSES = 5;

/**
 * One converge job: reads the truth now (Keycloak, the rules, the link, BMS when needed), plans with the pure
 * `plan`, and makes BMS match. Safe to run any number of times, in any order: it never acts on what an event said.
 */
export class Converger {
  private readonly writes: BmsWrites;

  constructor(
    private readonly store: Store,
    private readonly bms: BmsClient,
    private readonly keycloak: KeycloakGateway,
    private readonly rules: RuleSource,
    private readonly options: ConvergerOptions,
    private readonly log: Logger,
  ) {
    this.writes = new BmsWrites(bms, store.links, log);
  }

  /** `lease`: aborted when this process no longer holds the job (another bridge may run it now): no further BMS write. */
  async run(job: Job, lease?: AbortSignal): Promise<ConvergeResult> {
    const note = this.notesFor(job);
    try {
      return await this.converge(job, note, lease);
    } catch (err) {
      // each failed attempt is part of the person's story (the job keeps only its last error)
      await note({ kind: 'job', what: `attempt ${job.attempts} of ${job.maxAttempts} failed: ${(err as Error).message}`, details: { attempt: job.attempts, of: job.maxAttempts } });
      throw err;
    }
  }

  private async converge(job: Job, note: Note, lease?: AbortSignal): Promise<ConvergeResult> {
    const priority = this.priorityOf(job);
    const done: string[] = [];
    let truth = await this.truthFor(job);
    let knowledge: BmsKnowledge | undefined;
    for (let pass = 1; pass <= MAX_PASSES; pass++) {
      const ruleSet = await this.rules.current();
      const decision = truth.exists && truth.enabled ? evaluate(ruleSet, truth) : undefined;
      const policies = ruleSet.defaults?.policies ?? DEFAULT_POLICIES;
      knowledge ??= await knowledgeOf(this.store.links, truth, job.payload.reread === true);
      const next = plan({ user: truth, decision, bms: knowledge, policies, mayCreate: job.payload.mayCreate === true });
      if (next.kind === 'read') {
        knowledge = await this.read(next, truth, priority, note);
        continue;
      }
      try {
        const employeeId = await this.execute(truth.id, next, knowledge, priority, done, note, lease);
        if (employeeId !== undefined && truth.exists && truth.employeeIdAttribute !== employeeId) {
          const written = await this.keycloak.writeEmployeeId(truth.id, employeeId);
          if (written === true) await note({ kind: 'keycloak-write', what: `wrote ${EMPLOYEE_ID} ${employeeId} to the Keycloak user`, details: { employeeId } });
          if (written === 'read-only') await this.store.links.markAttributeUnwritable(truth.id);
          if (written === false) {
            // the user was deleted while the job ran: look again, and deactivate what was just made
            this.log.warn({ userId: truth.id, employeeId }, 'the Keycloak user is gone; converging again');
            truth = { exists: false, id: truth.id };
            knowledge = undefined;
            continue;
          }
        }
        const result = this.resultOf(next, employeeId, done, truth.id);
        await note(decisionNote(result, decision));
        return result;
      } catch (err) {
        if (!(err instanceof LinkConflictError)) throw err;
        // another user's job linked this employee a moment ago: search again, which now sees the holder; if this job
        // already wrote to the employee, the holder's record may be wrong: it is read from BMS at its next job
        if (done.length) await this.requeueHolder(err.employeeId);
        knowledge = { source: 'unsearched' };
      }
    }
    throw new Error(`converging Keycloak user ${job.userId} did not settle in ${MAX_PASSES} passes`);
  }

  /**
   * A sign-in's job calls BMS at a sign-in's priority. Background work calls at background priority until the user signs
   * in meanwhile: that sign-in's job waits for this one, so this one is raised rather than held at the background share.
   */
  private priorityOf(job: Job): CallPriority {
    if (job.priority >= PRIORITY.login) return PRIORITY_LOGIN;
    let raised = false;
    return { level: PRIORITY_BACKGROUND, raised: async () => (raised ||= await this.store.jobs.loginWaiting(job.userId)) };
  }

  /** The audit note-taker of one job: entries carry the job, its user and what triggered it. */
  private notesFor(job: Job): Note {
    const { trigger, by } = auditTriggerOf(job);
    return async (entry) => {
      try {
        await this.store.audit.record({ ...entry, userId: job.userId, trigger, by, jobId: job.id });
      } catch (err) {
        // the audit must not stop a provisioning that BMS already carried out: the entry goes to the log instead
        this.log.error({ ...entry, userId: job.userId, jobId: job.id, error: (err as Error).message }, 'could not record an audit entry in the store');
      }
    };
  }

  private async requeueHolder(employeeId: number): Promise<void> {
    const holder = await this.store.links.forgetRecord(employeeId);
    if (!holder) return;
    await this.store.jobs.enqueue({ userId: holder, trigger: 'event', reread: true }, this.options.maxAttempts);
    this.log.warn({ userId: holder, employeeId }, "another user's job wrote to this employee while the link moved; the holder's employee is read again");
  }

  /** Keycloak's user now; a login's own first attempt takes the attributes the login carried (not yet committed). */
  private async truthFor(job: Job): Promise<UserTruth> {
    const truth = await this.keycloak.truth(job.userId);
    const login: LoginFacts | undefined = job.payload.login;
    if (!truth.exists || !login || job.attempts > 1 || Date.now() - login.at > this.options.loginFactsWindowMs) return truth;
    return { ...truth, email: login.email ?? null, firstName: login.firstName, lastName: login.lastName, upn: login.upn ?? null, domain: login.domain ?? null, groups: login.groups, requested: true };
  }

  private async read(next: Extract<Plan, { kind: 'read' }>, truth: UserTruth, priority: CallPriority, note: Note): Promise<BmsKnowledge> {
    const userId = truth.id;
    if (next.what === 'employee') {
      let employee: EmployeeView;
      try {
        employee = viewOf(await this.bms.getEmployee(next.employeeId, priority));
        await note({ kind: 'bms-read', what: `read BMS employee ${next.employeeId}`, why: next.fromAttribute ? `the Keycloak user's ${EMPLOYEE_ID} names it` : 'the link names it', details: { employeeId: next.employeeId, active: employee.active } });
      } catch (err) {
        if (!(err instanceof BmsError && err.kind === 'not-found')) throw err;
        await note({ kind: 'bms-read', what: `BMS employee ${next.employeeId} no longer exists`, details: { employeeId: next.employeeId } });
        this.log.warn({ userId, employeeId: next.employeeId }, 'the linked BMS employee no longer exists; searching by e-mail');
        return { source: 'unsearched' };
      }
      if (!next.fromAttribute) return { source: 'read', employee };
      // Keycloak's attribute alone is no proof (any admin of the user can set it): the employee must be this person's,
      // and it is then treated like one found by e-mail (rehire policy, never a silent takeover)
      // a disabled user's own employee is theirs to deactivate; an enabled user's is linked as a found one
      if (truth.exists && (sameText(employee.email, truth.email) || sameText(employee.userName, truth.upn ?? truth.username))) return truth.enabled ? { source: 'found', employee } : { source: 'read', employee };
      this.log.error({ userId, employeeId: next.employeeId }, `${EMPLOYEE_ID} names a BMS employee with another e-mail and user name; ignored, searching by e-mail`);
      return { source: 'unsearched' };
    }
    const found = await this.bms.findEmployeeOf(next.email, next.userName, priority);
    await note({ kind: 'bms-read', what: found ? `searched BMS: found employee ${found.id}` : 'searched BMS: no employee', why: 'no link yet', details: { email: next.email, userName: next.userName, ...(found ? { employeeId: found.id } : {}) } });
    if (!found) return { source: 'none' };
    const holder = await this.store.links.linkOfEmployee(found.id);
    if (!holder || holder.userId === userId) return { source: 'found', employee: viewOf(found) };
    const holderExists = (await this.keycloak.truth(holder.userId)).exists;
    return { source: 'found', employee: viewOf(found), linkedTo: { userId: holder.userId, userExists: holderExists, record: holder.record } };
  }

  /** Runs the plan's writes in order, recording after each so a crash leaves an accurate link. Returns the employee. */
  private async execute(userId: string, next: Extract<Plan, { kind: 'act' | 'refuse' }>, knowledge: BmsKnowledge, priority: CallPriority, done: string[], note: Note, lease?: AbortSignal): Promise<number | undefined> {
    let held: EmployeeView | undefined = knowledge.source === 'record' || knowledge.source === 'read' || knowledge.source === 'found' ? knowledge.employee : undefined;
    let employeeId = next.employeeId ?? held?.id;
    for (const action of next.actions) {
      // fencing: a job whose lease was lost may be running on another bridge now; it must not write to BMS as well
      if (lease?.aborted) throw new Error(`the job's lease was lost before '${action.kind}': another bridge runs it now; nothing more is written here`);
      employeeId = await this.writes.write(userId, action, knowledge, priority);
      held = recordAfter(held, [action], employeeId);
      await this.store.links.saveLink(userId, held);
      await note(writeNote(action, employeeId));
      done.push(action.kind);
    }
    if (held && employeeId !== undefined && knowledge.source === 'read') await this.store.links.saveLink(userId, held);
    return next.kind === 'refuse' && !next.actions.length ? undefined : employeeId;
  }

  private resultOf(next: Extract<Plan, { kind: 'act' | 'refuse' }>, employeeId: number | undefined, done: string[], userId: string): ConvergeResult {
    if (next.kind === 'refuse' && next.reason === 'conflict') {
      // the admin must act: two Keycloak users claim one employee
      this.log.error({ userId, detail: next.detail }, 'BMS employee conflict: not linked; give one of the users another e-mail address, or delete the stale user');
    } else if (next.kind === 'refuse' && next.reason === 'rehire-denied') {
      this.log.warn({ userId, detail: next.detail }, 'rehire refused by policy: reactivate the employee in BMS to let the user in');
    }
    if (next.kind === 'refuse') return { outcome: 'refused', reason: next.reason, message: next.message, detail: next.detail, ...(employeeId !== undefined ? { employeeId } : {}), actions: done };
    if (next.end === 'absent' || employeeId === undefined) return { outcome: 'absent', actions: done };
    return { outcome: next.end, employeeId, actions: done };
  }
}
