import { BmsClient, PRIORITY_BACKGROUND, PRIORITY_LOGIN } from '../bms/client';
import { BmsError } from '../bms/errors';
import { NewEmployee } from '../bms/employees';
import { Job, JobStore } from '../jobs/job-store';
import { KeycloakGateway } from '../keycloak/gateway';
import { Logger } from '../log/logger';
import { evaluate } from '../rules/evaluate';
import { BMS_FIELDS, Decision, FieldValues } from '../rules/model';
import { LOOKUP_OF_FIELD, RuleSource } from '../rules/rule-source';
import { BridgeAnswer, LoginProvisioningRequested } from '../webhooks/payload';

export interface ProvisionJob {
  login: LoginProvisioningRequested;
  fields: FieldValues;
  /** reconciler work yields to live logins at the BMS rate limiter */
  background?: boolean;
}

/** What was last written to BMS for a user: when a returning user's data equals it, BMS is not called at all. */
interface Snapshot {
  firstName: string;
  lastName: string;
  fields?: FieldValues;
  writtenBack: boolean;
  /** set when the bridge deactivated the employee; only then does re-enabling the user reactivate it */
  deactivated?: boolean;
}

export interface ProvisionerOptions {
  updatePolicy: 'names' | 'names-and-rules';
  maxAttempts: number;
}

/**
 * From a login webhook to a BMS employee: decide with the rules, queue a durable job, and run it (find by
 * e-mail, create or link, update the names, remember the link, write bms_employee_id back to Keycloak).
 */
export class Provisioner {
  constructor(
    private readonly store: JobStore,
    private readonly bms: BmsClient,
    private readonly keycloak: KeycloakGateway,
    private readonly rules: RuleSource,
    private readonly options: ProvisionerOptions,
    private readonly log: Logger,
  ) {}

  async decide(login: LoginProvisioningRequested): Promise<Decision> {
    const { user } = login;
    return evaluate(await this.rules.current(), { username: user.username, email: user.email, upn: user.upn, domain: user.domain, groups: user.groups });
  }

  /** Queues the login's work; the answer for a deny comes at once, without a job. */
  async accept(login: LoginProvisioningRequested, background = false): Promise<{ answer: BridgeAnswer } | { job: Job }> {
    const decision = await this.decide(login);
    const logged = { userId: login.user.id, username: login.user.username, rule: decision.outcome === 'unusable' ? undefined : decision.rule?.name, outcome: decision.outcome, reason: decision.reason, eventId: login.eventId };
    this.log.info(logged, 'provisioning decision');
    if (decision.outcome !== 'provision') return { answer: { status: 'denied', message: decision.userMessage } };
    if (!login.user.email) return { answer: { status: 'denied', message: 'Your directory account has no e-mail address, which BMS needs. Ask your IT administrator to add one.' } };
    // a returning user whose data BMS already has: nothing to do, no job, no BMS call
    const link = this.store.linkOf(login.user.id);
    if (link && same(link.snapshot as Snapshot | null, this.wanted(login, decision.fields))) return { answer: { status: 'provisioned', employeeId: link.employeeId } };
    const payload: ProvisionJob = { login, fields: decision.fields, background };
    return { job: this.store.enqueue('provision', login.user.id, payload, this.options.maxAttempts) };
  }

  /** Runs one claimed job; throws a BmsError (or other error) for the worker to record. */
  async run(job: Job): Promise<unknown> {
    switch (job.kind) {
      case 'provision':
        return this.provision(job.payload as ProvisionJob);
      case 'deactivate':
      case 'reactivate':
        return this.setActive(job.userId, job.kind === 'reactivate');
    }
  }

  private async provision({ login, fields, background }: ProvisionJob): Promise<{ employeeId: number; created: boolean }> {
    const { user } = login;
    const priority = background ? PRIORITY_BACKGROUND : PRIORITY_LOGIN;
    const wanted = this.wanted(login, fields);
    const link = this.store.linkOf(user.id);
    if (link && same(link.snapshot as Snapshot | null, wanted)) return { employeeId: link.employeeId, created: false };

    const previous = link?.snapshot as Snapshot | null | undefined;
    // what BMS holds now: the last snapshot for a linked user, or what searchselect shows for one found by e-mail
    let known: Pick<Snapshot, 'firstName' | 'lastName' | 'fields'> | undefined = previous ?? undefined;
    let employeeId = link?.employeeId;
    let created = false;
    if (employeeId === undefined) {
      const found = await this.bms.findEmployeeByEmail(user.email ?? '', priority);
      employeeId = found?.id;
      if (found) known = { firstName: found.firstName ?? '', lastName: found.lastName ?? '', fields: undefined };
    }
    if (employeeId === undefined) {
      employeeId = (await this.bms.createEmployee(await this.newEmployee(login, fields), priority)).id;
      created = true;
      this.log.info({ userId: user.id, employeeId }, 'BMS employee created');
    } else {
      if (!known || known.firstName !== wanted.firstName || known.lastName !== wanted.lastName || (wanted.fields && JSON.stringify(known.fields) !== JSON.stringify(wanted.fields))) {
        await this.bms.updateEmployee(employeeId, { firstName: wanted.firstName, lastName: wanted.lastName, ...(wanted.fields ? await this.ids(wanted.fields) : {}) }, priority);
      }
      this.log.info({ userId: user.id, employeeId, linked: !link }, link ? 'BMS employee updated' : 'existing BMS employee linked by e-mail');
    }
    const snapshot: Snapshot = { ...wanted, deactivated: previous?.deactivated };
    this.store.link(user.id, employeeId, { ...snapshot, writtenBack: false });
    await this.keycloak.writeEmployeeId(user.id, employeeId);
    this.store.link(user.id, employeeId, snapshot);
    return { employeeId, created };
  }

  /**
   * Deactivates (never deletes) the employee of a disabled or deleted user, and reactivates it when the user is
   * enabled again, but only an employee the bridge itself deactivated: every user update in Keycloak (the
   * bridge's own write-back included) reports the user as enabled, and must not undo a deactivation made in BMS.
   */
  private wanted(login: LoginProvisioningRequested, fields: FieldValues): Snapshot {
    const { user } = login;
    return { firstName: user.firstName ?? '', lastName: user.lastName ?? '', fields: this.options.updatePolicy === 'names-and-rules' ? fields : undefined, writtenBack: true };
  }

  /** Whether making the user's employee active (or not) would change anything: a linked employee in the other state. */
  activityChangeNeeded(userId: string, active: boolean): boolean {
    const link = this.store.linkOf(userId);
    return !!link && active === Boolean((link.snapshot as Snapshot | null)?.deactivated);
  }

  private async setActive(userId: string, active: boolean): Promise<{ employeeId?: number; changed: boolean }> {
    const link = this.store.linkOf(userId);
    if (!link || !this.activityChangeNeeded(userId, active)) return { employeeId: link?.employeeId, changed: false };
    const snapshot = (link.snapshot ?? {}) as Snapshot;
    if (active) await this.bms.reactivateEmployee(link.employeeId);
    else await this.bms.deactivateEmployee(link.employeeId);
    this.store.link(userId, link.employeeId, { ...snapshot, deactivated: !active });
    this.log.info({ userId, employeeId: link.employeeId }, active ? 'BMS employee reactivated' : 'BMS employee deactivated');
    return { employeeId: link.employeeId, changed: true };
  }

  private async newEmployee(login: LoginProvisioningRequested, fields: FieldValues): Promise<NewEmployee> {
    const { user } = login;
    const ids = await this.ids(fields);
    return {
      userName: user.upn ?? user.username,
      firstName: user.firstName ?? '',
      lastName: user.lastName ?? '',
      emailAddress: user.email ?? '',
      accountId: ids.accountId ?? 0,
      departmentId: ids.departmentId ?? 0,
      locationId: ids.locationId ?? 0,
      managerId: ids.managerId,
      jobTitleId: ids.jobTitleId ?? 0,
      employmentTypeId: ids.employmentTypeId ?? 0,
      securityRoleId: ids.securityRoleId ?? 0,
      employeeRoleId: ids.employeeRoleId ?? 0,
    };
  }

  /** BMS names → ids through the cached lookups; an unknown name is a BmsError of kind 'lookup' (not retryable). */
  private async ids(fields: FieldValues): Promise<Partial<Record<`${(typeof BMS_FIELDS)[number]}Id`, number>>> {
    const out: Partial<Record<`${(typeof BMS_FIELDS)[number]}Id`, number>> = {};
    for (const field of BMS_FIELDS) {
      const value = fields[field];
      if (value) out[`${field}Id`] = await this.bms.lookups.resolve(LOOKUP_OF_FIELD[field], value);
    }
    return out;
  }
}

function same(a: Snapshot | null | undefined, b: Snapshot): boolean {
  return !!a && a.writtenBack && a.firstName === b.firstName && a.lastName === b.lastName && JSON.stringify(a.fields) === JSON.stringify(b.fields);
}

export function failureOf(err: unknown): { message: string; retryable: boolean; retryAfterMs?: number } {
  if (err instanceof BmsError) return { message: err.message, retryable: err.retryable, retryAfterMs: err.details.retryAfterMs };
  const message = err instanceof Error ? err.message : String(err);
  // Keycloak or network trouble during write-back: worth another attempt
  return { message, retryable: true };
}
